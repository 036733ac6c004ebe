"""The pipeline a worker or the CLI runs: audio -> features -> posteriors -> notes."""

from __future__ import annotations

import numpy as np

from tunescribe.constants import SAMPLE_RATE
from tunescribe.features import compute_features
from tunescribe.model import TranscriptionModel
from tunescribe.notes import Note, decode_notes


def transcribe_audio(y: np.ndarray, model: TranscriptionModel, on_progress=None) -> list[Note]:
    """Mono float32 at SAMPLE_RATE -> notes, every one inside the signal's duration.
    `on_progress(fraction)` follows the model's pass over the recording."""
    duration = len(y) / SAMPLE_RATE
    post = model.posteriors(compute_features(y), on_progress=on_progress)
    notes = decode_notes(post.onset, post.frame, post.velocity, model.thresholds)
    return [Note(n.pitch, n.start_s, min(n.end_s, duration), n.velocity) for n in notes if n.start_s < duration]
