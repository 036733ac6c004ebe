"""MusicXML files against the MusicXML 4.0 XSD (the copy shipped in the `musicxml` PyPI package),
with xmlschema; nothing is fetched from the network (xmlschema brings its own xml/xlink schemas)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=1)
def musicxml_schema():
    """The compiled MusicXML 4.0 schema (loaded once, about a second)."""
    import xmlschema

    xsd = resources.files("musicxml") / "generate_classes" / "musicxml_4_0.xsd"
    return xmlschema.XMLSchema(str(xsd))


def schema_errors(path: str | Path, limit: int = 20) -> list[str]:
    """Up to `limit` reasons the file is not valid MusicXML 4.0; empty when it is."""
    errors = []
    for err in musicxml_schema().iter_errors(str(path)):
        errors.append(f"{err.path}: {err.reason}")
        if len(errors) >= limit:
            break
    return errors
