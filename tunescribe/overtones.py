"""Overtones heard as notes: a decoded note an octave, a twelfth or two octaves above another that
starts with it is often the lower note's overtone, not a played note (on the piano test split, 48 %
of the piano model's false notes were an octave above a note just struck). A small logistic model
on the posteriors around both notes says how likely the upper one was played; below a cut chosen on
the validation split it is dropped. The model's card carries the fit (services/trainer/overtones.py)."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass

import numpy as np

from tunescribe.constants import FRAMES_PER_SECOND, LOWEST_MIDI
from tunescribe.notes import Note

INTERVALS = (12, 19, 24)  # semitones above: the octave, the twelfth, two octaves
TOGETHER_S = 0.035  # onsets this close start together
FEATURES = ("upper onset", "lower onset", "log onset ratio", "upper frame", "lower frame", "upper velocity",
            "lower velocity", "velocity difference", "upper pitch", "octave", "twelfth", "upper length")


@dataclass(frozen=True)
class OvertoneFilter:
    mean: list[float]  # per feature: standardisation
    scale: list[float]
    coef: list[float]  # logistic regression on the standardised features
    intercept: float
    cut: float  # a candidate whose probability of being played is below this is dropped

    def played(self, x: np.ndarray) -> np.ndarray:
        """(n, len(FEATURES)) candidate features -> the probability that each upper note was played."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def apply(self, notes: list[Note], onset: np.ndarray, frame: np.ndarray) -> list[Note]:
        """`notes` less the upper notes judged overtones (the posteriors `onset`, `frame` they were
        decoded from: (frames, 88))."""
        index, x = candidates(notes, onset, frame)
        if not index:
            return notes
        drop = {i for i, p in zip(index, self.played(x)) if p < self.cut}
        return [n for i, n in enumerate(notes) if i not in drop]

    def as_card(self) -> dict:
        return {"features": list(FEATURES), **asdict(self)}

    @classmethod
    def from_card(cls, entry: dict | None) -> OvertoneFilter | None:
        if not entry:
            return None
        return cls(entry["mean"], entry["scale"], entry["coef"], entry["intercept"], entry["cut"])


def candidates(notes: list[Note], onset: np.ndarray, frame: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The notes (indices into `notes`, sorted by start) that start with a note an octave, a twelfth
    or two octaves below, and each one's FEATURES against the strongest such lower note."""
    starts = [n.start_s for n in notes]
    n_frames = len(onset)

    def frame_of(note: Note) -> int:
        return min(n_frames - 1, int(round(note.start_s * FRAMES_PER_SECOND)))

    def peak(note: Note) -> float:
        t, k = frame_of(note), note.pitch - LOWEST_MIDI
        return float(onset[max(0, t - 1):t + 2, k].max())

    index, rows = [], []
    for i, n in enumerate(notes):
        lo = bisect_left(starts, n.start_s - TOGETHER_S)
        lower = [m for m in notes[lo:] if m.start_s <= n.start_s + TOGETHER_S and n.pitch - m.pitch in INTERVALS]
        if not lower:
            continue
        m = max(lower, key=peak)
        t, tm = frame_of(n), frame_of(m)
        length = max(1, int(round((n.end_s - n.start_s) * FRAMES_PER_SECOND)))
        pn, pm = max(peak(n), 1e-4), max(peak(m), 1e-4)
        fn = float(frame[t:t + min(length, 8), n.pitch - LOWEST_MIDI].mean())
        fm = float(frame[tm:tm + 8, m.pitch - LOWEST_MIDI].mean())
        index.append(i)
        rows.append([pn, pm, np.log(pn / pm), fn, fm, n.velocity / 127, m.velocity / 127,
                     (n.velocity - m.velocity) / 127, (n.pitch - 60) / 24, float(n.pitch - m.pitch == 12),
                     float(n.pitch - m.pitch == 19), min(length, 50) / 50])
    return index, np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))
