"""Where the music changes within a recording: a new piece of a medley on its own beat grid, and a
new key signature inside a piece.

Keys: the bars of a piece (on its grid) are cut by binary segmentation where another key
signature's diatonic collection holds clearly more of the music than the piece's one: a cut must
leave KEY_PENALTY_BARS bars' worth of music, and KEY_SHARE of the shorter side's music, more inside
a collection, with MIN_BARS bars or more on either side. Each stretch is named by estimate_key and
neighbours with the same signature are joined. A modulation to a neighbouring key moves one pitch
class of seven out of the collection, well under KEY_SHARE of the music: it stays written with
accidentals, as composers write it.

Pieces: at a pause of PAUSE_S or more with MIN_BARS bars on either side (the longest pauses
first), the notes before and after are read on their own (beat_grid, estimate_key) and the
recording is split there when the two readings differ in time or key signature; where the key
changes without a pause, when they differ in time signature (a medley played without a break).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunescribe.constants import FRAMES_PER_SECOND
from tunescribe.notation.beats import BeatGrid
from tunescribe.notation.key import DIATONIC, Key, estimate_key
from tunescribe.notation.meter import EARLY_S, beat_grid
from tunescribe.notes import Note

PAUSE_S = 1.0  # no note sounding for this long may be the end of a piece
MIN_BARS = 8  # a piece or a key's stretch is at least this long (bars)
MAX_PAUSES_TRIED = 3  # pauses read on either side, the longest first, before a stretch is taken as one piece
KEY_PENALTY_BARS = 4.0  # a new key signature must leave this much music (bars' worth) more in its collection
KEY_SHARE = 0.2  # and this share of the shorter side's music


@dataclass
class Piece:
    notes: list[Note]  # sorted by start
    grid: BeatGrid


def split_pieces(notes: list[Note], audio: np.ndarray | None = None, sample_rate: int = 16_000,
                 activations: np.ndarray | None = None) -> list[Piece]:
    """The notes (sorted by start) as consecutive pieces, each with the beat grid read on its own
    notes (and the beat network's `activations`, when it heard the recording); one piece (today's
    whole-recording grid) unless a pause separates readings of another time or key signature."""
    return _split(Piece(notes, beat_grid(notes, audio, sample_rate, activations)), audio, sample_rate, activations)


def _split(piece: Piece, audio: np.ndarray | None, sample_rate: int, activations: np.ndarray | None) -> list[Piece]:
    # at a pause a new piece may keep the meter and change the key; where the key changes without
    # a pause, only a new meter makes a new piece (the bars of one piece run on through its keys)
    tries = [(at, True) for at in pauses(piece)[:MAX_PAUSES_TRIED]] + [(at, False) for at in key_points(piece)]
    for at, at_pause in tries:
        before = [n for n in piece.notes if n.start_s < at]
        after = [n for n in piece.notes if n.start_s >= at]
        # the audio up to the split: times stay the recording's, the grid runs to the next piece
        head = Piece(before, beat_grid(before, None if audio is None else audio[:int(at * sample_rate)], sample_rate,
                                       None if activations is None else activations[:int(at * FRAMES_PER_SECOND)]))
        tail = Piece(after, beat_grid(after, audio, sample_rate, activations))
        if head.grid.meter != tail.grid.meter or (
                at_pause and estimate_key(before).fifths != estimate_key(after).fifths):
            return _split(head, audio, sample_rate, activations) + _split(tail, audio, sample_rate, activations)
    return [piece]


def key_points(piece: Piece) -> list[float]:
    """The first onset (seconds) of each bar of `piece`'s grid where key_changes starts a new key."""
    bars = [bar for bar, _ in key_changes(piece.notes, piece.grid)[1:]]
    starts = np.array([n.start_s for n in piece.notes])
    times = piece.grid.to_seconds(np.array(bars) * piece.grid.beats_per_bar)
    return [float(starts[np.searchsorted(starts, t - EARLY_S)]) for t in times]


def pauses(piece: Piece) -> list[float]:
    """Onsets (seconds) that follow a silence of PAUSE_S or more with MIN_BARS bars of `piece`'s
    grid before and after them, the longest silence first."""
    if len(piece.notes) < 2:
        return []
    starts = np.array([n.start_s for n in piece.notes])
    sounding = np.maximum.accumulate([n.end_s for n in piece.notes])
    gaps = starts[1:] - sounding[:-1]
    bars = piece.grid.to_beats([starts[0], *starts[1:], sounding[-1]]) / piece.grid.beats_per_bar
    first, ends, last = bars[0], bars[1:-1], bars[-1]
    ok = (gaps >= PAUSE_S) & (ends - first >= MIN_BARS) & (last - ends >= MIN_BARS)
    return [float(starts[i + 1]) for i in np.flatnonzero(ok)[np.argsort(-gaps[ok], kind="stable")]]


def key_changes(notes: list[Note], grid: BeatGrid) -> list[tuple[int, Key]]:
    """(first bar counted from 0 on `grid`, key) of each stretch of the piece with its own key
    signature: [(0, estimate_key(notes))] for music in one key."""
    if not notes:
        return [(0, estimate_key(notes))]
    bar_of = np.maximum(np.floor(grid.to_beats([n.start_s for n in notes]) / grid.beats_per_bar), 0).astype(int)
    outside = _outside(notes, bar_of)
    cuts = sorted(_cuts(np.vstack([np.zeros(12), np.cumsum(outside, axis=0)]), 0, len(outside)))
    starts = [0] + cuts
    while True:
        ends = starts[1:] + [len(outside)]
        keys = [estimate_key([n for n, b in zip(notes, bar_of) if a <= b < e]) for a, e in zip(starts, ends)]
        same = [i for i in range(1, len(keys)) if keys[i].fifths == keys[i - 1].fifths]
        if not same:
            return list(zip(starts, keys))
        del starts[same[0]]


def _outside(notes: list[Note], bar_of: np.ndarray) -> np.ndarray:
    """(bars, 12): per bar, the music (note seconds, in bars' worth: a bar of the piece's mean
    weight is 1) outside the diatonic collection of each key signature, fifths = column - 5."""
    pcs = np.zeros((bar_of.max() + 1, 12))
    for n, b in zip(notes, bar_of):
        pcs[b, n.pitch % 12] += max(n.end_s - n.start_s, 0.01)
    inside = np.zeros((12, 12), bool)  # [signature, pitch class]
    for row, fifths in enumerate(range(-5, 7)):
        inside[row, (7 * fifths + DIATONIC) % 12] = True
    return pcs @ (~inside).T / max(pcs.sum(axis=1).mean(), 1e-9)


def _cuts(cum: np.ndarray, lo: int, hi: int) -> list[int]:
    """Bars in [lo, hi) where a new key signature starts, by binary segmentation of the running
    sums `cum` (bars + 1, 12) of each signature's outside music."""
    whole = (cum[hi] - cum[lo]).min()
    best, best_gain = None, 0.0
    for t in range(lo + MIN_BARS, hi - MIN_BARS + 1):
        gain = whole - (cum[t] - cum[lo]).min() - (cum[hi] - cum[t]).min()
        if gain >= max(KEY_PENALTY_BARS, KEY_SHARE * min(t - lo, hi - t)) and gain > best_gain:
            best, best_gain = t, gain
    return [] if best is None else _cuts(cum, lo, best) + [best] + _cuts(cum, best, hi)
