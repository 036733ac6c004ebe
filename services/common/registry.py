"""The model registry: which trained models exist and which one the workers serve.

The default model (tunescribe.cards.default_model_dir: $TUNESCRIBE_MODEL, else models/DEFAULT) is
registered as active the first time the registry is read, so a fresh install serves it without any
operator step. Reads only cards (tunescribe.cards): the API never imports TensorFlow."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.models import ModelVersion, utcnow
from tunescribe.cards import default_model_dir, read_card


class RegistryError(Exception):
    """A registry action that cannot be done; the message says why."""


def register(session: Session, path: Path, status: str = "candidate") -> ModelVersion:
    """Add a model folder (model.weights.h5 + card.json) to the registry."""
    card = read_card(path)
    row = ModelVersion(version=card["version"], path=str(Path(path).resolve()), status=status,
                       parameters=card.get("parameters", 0), data=card.get("data", {}),
                       metrics=card.get("test", {}), card=card,
                       activated_at=utcnow() if status == "active" else None)
    session.add(row)
    session.flush()
    return row


def active_model(session: Session) -> ModelVersion | None:
    """The model workers serve; registers the default one when the registry is empty."""
    row = session.scalar(select(ModelVersion).where(ModelVersion.status == "active"))
    if row is None and session.scalar(select(ModelVersion.version).limit(1)) is None:
        try:
            row = register(session, default_model_dir(), status="active")
            session.commit()
        except IntegrityError:  # another process registered it first
            session.rollback()
            row = session.scalar(select(ModelVersion).where(ModelVersion.status == "active"))
    return row


def promote(session: Session, version: str) -> ModelVersion:
    """Make `version` the active model; the previous one is retired."""
    target = session.get(ModelVersion, version, with_for_update=True)
    if target is None:
        raise RegistryError(f"no model {version}")
    if target.status != "active":
        session.execute(update(ModelVersion).where(ModelVersion.status == "active").values(status="retired"))
        target.status, target.activated_at = "active", utcnow()
    session.commit()
    return target


def rollback(session: Session) -> ModelVersion:
    """Serve again the model that was active before the current one."""
    current = active_model(session)
    previous = session.scalar(select(ModelVersion).where(ModelVersion.status == "retired",
                                                         ModelVersion.activated_at.is_not(None))
                              .order_by(ModelVersion.activated_at.desc()).limit(1))
    if current is None or previous is None:
        raise RegistryError("no earlier model to roll back to")
    current.status = "retired"
    current.activated_at = None  # so a second rollback goes further back, not forth
    previous.status, previous.activated_at = "active", utcnow()
    session.commit()
    return previous
