"""The one feature function: training and inference both call `compute_features`."""

from __future__ import annotations

import librosa
import numpy as np

from tunescribe.constants import BINS_PER_SEMITONE, DB_RANGE, FMIN_HZ, HOP_LENGTH, N_BINS, SAMPLE_RATE


def compute_features(y: np.ndarray) -> np.ndarray:
    """Mono float32 audio at SAMPLE_RATE -> log-magnitude constant-Q, shape (frames, N_BINS), in [0, 1].

    Frame i is centred at i * HOP_LENGTH samples. The signal is peak-normalised first, so the
    recording's gain does not matter. DB_RANGE maps to [0, 1]: constant-Q magnitudes of a
    peak-normalised signal reach about +25 dB (long low-frequency filters), so the top is above 0 dB.
    """
    y = np.asarray(y, dtype=np.float32)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > 0:
        y = y / peak
    cqt = librosa.cqt(
        y, sr=SAMPLE_RATE, hop_length=HOP_LENGTH, fmin=FMIN_HZ, n_bins=N_BINS,
        bins_per_octave=12 * BINS_PER_SEMITONE,
    )
    db = librosa.amplitude_to_db(np.abs(cqt), ref=1.0, amin=1e-5, top_db=None)
    low, high = DB_RANGE
    feats = np.clip((db - low) / (high - low), 0.0, 1.0)
    return feats.T.astype(np.float32)

