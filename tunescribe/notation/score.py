"""Notes in seconds -> a music21 score: beats, meter, key, quantized rhythm, staves and voices,
measures with rests, ties across barlines, beams and accidentals; written as MusicXML."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import groupby
from pathlib import Path

import numpy as np

from tunescribe.constants import SAMPLE_RATE
from tunescribe.notation.beats import BeatGrid
from tunescribe.notation.key import Key, spell, spelling_table
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
    score: object  # music21.stream.Score
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
                pedal: list[PedalSpan] = (), pieces: list[Piece] | None = None, end_s: float = 0.0) -> ScoreResult:
    """The whole notation stage. `audio` (mono samples at `sample_rate`) also informs the beats
    and makes the time map cover the whole recording; `pedal` (sustain-pedal spans in seconds)
    becomes Ped. ... * marks under the lowest staff. Note values come from the notes' `end_s`, the
    key releases, never from the sound the pedal holds. A medley's pieces and a long piece's keys
    get their own time and key signatures (sections.py). `pieces`: the notes already on their
    pieces' beat grids instead of reading those from the notes (a correction keeps its
    transcription's bar lines: tunescribe.notation.timemap); `end_s`: where the time map reaches
    at least (seconds), without the audio."""
    notes = sorted(notes, key=lambda n: (n.start_s, n.pitch))
    pieces = split_pieces(notes, audio, sample_rate) if pieces is None else pieces
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
    result = ScoreResult(_music21_score(passages), passages, measure - 1, _time_map(passages, end_s))
    result.pedal_q = [(float(a), float(b)) for a, b in (result.quarters([p.start_s, p.end_s]) for p in pedal)]
    _pedal_marks(result.score.parts[-1], result.pedal_q)
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


def write_musicxml(result: ScoreResult, path: str | Path, title: str = "Transcription") -> Path:
    """Write the score as uncompressed MusicXML 4.0 (music21's exporter) under `title`. A grand
    staff is one part of two staves; its brace is marked with <part-symbol>, which music21 leaves out."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    result.score.metadata.title = title
    exporter = GeneralObjectExporter(result.score)
    # the score is notated already (measures, rests, ties, beams, accidentals): music21's copy and
    # re-notation of it gave the same MusicXML on seven corpus pieces in 2 to 3 times the time
    exporter.makeNotation = False
    xml = exporter.parse()
    if len(result.staves) > 1:
        xml = xml.replace(b"<staves>2</staves>", b"<staves>2</staves>\n        <part-symbol>brace</part-symbol>", 1)
    path = Path(path)
    path.write_bytes(xml)
    return path


def _music21_score(passages: list[Passage]):
    import music21 as m21

    score = m21.stream.Score()
    score.insert(0, m21.metadata.Metadata(title="Transcription"))
    score.metadata.add("transcriber", "TuneScribe")  # without a contributor music21 names itself the composer
    n_staves = len(passages[0].staves)
    parts = []
    for i in range(n_staves):
        part = m21.stream.PartStaff() if n_staves > 1 else m21.stream.Part()
        part.id = f"staff{i + 1}"
        clef = passages[0].staves[i].clef
        measures, fifths, meter, tempo = [], None, None, None
        for p in passages:
            tables = {m - p.measure: spelling_table(key) for m, key in p.keys}
            own = _measures(p.staves[i], p.grid, p.n_measures, tables[0], tables)
            for m in own:
                m.number += p.measure - 1
            first = own[0]
            if not measures:
                first.insert(0, m21.clef.TrebleClef() if clef == "treble" else m21.clef.BassClef())
            for m, key in p.keys:  # a signature is written where it changes, on every staff
                if key.fifths != fifths:
                    own[m - p.measure].insert(0, m21.key.KeySignature(key.fifths))
                    fifths = key.fifths
            if p.grid.meter != meter:
                first.insert(0, m21.meter.TimeSignature(p.grid.meter))
                meter = p.grid.meter
            if i == 0 and (round(p.grid.tempo_bpm), p.grid.beat_quarters) != tempo:
                tempo = (round(p.grid.tempo_bpm), p.grid.beat_quarters)
                referent = m21.duration.Duration(p.grid.beat_quarters)
                first.insert(0, m21.tempo.MetronomeMark(number=tempo[0], referent=referent))
            for m in own:
                _beam(m, p.grid.meter)
            measures += own
        part.append(measures)
        m21.stream.makeNotation.makeAccidentalsInMeasureStream(part, useKeySignature=True)
        parts.append(part)
    parts[0].partName = "Piano"  # what the score MIDI plays; MuseScore wants an instrument on every part
    for p in parts:
        p.insert(0, m21.instrument.Piano())
        score.insert(0, p)
    if len(parts) > 1:
        score.insert(0, m21.layout.StaffGroup(parts, name="Piano", symbol="brace", barTogether=True))
    return score


def _pedal_marks(part, spans_q: list[tuple[float, float]]) -> None:
    """A sustain-pedal mark (Ped. ... *) over the notes of `part` that start inside each span
    (start, end in quarter notes from the first downbeat); a span over no note is left out."""
    import music21 as m21

    if not spans_q:
        return
    notes = [(n.getOffsetInHierarchy(part), n) for n in part.recurse().notes]
    for start, end in spans_q:
        held = [n for offset, n in notes if start - 1e-6 <= offset < end]
        if held:
            part.insert(0, m21.expressions.PedalMark(*held, pedalForm=m21.expressions.PedalForm.Symbol))


def _measures(staff: Staff, grid: BeatGrid, n_measures: int, table: list[str],
              changes: dict[int, list[str]] | None = None):
    """The staff's voices cut into measures: notes across a barline are split and tied, gaps are
    rests, a voice other than the first is left out of measures where it has no notes and its rests
    are not printed (they would crowd the staff; the first voice's rhythm is the one read). Notes
    are spelled by `table`, from measure index k (0-based) on by `changes[k]` where the key changes."""
    import music21 as m21

    bar = Fraction(grid.beats_per_bar)
    bq = Fraction(grid.beat_quarters)
    per_voice = [_cut(_events(voice, bar * n_measures), bar, n_measures) for voice in staff.voices] or \
        [_cut(_events([], bar * n_measures), bar, n_measures)]
    measures = []
    for k in range(n_measures):
        table = (changes or {}).get(k, table)
        m = m21.stream.Measure(number=k + 1)
        used = [v for j, v in enumerate(per_voice) if j == 0 or any(p for _, _, p, _ in v[k])]
        targets = [m] if len(used) == 1 else [m21.stream.Voice(id=str(j + 1)) for j in range(len(used))]
        for j, (target, v) in enumerate(zip(targets, used)):
            for start, end, pitches, tie in v[k]:
                for a, b, t in _expressible(start - k * bar, end - k * bar, tie, bq, not pitches,
                                            grid.division == 3):
                    el = _element(pitches, (b - a) * bq, t, table)
                    el.style.hideObjectOnPrint = j > 0 and not pitches
                    target.insert(float(a * bq), el)
        if len(targets) > 1:
            for target in targets:
                m.insert(0, target)
        measures.append(m)
    return measures


def _beam(measure, meter: str) -> None:
    """Beams and tuplet brackets of one measure (before it joins its part: music21's search for
    the governing time signature in a long part is slow, so one is lent for the call)."""
    import music21 as m21

    ts = measure.timeSignature
    if ts is None:
        ts = m21.meter.TimeSignature(meter)
        measure.insert(0, ts)
        m21.stream.makeNotation.makeBeams(measure, inPlace=True)
        measure.remove(ts)
    else:
        m21.stream.makeNotation.makeBeams(measure, inPlace=True)
    for v in measure.voices or [measure]:
        m21.stream.makeNotation.makeTupletBrackets(v, inPlace=True)


def _events(voice: list[QNote], total: Fraction) -> list[tuple[Fraction, Fraction, tuple[int, ...]]]:
    """A voice's chords plus rests filling every gap from 0 to `total` beats."""
    out, now = [], Fraction(0)
    for start, group in groupby(sorted(voice, key=lambda q: (q.start, q.pitch)), key=lambda q: q.start):
        chord = list(group)
        end = min(max(q.end for q in chord), total)
        if start < now or start >= total:
            continue
        if start > now:
            out.append((now, start, ()))
        out.append((start, end, tuple(sorted({q.pitch for q in chord}))))
        now = end
    if now < total:
        out.append((now, total, ()))
    return out


def _cut(events, bar: Fraction, n_measures: int):
    """Events -> per measure a list of (start, end, pitches, tie) with tie in {None, "start",
    "continue", "stop"} where an event crosses a barline."""
    out = [[] for _ in range(n_measures)]
    for start, end, pitches in events:
        k = int(start // bar)
        pieces = []
        while start < end and k < n_measures:
            stop = min(end, (k + 1) * bar)
            pieces.append((k, start, stop))
            start, k = stop, k + 1
        for i, (k, a, b) in enumerate(pieces):
            tie = None
            if pitches and len(pieces) > 1:
                tie = "start" if i == 0 else "stop" if i == len(pieces) - 1 else "continue"
            out[k].append((a, b, pitches, tie))
    return out


def _expressible(a: Fraction, b: Fraction, tie, bq: Fraction, rest: bool = False, compound: bool = False):
    """Split [a, b) (beats in the measure) so that each piece is one plain, dotted or tuplet note
    value and the beats stay visible: a note of simple meter is kept whole when it is one value (a
    syncopation reads well), a rest or a note of compound meter is cut at the beats it crosses
    (no half note across the middle of a 6/8 bar). Whole beats from a beat on are joined again
    into the longest value they make, for a rest only where the bar divides by it (a half rest on
    beat 1 or 3 of 4/4, two quarter rests from beat 2). The pieces are tied."""
    if not (rest or compound) and _plain(b - a, bq):
        return [(a, b, tie)]
    cuts = [a]
    while (x := cuts[-1]) < b:
        step = min(b, Fraction(math.floor(x) + 1))  # to the next beat
        if x.denominator == 1:
            step = next((Fraction(y) for y in range(math.floor(b), int(x) + 1, -1)
                         if _plain(y - x, bq) and not (rest and x % (y - x))), step)
        cuts.append(step)
    pieces = [piece for x, y in zip(cuts[:-1], cuts[1:]) for piece in _plain_pieces(x, y, bq)]
    out = []
    for i, (x, y) in enumerate(pieces):
        first, last = i == 0, i == len(pieces) - 1
        t = tie if (first and last) else (
            ("start" if tie in (None, "start") else "continue") if first else
            ("stop" if tie in (None, "stop") else "continue") if last else "continue")
        out.append((x, y, t))
    return out


def _plain(beats: Fraction, bq: Fraction) -> bool:
    """Whether `beats` (of `bq` quarter notes) is one plain or dotted note value, or one of a
    triplet. music21 would also write 11/12 of a quarter as a 12:11 tuplet: no reader wants that."""
    import music21 as m21

    d = m21.duration.Duration(beats * bq)
    return d.type not in ("complex", "inexpressible") and all(
        (t.numberNotesActual, t.numberNotesNormal) == (3, 2) for t in d.tuplets)


def _plain_pieces(a: Fraction, b: Fraction, bq: Fraction) -> list[tuple[Fraction, Fraction]]:
    """[a, b) (beats) as consecutive plain values, each the longest one from where the last ended
    that ends on the grid a and b lie on (a note from the third to the end of a half-note beat is
    a quarter-note triplet tied to an eighth-note triplet, not a half note of a 6:5 tuplet)."""
    unit = Fraction(1, math.lcm(a.denominator, b.denominator))
    out = []
    while a < b:
        end = next(y for y in (b - k * unit for k in range(int((b - a) / unit))) if _plain(y - a, bq))
        out.append((a, end))
        a = end
    return out


def _element(pitches: tuple[int, ...], quarters: Fraction, tie, table: list[str]):
    """A music21 Rest, Note or Chord lasting `quarters`, spelled by `table`, tied as asked."""
    import music21 as m21

    if not pitches:
        return m21.note.Rest(quarterLength=quarters)
    if len(pitches) == 1:
        el = m21.note.Note(spell(pitches[0], table), quarterLength=quarters)
    else:
        el = m21.chord.Chord([spell(p, table) for p in pitches], quarterLength=quarters)
    if tie:
        el.tie = m21.tie.Tie(tie)
    return el
