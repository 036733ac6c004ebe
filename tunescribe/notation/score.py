"""Notes in seconds -> a score: beats, meter and key of each piece, quantized rhythm, staves and
voices, the time map; written as MusicXML by musicxml.py."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from tunescribe.constants import SAMPLE_RATE
from tunescribe.notation.beats import BeatGrid
from tunescribe.notation.key import Key
from tunescribe.notation.quantize import QNote, quantize
from tunescribe.notation.sections import Piece, key_changes, split_pieces
from tunescribe.notation.staves import Staff, make_staves, single_clef
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan


@dataclass(frozen=True)
class TimeMapEntry:
    measure: int  # 1-based measure number
    beat: float  # 1-based beat in the measure (tactus beats: dotted quarters in 6/8)
    seconds: float  # time in the original recording


@dataclass
class Passage:
    """One piece of the recording on its own beat grid (a medley has several), as measures of the score."""
    measure: int  # its first measure, 1-based
    n_measures: int
    grid: BeatGrid  # beat 0 is its first downbeat
    keys: list[tuple[int, Key]]  # (measure number, key) where each of its key signatures begins
    qnotes: list[QNote]  # in beats of `grid`
    staves: list[Staff]


@dataclass(frozen=True)
class Section:
    """From `measure` (1-based) on, the score is written in `meter` and `key`."""
    measure: int
    meter: str
    key: Key


@dataclass
class ScoreResult:
    passages: list[Passage]
    n_measures: int
    time_map: list[TimeMapEntry]
    pedal_q: list[tuple[float, float]] = ()  # sustain pedal spans, quarter notes from the first downbeat

    # the first piece's (the whole recording's when it is one piece): what a single-signature reader wants
    @property
    def grid(self) -> BeatGrid:
        return self.passages[0].grid

    @property
    def key(self) -> Key:
        return self.passages[0].keys[0][1]

    @property
    def meter(self) -> str:
        return self.grid.meter

    @property
    def qnotes(self) -> list[QNote]:  # quantized notes, in beats from the first downbeat
        return self.passages[0].qnotes

    @property
    def staves(self) -> list[Staff]:
        return self.passages[0].staves

    @property
    def sections(self) -> list[Section]:
        """Every measure where the time or key signature changes, the first measure first."""
        out = []
        for p in self.passages:
            for measure, key in p.keys:
                if not out or (out[-1].meter, out[-1].key.fifths) != (p.grid.meter, key.fifths):
                    out.append(Section(measure, p.grid.meter, key))
        return out

    def quarters(self, times_s) -> np.ndarray:
        """Seconds in the recording -> quarter notes from the first downbeat, each time on the
        grid of the piece it falls in."""
        t = np.asarray(times_s, dtype=float)
        which = np.searchsorted([p.grid.beats_s[0] for p in self.passages[1:]], t, side="right")
        out, offset = np.zeros(t.shape), 0.0
        for i, p in enumerate(self.passages):
            out = np.where(which == i, offset + p.grid.to_beats(t) * p.grid.beat_quarters, out)
            offset += p.n_measures * p.grid.beats_per_bar * p.grid.beat_quarters
        return out

    def beats(self) -> tuple[np.ndarray, np.ndarray]:
        """(the time of every beat of every piece's grid, each up to the next piece's first
        downbeat, in seconds; whether it is a downbeat)."""
        times, down = [], []
        for i, p in enumerate(self.passages):
            b = p.grid.beats_s
            if i + 1 < len(self.passages):
                b = b[b < self.passages[i + 1].grid.beats_s[0]]
            times.append(b)
            down.append(np.arange(len(b)) % p.grid.beats_per_bar == 0)
        return np.concatenate(times), np.concatenate(down)


def build_score(notes: list[Note], audio: np.ndarray | None = None, sample_rate: int = SAMPLE_RATE,
                pedal: list[PedalSpan] = (), pieces: list[Piece] | None = None, end_s: float = 0.0,
                activations: np.ndarray | None = None) -> ScoreResult:
    """The whole notation stage. `audio` (mono samples at `sample_rate`) makes the time map cover
    the whole recording; the beat network's `activations` (tunescribe.beatnet) inform the beats;
    `pedal` (sustain-pedal spans in seconds) becomes pedal lines (Ped. ___|) under the lowest staff. Note values come from the notes' `end_s`, the
    key releases, never from the sound the pedal holds. A medley's pieces and a long piece's keys
    get their own time and key signatures (sections.py). `pieces`: the notes already on their
    pieces' beat grids instead of reading those from the notes (a correction keeps its
    transcription's bar lines: tunescribe.notation.timemap); `end_s`: where the time map reaches
    at least (seconds), without the audio."""
    notes = sorted(notes, key=lambda n: (n.start_s, n.pitch))
    pieces = split_pieces(notes, audio, sample_rate, activations) if pieces is None else pieces
    passages, measure = [], 1
    for piece in pieces:
        grid = piece.grid
        qnotes = quantize(piece.notes, grid)
        # the score (and each piece of a medley) ends with the bar of the last written note: the
        # decay and silence after it are no measure of rests (every recording would get a bar too
        # many); the time map's last beat of the piece lasts through them
        last_beat = max([float(q.end) for q in qnotes] + [1e-9])
        n_measures = max(1, math.ceil(last_beat / grid.beats_per_bar - 1e-9))
        keys = [(measure + bar, key) for bar, key in key_changes(piece.notes, grid)]
        passages.append(Passage(measure, n_measures, grid, keys, qnotes, []))
        measure += n_measures
    clef = single_clef([q for p in passages for q in p.qnotes])  # one layout for every piece
    for p in passages:
        p.staves = make_staves(p.qnotes, beat_s=60.0 / p.grid.tempo_bpm, clef=clef)
    end_s = max([n.end_s for n in notes] + [end_s, 0.0 if audio is None else len(audio) / sample_rate])
    result = ScoreResult(passages, measure - 1, _time_map(passages, end_s))
    result.pedal_q = [(float(a), float(b)) for a, b in (result.quarters([p.start_s, p.end_s]) for p in pedal)]
    return result


def time_map(grid: BeatGrid, n_measures: int, end_s: float = 0.0) -> list[TimeMapEntry]:
    """Every beat of every measure to seconds, plus the end of the last measure (beat
    beats_per_bar + 1), reached no earlier than `end_s` (the last note's or the recording's end:
    the final bar lasts through the decay and silence after it). Times before the recording starts
    are 0; the seconds never decrease."""
    bpb = grid.beats_per_bar
    seconds = np.maximum.accumulate(np.maximum(grid.to_seconds(np.arange(n_measures * bpb + 1)), 0.0))
    entries = [TimeMapEntry(i // bpb + 1, float(i % bpb + 1), float(seconds[i])) for i in range(n_measures * bpb)]
    entries.append(TimeMapEntry(n_measures, float(bpb + 1), max(float(seconds[-1]), end_s)))
    return entries


def _time_map(passages: list[Passage], end_s: float) -> list[TimeMapEntry]:
    """The time map of every piece in turn (the end entry only after the last); seconds never decrease."""
    entries = []
    for p in passages:
        last = p is passages[-1]
        own = time_map(p.grid, p.n_measures, end_s if last else 0.0)
        entries += [replace(e, measure=e.measure + p.measure - 1) for e in (own if last else own[:-1])]
    seconds = np.maximum.accumulate([e.seconds for e in entries])
    return [replace(e, seconds=float(s)) for e, s in zip(entries, seconds)]
