"""mir_eval note and frame metrics, pitches only (all instruments merged into one roll)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import mir_eval
import numpy as np

from tunescribe.midi import read_midi_notes
from tunescribe.notes import Note

FRAME_GRID_S = 0.01


@dataclass
class Scores:
    note_p: float
    note_r: float
    note_f1: float  # onsets within 50 ms
    note_offset_f1: float  # and offsets within 20 % of the duration (at least 50 ms)
    frame_f1: float  # 10 ms grid

    def as_dict(self) -> dict:
        return asdict(self)


def note_arrays(notes: list[Note]) -> tuple[np.ndarray, np.ndarray]:
    """Notes -> mir_eval's (intervals (n, 2) in seconds, each at least 1 ms long; pitches in Hz)."""
    intervals = np.array([[n.start_s, max(n.end_s, n.start_s + 1e-3)] for n in notes]).reshape(-1, 2)
    pitches = np.array([mir_eval.util.midi_to_hz(n.pitch) for n in notes])
    return intervals, pitches


def _roll(notes: list[Note], n_frames: int) -> np.ndarray:
    roll = np.zeros((n_frames, 128), bool)
    for n in notes:
        roll[int(round(n.start_s / FRAME_GRID_S)):int(round(n.end_s / FRAME_GRID_S)), n.pitch] = True
    return roll


def _f1(tp: float, n_est: float, n_ref: float) -> tuple[float, float, float]:
    if n_est == 0 and n_ref == 0:
        return 1.0, 1.0, 1.0
    p = tp / n_est if n_est else 0.0
    r = tp / n_ref if n_ref else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_notes(ref: list[Note], est: list[Note]) -> Scores:
    if not ref or not est:
        p, r, f = _f1(0, len(est), len(ref))
        return Scores(p, r, f, f, f)
    ri, rp = note_arrays(ref)
    ei, ep = note_arrays(est)
    p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(ri, rp, ei, ep, onset_tolerance=0.05, offset_ratio=None)
    _, _, f_off, _ = mir_eval.transcription.precision_recall_f1_overlap(ri, rp, ei, ep, onset_tolerance=0.05, offset_ratio=0.2)
    n = int(np.ceil(max(ri.max(), ei.max()) / FRAME_GRID_S)) + 1
    rr, er = _roll(ref, n), _roll(est, n)
    _, _, frame_f1 = _f1(float(np.sum(rr & er)), float(er.sum()), float(rr.sum()))
    return Scores(p, r, f, f_off, frame_f1)


def evaluate_dirs(ref_dir: str | Path, est_dir: str | Path) -> dict[str, Scores]:
    """Score every MIDI in est_dir against the same-named one in ref_dir (.mid/.midi)."""
    ref_dir, est_dir = Path(ref_dir), Path(est_dir)
    results = {}
    for ref in sorted([*ref_dir.glob("*.mid"), *ref_dir.glob("*.midi")]):
        est = next((p for p in (est_dir / f"{ref.stem}.mid", est_dir / f"{ref.stem}.midi") if p.is_file()), None)
        if est is None:
            continue
        results[ref.stem] = score_notes(read_midi_notes(ref), read_midi_notes(est))
    return results


def mean_scores(scores: list[Scores]) -> Scores:
    return Scores(*(float(np.mean([getattr(s, k) for s in scores])) for k in Scores.__dataclass_fields__))
