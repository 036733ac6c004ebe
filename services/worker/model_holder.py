"""The transcription model of this worker process: loaded after the fork, then checked against
the registry before each job and replaced, without a restart, when another model was promoted.
A missing or corrupt model is remembered as a reason, so jobs fail with it and health shows it.
TUNESCRIBE_MODEL_DIR pins a worker to one model folder, whatever the registry says."""

from __future__ import annotations

import logging
from pathlib import Path

from services.common.db import session_scope
from services.common.registry import active_model
from services.common.settings import get_settings

log = logging.getLogger("tunescribe.worker")

_state: dict = {"model": None, "version": None, "path": None, "error": None}


class ModelUnavailable(Exception):
    pass


def _wanted() -> tuple[str | None, Path | None, str | None]:
    """(version, folder, error) of the model this worker should hold."""
    pinned = get_settings().model_dir
    if pinned is not None:
        return None, pinned, None
    try:
        with session_scope() as session:
            row = active_model(session)
            return (row.version, Path(row.path), None) if row else (None, None, "no active model in the registry")
    except OSError as e:  # models/DEFAULT unreadable
        return None, None, str(e)


def refresh() -> None:
    """Load the wanted model if it is not the one held (or the last attempt failed)."""
    from tunescribe.model import ModelError, load_model

    version, path, error = _wanted()
    if error:
        _state.update(model=None, version=None, path=None, error=f"model unavailable: {error}")
        return
    if _state["model"] is not None and _state["path"] == path and (version is None or version == _state["version"]):
        return
    try:
        model = load_model(path)
    except (ModelError, OSError, ValueError) as e:  # h5py raises OSError on a damaged file
        if _state["error"] is None or _state["path"] != path:
            log.error("model unavailable: %s", e)
        _state.update(model=None, version=None, path=path, error=f"model unavailable: {e}")
        return
    _state.update(model=model, version=model.version, path=path, error=None)
    log.info("model %s loaded", model.version)


def current():
    """The model to use for the next job, or ModelUnavailable with the reason."""
    refresh()
    if _state["model"] is None:
        raise ModelUnavailable(_state["error"])
    return _state["model"]


def status() -> tuple[str | None, str | None]:
    return _state["version"], _state["error"]
