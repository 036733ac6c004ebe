"""The gateway: `uvicorn services.api.main:app`. Wires routes, guards and the web app; it sends
tasks by name and never imports TensorFlow."""

from __future__ import annotations

import json
import logging
import math
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import select
from starlette.staticfiles import StaticFiles

from services.api.routes import admin, auth, health, jobs, limits, revisions
from services.api.security import UploadsLimited, hash_password, is_operator
from services.api.uploads import BodyLimit
from services.common.db import session_scope
from services.common.logs import configure_logging
from services.common.models import User
from services.common.queue import QueueUnavailable
from services.common.revisions import JobNotReady, RevisionNotFound
from services.common.settings import get_settings
from services.common.storage import StorageUnavailable
from tunescribe.edits import InvalidEdit

log = logging.getLogger("tunescribe.api")
_CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'self'")
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def ensure_admin() -> None:
    """The first administrator, from TUNESCRIBE_ADMIN_EMAIL / TUNESCRIBE_ADMIN_PASSWORD."""
    s = get_settings()
    if not (s.admin_email and s.admin_password):
        return
    with session_scope() as session:
        user = session.scalar(select(User).where(User.email == s.admin_email.lower()))
        if user is None:
            session.add(User(email=s.admin_email.lower(), password_hash=hash_password(s.admin_password), is_admin=True))
        elif not user.is_admin:
            user.is_admin = True


class _AsciiJSONResponse(JSONResponse):
    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


async def invalid_request(_request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, ASCII-escaped: the input it echoes may hold lone surrogates (JSON allows
    "\\ud800"), which UTF-8 cannot encode; the default response then fails with a 500."""
    return _AsciiJSONResponse({"detail": _finite(jsonable_encoder(exc.errors()))}, status_code=422)


def _finite(value):
    """`value` with every NaN or infinity it echoes (Python's JSON reads them) as text, which JSON can hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


async def queue_unavailable(_request, exc: QueueUnavailable) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": "60"})


async def storage_unavailable(_request, exc: StorageUnavailable) -> JSONResponse:
    log.error("%s", exc)  # the operator's detail; the user reads a sentence
    return JSONResponse({"detail": "The file store is unavailable; nothing was changed. Try again in a minute."},
                        status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "60"})


async def uploads_limited(_request, exc: UploadsLimited) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                        headers={"Retry-After": str(exc.retry_after)})


# domain errors whose sentence is the whole answer, by HTTP code
_REFUSALS = {InvalidEdit: status.HTTP_422_UNPROCESSABLE_ENTITY, JobNotReady: status.HTTP_409_CONFLICT,
             RevisionNotFound: status.HTTP_404_NOT_FOUND}


async def refused(_request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=_REFUSALS[type(exc)])


OPERATOR_PATHS = ("/docs", "/redoc", "/openapi.json", "/metrics")


@asynccontextmanager
async def lifespan(_app: FastAPI):
    ensure_admin()
    yield


def create_app() -> FastAPI:
    configure_logging()
    s = get_settings()
    app = FastAPI(title="TuneScribe", version="0.1.0", lifespan=lifespan,
                  description="Recordings to MIDI and sheet music.")
    api = APIRouter(prefix="/api")
    api.include_router(auth.router)
    api.include_router(jobs.router)
    api.include_router(revisions.router)
    api.include_router(limits.router)
    api.include_router(admin.router)
    app.include_router(api)
    app.include_router(health.router)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(QueueUnavailable, queue_unavailable)
    app.add_exception_handler(StorageUnavailable, storage_unavailable)
    app.add_exception_handler(UploadsLimited, uploads_limited)
    for refusal in _REFUSALS:
        app.add_exception_handler(refusal, refused)

    # added first, so it runs inside the headers middleware: its 413 gets the headers too, and its
    # error reaches the form parser unwrapped (that middleware's task group would turn it into a 400)
    app.add_middleware(BodyLimit, max_bytes=s.max_upload_mb * 2**20 + 2**16)  # + the form's own fields

    @app.middleware("http")
    async def security_headers(request, call_next):
        if request.url.path.startswith(OPERATOR_PATHS) and not is_operator(request.headers.get("authorization")):
            response = JSONResponse({"detail": "operators only: send the operator token"},
                                    status_code=status.HTTP_403_FORBIDDEN, headers={"WWW-Authenticate": "Bearer"})
        else:
            response = await call_next(request)
        response.headers.update(_HEADERS)
        if not request.url.path.startswith(("/docs", "/redoc")):  # Swagger UI loads its own scripts
            response.headers["Content-Security-Policy"] = _CSP
        return response

    if (s.frontend_dir / "index.html").is_file():
        _serve_frontend(app, s.frontend_dir)
    return app


def _serve_frontend(app: FastAPI, dist: Path) -> None:
    """The built web app at /, with index.html for its client-side routes."""
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    index = dist / "index.html"
    root = dist.resolve()

    # HEAD too: link checkers and uptime probes ask for the pages that way (GET alone answered 405)
    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def spa(path: str) -> FileResponse:
        if path == "api" or path.startswith("api/"):  # an unknown API address is not a page of the app
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
        target = (root / path).resolve()
        if path and target.is_file() and target.is_relative_to(root):
            return FileResponse(target)
        return FileResponse(index)


app = create_app()
