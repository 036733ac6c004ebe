"""Auto: is a recording a solo piano? A small network (tunescribe.model.build_classifier) hears up
to MAX_PATCHES four-second windows of the constant-Q features the transcription models hear, so it
costs no second pass over the audio; their mean logit decides. Trained by services.trainer.auto
on the corpora. AutoModels holds what it chooses between."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunescribe.cards import MODELS_DIR, Instrument

CLASSIFIER_DIR = MODELS_DIR / "auto-v1"  # the shipped classifier
PATCH_FRAMES = 128  # about 4 s
MAX_PATCHES = 16
QUIET = 0.1  # a window whose mean feature is below this is near silence (about -60 dB)


def patches(features: np.ndarray, n: int = MAX_PATCHES) -> np.ndarray:
    """(frames, bins) -> (k, PATCH_FRAMES, bins): up to `n` windows spread evenly over the
    recording, near-silent ones left out (unless all are), a short recording padded."""
    x = np.asarray(features, np.float32)
    if len(x) < PATCH_FRAMES:
        x = np.pad(x, ((0, PATCH_FRAMES - len(x)), (0, 0)))
    starts = np.unique(np.linspace(0, len(x) - PATCH_FRAMES, n).astype(int))
    windows = np.stack([x[s:s + PATCH_FRAMES] for s in starts])
    heard = windows.mean(axis=(1, 2)) >= QUIET
    return windows[heard] if heard.any() else windows


@dataclass
class AutoModels:
    """Auto's choice: the piano model for a solo piano, else the ensemble model. Both are loaded
    tunescribe.model.TranscriptionModel and `classifier` a tunescribe.model.InstrumentClassifier;
    tunescribe.pipeline picks one per recording."""

    piano: object
    ensemble: object
    classifier: object

    def pick(self, features: np.ndarray):
        """The model for a recording's features."""
        return self.piano if self.classifier.instrument(features) == Instrument.PIANO else self.ensemble


def load_models(instrument: Instrument = Instrument.AUTO, directory=None):
    """What transcribes a recording asked to be `instrument`: the model in `directory` when given;
    for AUTO with a piano model shipped, AutoModels (both models and the classifier); else that
    instrument's shipped model. Raises tunescribe.cards.ModelError."""
    from tunescribe.cards import default_model_dir, shipped_piano_model
    from tunescribe.model import load_classifier, load_model

    if directory is None and instrument == Instrument.AUTO and (piano := shipped_piano_model()) is not None:
        return AutoModels(load_model(piano), load_model(default_model_dir()), load_classifier())
    return load_model(directory or default_model_dir(instrument))
