"""The transcription models of this worker process, one per instrument (ensemble, piano): loaded
after the fork, then checked against the registry before each job and replaced, without a
restart, when another model was promoted. A missing or corrupt model is remembered as a reason, so
jobs fail with it and health shows it. TUNESCRIBE_MODEL_DIR pins a worker to one model folder for
every instrument, whatever the registry says. For Auto the worker also holds the instrument
classifier (tunescribe.auto), which picks the piano or the ensemble model per recording."""

from __future__ import annotations

import logging
from pathlib import Path

from services.common.db import session_scope
from services.common.registry import active_model
from services.common.settings import get_settings
from tunescribe.cards import Instrument

log = logging.getLogger("tunescribe.worker")

_held: dict[Instrument, dict] = {}  # instrument -> model, version, path, error
_classifier: dict = {}  # "value" or "error", once loaded


class ModelUnavailable(Exception):
    pass


def _wanted(instrument: Instrument) -> tuple[str | None, Path | None, str | None]:
    """(version, folder, error) of the model this worker should hold for `instrument`; all None
    when the registry has none for it."""
    pinned = get_settings().model_dir
    if pinned is not None:
        return None, pinned, None
    try:
        with session_scope() as session:
            row = active_model(session, instrument)
            if row is not None:
                return row.version, Path(row.path), None
            return None, None, None if instrument != Instrument.ENSEMBLE else "no active model in the registry"
    except OSError as e:  # models/DEFAULT unreadable
        return None, None, str(e)


def refresh(instrument: Instrument = Instrument.ENSEMBLE) -> None:
    """Load the wanted model of `instrument` if it is not the one held (or the last attempt failed)."""
    from tunescribe.model import ModelError, load_model

    state = _held.setdefault(instrument, {"model": None, "version": None, "path": None, "error": None})
    version, path, error = _wanted(instrument)
    if error or path is None:
        state.update(model=None, version=None, path=None, error=error and f"model unavailable: {error}")
        return
    if state["model"] is not None and state["path"] == path and (version is None or version == state["version"]):
        return
    try:
        model = load_model(path)
    except (ModelError, OSError, ValueError) as e:  # h5py raises OSError on a damaged file
        if state["error"] is None or state["path"] != path:
            log.error("model unavailable: %s", e)
        state.update(model=None, version=None, path=path, error=f"model unavailable: {e}")
        return
    state.update(model=model, version=model.version, path=path, error=None)
    log.info("model %s loaded for %s", model.version, instrument)


def _classifier_or_fail():
    from tunescribe.model import ModelError, load_classifier

    if not _classifier:
        try:
            _classifier["value"] = load_classifier()
        except ModelError as e:
            _classifier["error"] = f"instrument classifier unavailable: {e}"
            log.error(_classifier["error"])
    if "error" in _classifier:
        raise ModelUnavailable(_classifier["error"])
    return _classifier["value"]


def current(instrument: Instrument = Instrument.ENSEMBLE):
    """The model for a job asked to be `instrument`: the piano model for PIANO when one is
    registered, else the ensemble model; for AUTO, with a piano model registered, both and the
    classifier that picks (tunescribe.auto.AutoModels). ModelUnavailable with the reason when a
    model cannot be loaded."""
    piano = None
    if instrument in (Instrument.PIANO, Instrument.AUTO) and get_settings().model_dir is None:
        refresh(Instrument.PIANO)
        state = _held[Instrument.PIANO]
        if state["error"]:
            raise ModelUnavailable(state["error"])
        piano = state["model"]
    if instrument == Instrument.PIANO and piano is not None:
        return piano
    refresh(Instrument.ENSEMBLE)
    state = _held[Instrument.ENSEMBLE]
    if state["model"] is None:
        raise ModelUnavailable(state["error"])
    if instrument == Instrument.AUTO and piano is not None:
        from tunescribe.auto import AutoModels

        return AutoModels(piano, state["model"], _classifier_or_fail())
    return state["model"]


def status() -> tuple[str | None, str | None]:
    """(version, error) of the ensemble model, which every worker serves."""
    state = _held.get(Instrument.ENSEMBLE, {})
    return state.get("version"), state.get("error")
