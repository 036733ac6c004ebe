"""Model folders and their cards, without TensorFlow: which model is the default, what its card
says, and whether it was trained on the features this code computes. The registry (which the API
imports) reads cards through here; tunescribe.model loads the weights beside them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tunescribe.constants import feature_params

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"  # the shipped models
MODEL_ENV = "TUNESCRIBE_MODEL"  # a model folder that overrides models/DEFAULT
CARD = "card.json"
WEIGHTS = "model.weights.h5"


class ModelError(Exception):
    """The model file is missing, unreadable or made for other features."""


def default_model_dir() -> Path:
    """$TUNESCRIBE_MODEL, else the version named in models/DEFAULT."""
    if env := os.environ.get(MODEL_ENV):
        return Path(env)
    pointer = MODELS_DIR / "DEFAULT"
    if not pointer.is_file():
        raise ModelError(f"no default model: {pointer} is missing")
    return MODELS_DIR / pointer.read_text().strip()


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
