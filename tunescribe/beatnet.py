"""The beat network: beat and downbeat activations heard from the audio, on the transcription
models' features (issue 28). Trained on the corpus's exact beats (services/trainer/beatnet.py);
the notation stage tracks the pulse and places the bar lines on them together with the notes
(tunescribe.notation.beats, tunescribe.notation.meter)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

from tunescribe.cards import MODELS_DIR  # noqa: E402
from tunescribe.constants import BINS_PER_SEMITONE, N_BINS, N_KEYS  # noqa: E402

BEAT_DIR = MODELS_DIR / "beats-v2"
BEAT_ENV = "TUNESCRIBE_BEAT_MODEL"  # a beat network folder that overrides the shipped one
DILATIONS = (1, 2, 4, 8, 16, 32, 64, 128)  # frames: the stack hears about eight seconds either side
CONTEXT = sum(DILATIONS) + 4  # frames each output hears either side (the stack, two 3x3 kernels, the rise)


def build_beat_model(base: int = 16, width: int = 48, dropout: float = 0.1) -> keras.Model:
    """(batch, time, 264) features -> (batch, time, 2) in 0..1: a beat, a downbeat at each frame.

    Each frame's spectrum and its rise from the frame before (where notes start) are reduced over
    frequency by two small convolutions to bands of four semitones and to the twelve pitch classes
    (where the harmony changes); then a stack of dilated convolutions
    along time, `width` wide, each added to what it reads (a temporal convolutional network, as
    Böck and Davies's beat trackers), weighs seconds of music either side."""
    inp = keras.Input((None, N_BINS), name="features")
    rise = layers.Lambda(lambda t: ops.relu(t - ops.pad(t[:, :-1], [[0, 0], [1, 0], [0, 0]])), name="rise")(inp)
    x = layers.Lambda(lambda ts: ops.stack(ts, axis=-1), name="level_and_rise")([inp, rise])  # (T, 264, 2)
    x = layers.Conv2D(base // 2, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D((1, BINS_PER_SEMITONE))(x)  # (T, 88): one column per key
    keys = layers.Conv2D(base, 3, padding="same", activation="relu")(x)
    bands = layers.Reshape((-1, (N_KEYS // 4) * base))(layers.MaxPooling2D((1, 4))(keys))  # (T, 22 * base)
    # the keys folded onto their pitch class (88 keys padded to 8 octaves of 12)
    octaves = layers.Reshape((-1, 8, 12, base))(layers.ZeroPadding2D(((0, 0), (0, 96 - N_KEYS)))(keys))
    classes = layers.Reshape((-1, 12 * base))(layers.Lambda(lambda t: ops.max(t, axis=2), name="pitch_classes")(octaves))
    x = layers.Dense(width, activation="relu")(layers.Concatenate()([bands, classes]))
    for d in DILATIONS:
        y = layers.Conv1D(width, 3, padding="same", dilation_rate=d, activation="relu")(x)
        x = layers.Add()([x, layers.SpatialDropout1D(dropout)(y)])
    out = layers.Conv1D(2, 1, activation="sigmoid", name="beats")(x)
    return keras.Model(inp, out, name="tunescribe_beats")


@dataclass
class BeatModel:
    """The beat network loaded (weights + card)."""

    keras_model: keras.Model
    card: dict

    def activations(self, features: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """(frames, 264) features -> (frames, 2) beat and downbeat activations, in chunks with
        CONTEXT frames either side, so memory does not grow with the recording."""
        n = len(features)
        padded = np.pad(features.astype(np.float32), ((CONTEXT, CONTEXT + chunk), (0, 0)))
        out = np.zeros((n, 2), np.float32)
        for s in range(0, n, chunk):
            x = padded[s:s + chunk + 2 * CONTEXT][None]
            y = np.asarray(self.keras_model(x, training=False))[0, CONTEXT:CONTEXT + chunk]
            out[s:s + chunk] = y[: min(chunk, n - s)]
        return out


def load_beat_model(directory: str | Path | None = None) -> BeatModel:
    """The beat network from its folder (default: $TUNESCRIBE_BEAT_MODEL, else the shipped one),
    loaded once per process; ModelError when it is missing, unreadable or made for other features."""
    return _load(Path(directory or os.environ.get(BEAT_ENV) or BEAT_DIR))


@lru_cache(maxsize=2)
def _load(directory: Path) -> BeatModel:
    from tunescribe.model import load_network

    return BeatModel(*load_network(directory, build_beat_model, "beat network"))
