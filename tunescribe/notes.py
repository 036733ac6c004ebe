"""Posteriors to notes: a note starts only where the onset output fires and lasts while the frame output holds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunescribe.constants import FRAMES_PER_SECOND, LOWEST_MIDI


@dataclass(frozen=True)
class Note:
    pitch: int  # MIDI number
    start_s: float
    end_s: float
    velocity: int  # 1..127


@dataclass(frozen=True)
class Thresholds:
    onset: float = 0.5
    frame: float = 0.4
    reonset: float = 0.0  # an onset inside a still-held note of the same key must reach this too
    min_note_s: float = 0.05


def decode_notes(
    onset_probs: np.ndarray,
    frame_probs: np.ndarray,
    velocities: np.ndarray | None = None,
    thresholds: Thresholds = Thresholds(),
) -> list[Note]:
    """(frames, 88) onset and frame probabilities (and velocities in 0..1) -> notes sorted by start.

    An onset is a local maximum of the onset probability above `thresholds.onset`; it makes a note
    only if the frame probability holds (above `thresholds.frame`) at it or the frame after, and
    the note lasts while the frame probability stays above the threshold (at least `min_note_s`) and
    ends where the next onset of the same key begins. While a note is still held, a new onset on its
    key must also reach `thresholds.reonset`, so vibrato, bow changes and breaths do not re-trigger
    it. Onset times are refined between frames by a parabola through the peak.
    """
    onset_probs = np.asarray(onset_probs, dtype=np.float32)
    frame_probs = np.asarray(frame_probs, dtype=np.float32)
    n_frames, n_keys = onset_probs.shape
    min_frames = max(1, int(round(thresholds.min_note_s * FRAMES_PER_SECOND)))
    padded = np.pad(onset_probs, ((1, 1), (0, 0)))
    prev, cur, nxt = padded[:-2], padded[1:-1], padded[2:]
    peaks = (cur >= thresholds.onset) & (cur >= prev) & (cur > nxt)
    held = frame_probs >= thresholds.frame
    notes: list[Note] = []
    for key in range(n_keys):
        candidates = np.flatnonzero(peaks[:, key])
        if candidates.size == 0:
            continue
        released = np.flatnonzero(~held[:, key])
        kept: list[int] = []
        for t0 in candidates:
            if kept and cur[t0, key] < thresholds.reonset:
                gap = released[np.searchsorted(released, kept[-1] + 1):]
                if not gap.size or gap[0] > t0:  # the previous note is still held
                    continue
            kept.append(int(t0))
        starts = np.array(kept)
        for i, t0 in enumerate(starts):
            if not held[t0:t0 + 2, key].any():  # an onset the frame output never holds is no note
                continue
            limit = starts[i + 1] if i + 1 < starts.size else n_frames
            after = released[np.searchsorted(released, t0 + 1):]
            end = int(after[0]) if after.size and after[0] < limit else int(limit)
            end = min(max(end, t0 + min_frames), n_frames + min_frames)
            p0, p1, p2 = prev[t0, key], cur[t0, key], nxt[t0, key]
            curvature = p0 - 2 * p1 + p2
            shift = 0.5 * (p0 - p2) / curvature if curvature < 0 else 0.0
            start_s = max(0.0, (t0 + float(np.clip(shift, -0.5, 0.5))) / FRAMES_PER_SECOND)
            velocity = 0.6 if velocities is None else float(velocities[t0, key])
            notes.append(Note(
                pitch=LOWEST_MIDI + key,
                start_s=start_s,
                end_s=max(end / FRAMES_PER_SECOND, start_s + thresholds.min_note_s),
                velocity=int(np.clip(round(velocity * 127), 1, 127)),
            ))
    notes.sort(key=lambda n: (n.start_s, n.pitch))
    return notes


def notes_to_roll(notes: list[Note], n_frames: int, n_keys: int = 88) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training targets at the feature frame rate: onset, frame, offset rolls and onset velocities.

    Each is (n_frames, n_keys) float32; notes outside 88 keys or the frames are dropped.
    """
    onset = np.zeros((n_frames, n_keys), np.float32)
    frame = np.zeros_like(onset)
    offset = np.zeros_like(onset)
    velocity = np.zeros_like(onset)
    for n in notes:
        key = n.pitch - LOWEST_MIDI
        if not 0 <= key < n_keys:
            continue
        t0 = int(round(n.start_s * FRAMES_PER_SECOND))
        t1 = max(t0 + 1, int(round(n.end_s * FRAMES_PER_SECOND)))
        if t0 >= n_frames:
            continue
        frame[t0:min(t1, n_frames), key] = 1.0
        onset[t0, key] = 1.0
        velocity[t0, key] = n.velocity / 127
        if t1 < n_frames:
            offset[t1, key] = 1.0
    return onset, frame, offset, velocity
