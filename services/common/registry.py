"""The model registry: which trained models exist and which one the workers serve for each
instrument (piano, ensemble): one active model per instrument.

The shipped models (models/DEFAULT, models/DEFAULT-piano) are registered as active the first
time their instrument is asked for, so a fresh install serves them without any operator step.
Reads only cards (tunescribe.cards): the API never imports TensorFlow."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.models import ModelStatus, ModelVersion, utcnow
from tunescribe.cards import Instrument, default_model_dir, instrument_of, read_card, shipped_piano_model


class RegistryError(Exception):
    """A registry action that cannot be done; the message says why."""


def register(session: Session, path: Path, status: ModelStatus = ModelStatus.CANDIDATE) -> ModelVersion:
    """Add a model folder (model.weights.h5 + card.json) to the registry."""
    card = read_card(path)
    row = ModelVersion(version=card["version"], path=str(Path(path).resolve()), status=status,
                       instrument=instrument_of(card),
                       parameters=card.get("parameters", 0), data=card.get("data", {}),
                       metrics=card.get("test", {}), card=card,
                       activated_at=utcnow() if status == ModelStatus.ACTIVE else None)
    session.add(row)
    session.flush()
    return row


def _active(session: Session, instrument: Instrument) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE,
                                                     ModelVersion.instrument == instrument))


def shipped_model(instrument: Instrument) -> Path | None:
    """The model shipped in models/ for `instrument` (models/DEFAULT, models/DEFAULT-piano)."""
    return default_model_dir() if instrument == Instrument.ENSEMBLE else shipped_piano_model()


def active_model(session: Session, instrument: Instrument = Instrument.ENSEMBLE) -> ModelVersion | None:
    """The model workers serve for `instrument` (None: none yet). The first time an instrument is
    asked for and the registry has no model of it, the shipped one is registered as active, so a
    fresh install (or one from before that model shipped) serves it without any operator step."""
    row = _active(session, instrument)
    known = session.scalar(select(ModelVersion.version).where(ModelVersion.instrument == instrument).limit(1))
    if row is None and known is None and (shipped := shipped_model(instrument)) is not None:
        try:
            register(session, shipped, status=ModelStatus.ACTIVE)
            session.commit()
        except IntegrityError:  # another process registered it first
            session.rollback()
        row = _active(session, instrument)
    return row


def promote(session: Session, version: str) -> ModelVersion:
    """Make `version` the active model of its instrument; the previous one is retired."""
    target = session.get(ModelVersion, version, with_for_update=True)
    if target is None:
        raise RegistryError(f"no model {version}")
    if target.status != ModelStatus.ACTIVE:
        session.execute(update(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE,
                                                   ModelVersion.instrument == target.instrument)
                        .values(status=ModelStatus.RETIRED))
        target.status, target.activated_at = ModelStatus.ACTIVE, utcnow()
    session.commit()
    return target


def rollback(session: Session, instrument: Instrument = Instrument.ENSEMBLE) -> ModelVersion:
    """Serve again the model of `instrument` that was active before the current one."""
    current = active_model(session, instrument)
    previous = session.scalar(select(ModelVersion).where(ModelVersion.status == ModelStatus.RETIRED,
                                                         ModelVersion.instrument == instrument,
                                                         ModelVersion.activated_at.is_not(None))
                              .order_by(ModelVersion.activated_at.desc()).limit(1))
    if current is None or previous is None:
        raise RegistryError("no earlier model to roll back to")
    current.status = ModelStatus.RETIRED
    current.activated_at = None  # so a second rollback goes further back, not forth
    previous.status, previous.activated_at = ModelStatus.ACTIVE, utcnow()
    session.commit()
    return previous
