"""Notes in seconds -> notes in beats on a grid that reads well.

Positions are exact fractions of a beat (the tactus of a BeatGrid; beat 0 is the first downbeat).
Each beat picks its own subdivision, at the finest a sixteenth or an eighth-note triplet whatever
the beat's note value (a quarter's halves, quarters or thirds; a half note's quarters, eighths,
sixteenths or sixths; a dotted quarter's thirds or sixths), by least squared error in quarter
notes plus a small price for finer grids. Onsets within 35 ms are one chord. Very short faint
notes are dropped, duplicates merged, and no note is shorter than one step of its beat's grid.
`legato` then holds each note of a staff to the staff's next onset unless a real rest follows.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from tunescribe.notation.beats import BeatGrid
from tunescribe.notes import Note

CHORD_S = 0.035  # onsets closer than this are struck together
DROP_S = 0.03  # notes shorter than this and quieter than DROP_VELOCITY are dropped
DROP_VELOCITY = 40
# steps per quarter note (simple meters) or per dotted quarter (compound) and their price in
# squared quarter notes (the compound prices are 0.002 and 0.008 squared dotted quarters). Thirds
# cost enough that a lone onset a third into a beat stays on the sixteenths (a note played a
# little late), while two onsets at a third and two thirds make a triplet.
GRIDS = {2: {1: 0.0, 2: 0.002, 4: 0.006, 3: 0.016}, 3: {1: 0.0, 3: 0.0045, 6: 0.018}}
# a silence shorter than this (beats) before the staff's next onset is articulation or the sound
# fading, not a rest. Chosen on all 103 renditions of the validation split, whose parts rest 0.108
# times a bar: 1 beat writes 0.106 rests a bar, 2 beats 0.067, 3/4 of a beat 0.111 (the share of
# durations right the same within 0.1 point); strings and mixed ensembles rest as their scores
# do only from 1 beat (0.129 and 0.121 a bar, true 0.122 and 0.181; 2 beats: 0.048 and 0.049)
LEGATO_GAP = Fraction(1)


@dataclass(frozen=True)
class QNote:
    pitch: int  # MIDI number
    start: Fraction  # beats from the first downbeat
    end: Fraction  # beats, > start
    velocity: int  # 1..127

    @property
    def duration(self) -> Fraction:
        return self.end - self.start


def _chords(starts: np.ndarray) -> list[np.ndarray]:
    """Indices of notes (sorted by start) grouped into onsets no more than CHORD_S apart."""
    order = np.argsort(starts, kind="stable")
    groups, current = [], [order[0]]
    for i in order[1:]:
        if starts[i] - starts[current[0]] <= CHORD_S:
            current.append(i)
        else:
            groups.append(np.array(current))
            current = [i]
    groups.append(np.array(current))
    return groups


def _subdivisions(grid: BeatGrid) -> dict[int, float]:
    """The steps a beat of `grid` may be divided into, with their price: GRIDS scaled to the beat's
    note value (the half note of 2/2 into 1, 2, 4, 8 or 6 steps; the eighth of 4/8 into 1 or 2)."""
    if grid.division == 3:
        return GRIDS[3]
    out = {1: 0.0} if grid.beat_quarters > 1 else {}
    for per_quarter, price in GRIDS[2].items():
        steps = per_quarter * grid.beat_quarters
        if steps >= 1 and float(steps).is_integer():
            out.setdefault(int(steps), price)
    return out


def _best_subdivision(fracs: np.ndarray, options: dict[int, float], beat_quarters: float) -> int:
    """The grid (steps per beat) with least squared error (in quarters) plus price for positions
    in [0, 1) of a beat."""
    best, best_cost = 1, np.inf
    for steps, price in options.items():
        err = fracs * steps - np.round(fracs * steps)
        cost = float(np.sum((err / steps * beat_quarters) ** 2)) + price
        if cost < best_cost - 1e-12:
            best, best_cost = steps, cost
    return best


def _snap(x: float, steps_of_beat: dict[int, int], division: int) -> Fraction:
    """Beat position x to the grid of the beat it falls in (that beat's subdivision if it has
    onsets, else the division of the meter)."""
    beat = int(np.floor(x))
    steps = steps_of_beat.get(beat, division)
    return Fraction(beat) + Fraction(int(round((x - beat) * steps)), steps)


def quantize(notes: list[Note], grid: BeatGrid) -> list[QNote]:
    """Notes in seconds -> QNotes in beats, sorted by (start, pitch), no duplicates, none empty."""
    notes = [n for n in notes if n.end_s - n.start_s >= DROP_S or n.velocity >= DROP_VELOCITY]
    if not notes:
        return []
    division = grid.division
    starts = np.array([n.start_s for n in notes])
    groups = _chords(starts)
    onset_beats = grid.to_beats([float(np.median(starts[g])) for g in groups])
    end_beats = grid.to_beats([n.end_s for n in notes])
    options = _subdivisions(grid)
    finest = 1.0 / max(options)
    owner = np.floor(onset_beats + finest / 2).astype(int)  # an onset just before a beat is on it
    steps_of_beat: dict[int, int] = {}
    for beat in np.unique(owner):
        fracs = np.clip(onset_beats[owner == beat] - beat, 0.0, 1.0)
        steps_of_beat[int(beat)] = _best_subdivision(fracs, options, grid.beat_quarters)
    onset_q = []
    for x, beat in zip(onset_beats, owner):
        steps = steps_of_beat[int(beat)]
        onset_q.append(Fraction(int(beat)) + Fraction(int(round(max(x - beat, 0.0) * steps)), steps))
    merged: dict[tuple[int, Fraction], QNote] = {}
    for g, start in zip(groups, onset_q):
        # an onset late in a coarse beat can round onto the next beat, which may own no onset
        step = Fraction(1, steps_of_beat.get(int(np.floor(start)), division))
        for i in g:
            end = max(_snap(float(end_beats[i]), steps_of_beat, division), start + step)
            n = notes[i]
            old = merged.get((n.pitch, start))
            if old is None or old.end < end:
                merged[(n.pitch, start)] = QNote(n.pitch, start, end, n.velocity)
    out = sorted(merged.values(), key=lambda q: (float(q.start), q.pitch))  # floats: the Fractions' order, faster
    return _no_overlap_same_pitch(out)


def legato(qnotes: list[QNote], gap: Fraction = LEGATO_GAP) -> list[QNote]:
    """Each note of one staff (sorted by start) held to the staff's next onset unless it clearly
    stops earlier: a silence of `gap` beats or more is a rest. A transcribed release is where
    the sound fades, which on a plucked or struck instrument comes long before the next note:
    written as heard, nearly every note would be followed by a rest."""
    onsets = sorted({q.start for q in qnotes})
    out = []
    for q in qnotes:
        j = bisect.bisect_right(onsets, q.start)
        if j < len(onsets) and q.end < onsets[j]:
            if onsets[j] - q.end < gap:
                q = QNote(q.pitch, q.start, onsets[j], q.velocity)
        out.append(q)
    return out


def _no_overlap_same_pitch(qnotes: list[QNote]) -> list[QNote]:
    """A key struck again while still held: the earlier note ends where the new one starts."""
    last: dict[int, int] = {}
    out = list(qnotes)
    for i, q in enumerate(out):
        j = last.get(q.pitch)
        if j is not None and out[j].end > q.start:
            out[j] = QNote(out[j].pitch, out[j].start, q.start, out[j].velocity)
        last[q.pitch] = i
    return out
