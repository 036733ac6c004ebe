"""The transcription model of this worker process: loaded once, after the fork, and kept.
A missing or corrupt model is remembered as a reason, so jobs fail with it and health shows it."""

from __future__ import annotations

import logging

from services.common.settings import get_settings

log = logging.getLogger("tunescribe.worker")

_state: dict = {"model": None, "version": None, "error": None}


def load() -> None:
    from tunescribe.model import ModelError, load_model

    try:
        model = load_model(get_settings().model_dir)
    except (ModelError, OSError, ValueError) as e:  # h5py raises OSError on a damaged file
        _state.update(model=None, version=None, error=f"model unavailable: {e}")
        log.error(_state["error"])
        return
    _state.update(model=model, version=model.version, error=None)
    log.info("model %s loaded", _state["version"])


class ModelUnavailable(Exception):
    pass


def current():
    """The loaded model, or ModelUnavailable with the reason."""
    if _state["model"] is None and _state["error"] is None:
        load()
    if _state["model"] is None:
        raise ModelUnavailable(_state["error"])
    return _state["model"]


def status() -> tuple[str | None, str | None]:
    return _state["version"], _state["error"]
