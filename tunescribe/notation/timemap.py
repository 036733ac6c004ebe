"""A written score's beats read back from its files: the time map (every beat of every measure in
seconds, tunescribe.notation.score.time_map) and the time signatures of its score MIDI. A correction
writes its notes on these beats, so that fixing one note moves no bar line."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path

import mido
import numpy as np

from tunescribe.midi import TICKS_PER_BEAT
from tunescribe.notation.beats import BeatGrid
from tunescribe.notation.meter import EARLY_S, METERS
from tunescribe.notation.score import TimeMapEntry
from tunescribe.notation.sections import Piece
from tunescribe.notes import Note

# a beat's length in eighths -> its note value (dotted when it is three eighths), as meter.grid_of reads it
_BEAT_NOTE = {1: 8, 2: 4, 3: 4, 4: 2}


class TimeMapError(Exception):
    """The files do not describe a score's beats; the message says why."""


def read_time_map(path: str | Path) -> list[TimeMapEntry]:
    """The time map JSON written with the sheet music: a list of {measure, beat, seconds}."""
    try:
        return [TimeMapEntry(int(e["measure"]), float(e["beat"]), float(e["seconds"]))
                for e in json.loads(Path(path).read_text())]
    except (ValueError, TypeError, KeyError) as e:
        raise TimeMapError(f"{Path(path).name} is not a time map ({e})") from None


def read_meters(score_midi: str | Path) -> list[tuple[int, str]]:
    """(tick, time signature such as "3/4" or "6/8") of each time signature of a score MIDI file
    (tunescribe.notation.export: one at its start, another where a piece of a medley changes it)."""
    midi = mido.MidiFile(str(score_midi))
    if midi.ticks_per_beat != TICKS_PER_BEAT:
        raise TimeMapError(f"{Path(score_midi).name} is not a score MIDI file of TuneScribe's")
    meters, now = [], 0
    for msg in midi.tracks[0] if midi.tracks else []:
        now += msg.time
        if msg.type == "time_signature":
            meters.append((now, f"{msg.numerator}/{msg.denominator}"))
    if not meters or meters[0][0] != 0:
        raise TimeMapError(f"{Path(score_midi).name} has no time signature at its start")
    return meters


def grid_of_meter(beats_s, meter: str) -> BeatGrid:
    """A BeatGrid of the tactus beats `beats_s` (seconds, the first a downbeat) in `meter`."""
    if meter not in METERS:
        raise TimeMapError(f"{meter} is not a meter TuneScribe writes")
    bar, beat = METERS[meter]
    return BeatGrid(np.asarray(beats_s, float), bar // beat, 3 if beat == 3 else 2, _BEAT_NOTE[beat])


def kept_grids(entries: list[TimeMapEntry], meters: list[tuple[int, str]],
               first_onset_s: float | None = None) -> tuple[list[BeatGrid], float]:
    """The beat grids a score's time map was written on, one for each stretch of measures in one
    time signature (`meters` as read_meters gives them), and where the time map ends (seconds: the
    end of its last bar or of the recording). Beats the time map held back (clamped to 0 s before
    a pickup, or to the previous piece's last beat) are extrapolated back from the first two after
    them. With `first_onset_s`, whole bars are added before the first downbeat until a note
    starting then falls in a bar (an added early note would otherwise be left out of the score);
    the bar lines that were there stay where they were. TimeMapError when they do not fit."""
    if len(entries) < 2:
        raise TimeMapError("the time map has fewer than two beats")
    stretches, tick = [], 0  # [meter, beat seconds]
    for _, measure in groupby(entries[:-1], key=lambda e: e.measure):
        beats = [e.seconds for e in measure]
        meter = [m for t, m in meters if t <= tick][-1]
        grid = grid_of_meter([0.0, 1.0], meter)
        if len(beats) != grid.beats_per_bar:
            raise TimeMapError(f"a measure of {len(beats)} beats in {meter}")
        tick += round(len(beats) * grid.beat_quarters * TICKS_PER_BEAT)
        if stretches and stretches[-1][0] == meter:
            stretches[-1][1].extend(beats)
        else:
            stretches.append([meter, beats])
    end_s = entries[-1].seconds
    grids, floor = [], 0.0
    for i, (meter, beats) in enumerate(stretches):
        after = stretches[i + 1][1][0] if i + 1 < len(stretches) else end_s
        s = np.asarray(beats + ([after] if len(beats) < 2 else []), float)
        k = int(np.argmax(s > floor)) if s[-1] > floor else 0  # the first beat the time map did not hold back
        if 0 < k < len(s) - 1:
            s[:k] = s[k] - (s[k + 1] - s[k]) * np.arange(k, 0, -1)
        if not np.all(np.isfinite(s)) or np.any(np.diff(s) <= 0):
            raise TimeMapError("the time map's beats do not increase")
        grids.append(grid_of_meter(s, meter))
        floor = s[-1]
    if first_onset_s is not None:
        g = grids[0]
        s, step = g.beats_s, g.beats_s[1] - g.beats_s[0]
        early = max(0, int(np.ceil((s[0] - first_onset_s - EARLY_S) / (step * g.beats_per_bar))))
        if early:
            before = s[0] - step * np.arange(early * g.beats_per_bar, 0, -1)
            grids[0] = grid_of_meter(np.concatenate([before, s]), g.meter)
    return grids, float(end_s)


def kept_pieces(notes: list[Note], grids: list[BeatGrid]) -> list[Piece]:
    """`notes` (sorted by start) on `grids` (kept_grids): each note in the piece whose first
    downbeat it starts after, or just before (EARLY_S, a note played early)."""
    starts = np.array([n.start_s for n in notes])
    cuts = np.searchsorted(starts, [g.beats_s[0] - EARLY_S for g in grids[1:]])
    bounds = [0, *cuts.tolist(), len(notes)]
    return [Piece(notes[a:b], g) for g, a, b in zip(grids, bounds, bounds[1:])]
