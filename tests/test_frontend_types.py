"""The web app's API types (frontend/src/api/schema.d.ts) are generated from the API's own OpenAPI
document, so a change of a schema, a status or a route that the app does not follow fails here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FRONTEND = REPO / "frontend"
GENERATOR = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
COMMITTED = FRONTEND / "src" / "api" / "schema.d.ts"

pytestmark = pytest.mark.skipif(not (FRONTEND / "package.json").is_file(), reason="no web app in this checkout")


def test_frontend_types_match_the_openapi_schema(tmp_path: Path) -> None:
    from services.api.main import app

    assert GENERATOR.is_file(), "openapi-typescript is not installed: run `cd frontend && npm ci`"
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(app.openapi()))
    generated = tmp_path / "schema.d.ts"
    subprocess.run([str(GENERATOR), str(schema), "-o", str(generated)], check=True, capture_output=True, timeout=120)
    assert generated.read_text() == COMMITTED.read_text(), (
        "frontend/src/api/schema.d.ts is not what the API's OpenAPI schema gives: run `npm run api-types` "
        "in frontend/ (then fix what tsc reports)"
    )
