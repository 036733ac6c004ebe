"""The notation model: the learned weights of the meter and key estimates (one JSON file, written
by services/trainer/notation.py, described by the model card beside it)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_ENV = "TUNESCRIBE_NOTATION_MODEL"


class NotationModelError(Exception):
    """The notation model's file is missing, unreadable or made for other features."""


DEFAULT_DIR = Path("models") / "notation-v5"  # the shipped weights, relative to the repository


def default_path() -> Path:
    """$TUNESCRIBE_NOTATION_MODEL, else models/notation-v5/weights.json beside this package."""
    if env := os.environ.get(MODEL_ENV):
        return Path(env)
    return Path(__file__).resolve().parents[2] / DEFAULT_DIR / "weights.json"


@lru_cache(maxsize=8)
def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise NotationModelError(f"notation model missing: {path}") from None
    except (OSError, ValueError) as e:
        raise NotationModelError(f"notation model unreadable: {path}: {e}") from None


def load_weights(name: str, features: list[str], path: Path | None = None) -> np.ndarray:
    """The weight vector of estimate `name` ("meter" or "key"), checked against the feature names
    it was trained on."""
    path = path or default_path()
    raw = _read(path)
    if raw.get(name, {}).get("features") != features:
        raise NotationModelError(f"notation model {path}: its {name} weights were trained on other features")
    return np.array(raw[name]["weights"], float)
