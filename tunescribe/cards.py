"""Model folders and their cards, without TensorFlow: which model is the default, what its card
says, and whether it was trained on the features this code computes. The registry (which the API
imports) reads cards through here; tunescribe.model loads the weights beside them."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path

from tunescribe.constants import feature_params

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"  # the shipped models
MODEL_ENV = "TUNESCRIBE_MODEL"  # a model folder that overrides models/DEFAULT
CARD = "card.json"
WEIGHTS = "model.weights.h5"


class Instrument(StrEnum):
    """What a recording is, as the user says at upload (AUTO: let TuneScribe decide); a model is
    made for PIANO or ENSEMBLE (its card's "instrument", ENSEMBLE when absent)."""

    AUTO = "auto"
    PIANO = "piano"
    ENSEMBLE = "ensemble"


def instrument_of(card: dict) -> Instrument:
    return Instrument(card.get("instrument", Instrument.ENSEMBLE))


class ModelError(Exception):
    """The model file is missing, unreadable or made for other features."""


def default_model_dir(instrument: Instrument = Instrument.ENSEMBLE) -> Path:
    """$TUNESCRIBE_MODEL, else the version named in models/DEFAULT; for PIANO the one named in
    models/DEFAULT-piano when a piano model is shipped, else (AUTO too: tunescribe.auto chooses
    between the two) the ensemble model."""
    if env := os.environ.get(MODEL_ENV):
        return Path(env)
    if instrument == Instrument.PIANO and (piano := shipped_piano_model()) is not None:
        return piano
    pointer = MODELS_DIR / "DEFAULT"
    if not pointer.is_file():
        raise ModelError(f"no default model: {pointer} is missing")
    return MODELS_DIR / pointer.read_text().strip()


def shipped_piano_model() -> Path | None:
    """The piano model shipped in models/ (named by models/DEFAULT-piano), if any."""
    pointer = MODELS_DIR / "DEFAULT-piano"
    return MODELS_DIR / pointer.read_text().strip() if pointer.is_file() else None


def read_card(directory: str | Path) -> dict:
    """The card of a model folder; ModelError when it is missing or not JSON."""
    path = Path(directory) / CARD
    if not path.is_file():
        raise ModelError(f"model unavailable: {directory} has no {CARD}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ModelError(f"model card {path} is not valid JSON: {e}") from e


def check_features(card: dict, directory: str | Path) -> None:
    """ModelError unless the card's features are the ones compute_features makes."""
    if card.get("features") != feature_params():
        raise ModelError(f"model {Path(directory).name} was trained on other features: {card.get('features')}")


def write_card(directory: str | Path, card: dict) -> Path:
    """Write `card` into a model folder, with the features this code computes."""
    path = Path(directory) / CARD
    path.write_text(json.dumps({**card, "features": feature_params()}, indent=2) + "\n")
    return path
