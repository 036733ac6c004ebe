"""The sustain pedal (MIDI CC64): spans of pedal down, what they do to the sound of the notes
under them, and their frame-rate roll. A note's `end_s` is always its key release (what the
score writes); its sounding end is the later of that and the release of the pedal holding it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tunescribe.constants import FRAMES_PER_SECOND
from tunescribe.notes import Note

DOWN = 64  # CC64 value from which the pedal holds the dampers off (as MIDI and MAESTRO read it)


@dataclass(frozen=True)
class PedalSpan:
    start_s: float
    end_s: float
    depth: float = 1.0  # 0..1; below 0.5 a half pedal, which damps the sound only partly


def spans_from_cc(events: list[tuple[float, int]]) -> list[PedalSpan]:
    """(time s, CC64 value 0..127) events in time order -> spans where the value is >= DOWN; a
    span's depth is its deepest value / 127. A pedal still down at the end is closed there."""
    spans, start, deepest = [], None, 0
    for t, value in events:
        if value >= DOWN:
            start = t if start is None else start
            deepest = max(deepest, value)
        elif start is not None:
            spans.append(PedalSpan(start, t, deepest / 127))
            start, deepest = None, 0
    if start is not None and events:
        spans.append(PedalSpan(start, events[-1][0], deepest / 127))
    return spans


def sounding(notes: list[Note], spans: list[PedalSpan]) -> list[Note]:
    """The notes as they sound: a note whose key is released while the pedal is down sounds until
    the pedal comes up, or until its key is struck again, whichever is first (as MAESTRO's
    evaluation extends them)."""
    starts = np.array([s.start_s for s in spans])
    ends = np.array([s.end_s for s in spans])
    next_strike: dict[int, list[float]] = {}
    for n in sorted(notes, key=lambda n: n.start_s):
        next_strike.setdefault(n.pitch, []).append(n.start_s)
    out = []
    for n in notes:
        end = n.end_s
        i = np.searchsorted(starts, n.end_s, side="right") - 1
        if i >= 0 and ends[i] > n.end_s:
            end = float(ends[i])
            later = [t for t in next_strike[n.pitch] if t > n.start_s]
            if later:
                end = min(end, max(n.end_s, later[0]))
        out.append(replace(n, end_s=end))
    return out


def pedal_roll(spans: list[PedalSpan], n_frames: int) -> np.ndarray:
    """(n_frames,) float32: the pedal's depth at each feature frame (0 when up)."""
    roll = np.zeros(n_frames, np.float32)
    for s in spans:
        t0, t1 = int(round(s.start_s * FRAMES_PER_SECOND)), int(round(s.end_s * FRAMES_PER_SECOND))
        roll[max(t0, 0):min(max(t1, t0 + 1), n_frames)] = s.depth
    return roll


def spans_from_roll(roll: np.ndarray, threshold: float = 0.5, min_s: float = 0.1) -> list[PedalSpan]:
    """A pedal probability per frame -> spans where it stays above `threshold` (at least `min_s`
    long); depth is the mean probability over the span."""
    down = np.concatenate([[False], np.asarray(roll) >= threshold, [False]])
    edges = np.flatnonzero(np.diff(down.astype(np.int8)))
    spans = []
    for t0, t1 in zip(edges[::2], edges[1::2]):
        if (t1 - t0) / FRAMES_PER_SECOND >= min_s:
            spans.append(PedalSpan(float(t0 / FRAMES_PER_SECOND), float(t1 / FRAMES_PER_SECOND), float(np.mean(roll[t0:t1]))))
    return spans
