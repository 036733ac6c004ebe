"""A score (tunescribe.notation.score.ScoreResult) written as MusicXML 4.0: each staff's voices cut
into measures, rests in the gaps, ties across bar lines and beats, plain, dotted and triplet note
values, beams by the beat, triplet brackets, accidentals by the key signature and the bar, the
grand staff's brace, signatures and tempo where they change, and the sustain pedal under the lowest
staff. Written here rather than by music21, which built and wrote the same score (the same notes,
rests, ties and tuplets as music21 reads them back) of a 3-minute rag in 1.7 s against 0.5 s here:
every transcription and every correction waits for it."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from tunescribe.notation.beats import BeatGrid
from tunescribe.notation.key import Key, spell, spelling_table
from tunescribe.notation.quantize import QNote
from tunescribe.notation.score import ScoreResult
from tunescribe.notation.staves import Staff

BEAMS = {"eighth": 1, "16th": 2, "32nd": 3, "64th": 4, "128th": 5, "256th": 6}  # beams of each flagged value
ACCIDENTALS = {-2: "flat-flat", -1: "flat", 0: "natural", 1: "sharp", 2: "double-sharp"}
SHARPS = "FCGDAEB"  # the order sharps are added in; flats the other way
SOFTWARE = "TuneScribe"


@dataclass(frozen=True)
class Written:
    """A note, chord or rest as a measure shows it."""
    offset: Fraction  # quarter notes from the start of the measure
    quarters: Fraction  # its written value
    pitches: tuple[int, ...]  # MIDI numbers, low to high; empty: a rest
    tie: str | None  # "start", "continue", "stop" or None
    hidden: bool = False  # a rest of a second voice, not printed


TYPES = {Fraction(4, 2 ** k): name for k, name in enumerate(
    ["whole", "half", "quarter", "eighth", "16th", "32nd", "64th", "128th", "256th", "512th", "1024th"])}
TYPES |= {Fraction(8): "breve", Fraction(16): "longa", Fraction(32): "maxima"}  # quarter notes -> <type>
MAX_DOTS = 4


@lru_cache(maxsize=None)
def note_value(quarters: Fraction) -> tuple[str, int, bool] | None:
    """(type, dots, whether it is one of a triplet) of a plain, dotted (up to 4 dots) or triplet
    (up to 1 dot) note value of `quarters`, preferring a value that is not a triplet; None for any
    other: what music21's Duration makes of every value up to 16 quarter notes with a denominator
    up to 96, less the tuplets other than triplets (music21 would write 11/12 of a quarter as a
    12:11 tuplet: no reader wants that)."""
    for triplet in (False, True):
        base = quarters * Fraction(3, 2) if triplet else quarters
        for dots in range((1 if triplet else MAX_DOTS) + 1):
            kind = TYPES.get(base / (2 - Fraction(1, 2 ** dots)))
            if kind:
                return kind, dots, triplet
    return None


def written_measures(staff: Staff, grid: BeatGrid, n_measures: int) -> list[list[tuple[int, list[Written]]]]:
    """The staff's voices cut into measures: per measure, (voice index, its Written elements) for
    each voice shown. Notes across a barline are split and tied, gaps are rests; a voice other than
    the first is left out of measures where it has no notes and its rests are hidden (they would
    crowd the staff; the first voice's rhythm is the one read)."""
    bar = Fraction(grid.beats_per_bar)
    bq = Fraction(grid.beat_quarters)
    per_voice = [_cut(_events(voice, bar * n_measures), bar, n_measures) for voice in staff.voices] or \
        [_cut(_events([], bar * n_measures), bar, n_measures)]
    out = []
    for k in range(n_measures):
        shown, at = [], k * bar
        for j, v in enumerate(per_voice):
            if j and not any(p for _, _, p, _ in v[k]):
                continue
            els = [Written(offset, quarters, pitches, t if pitches else None, j > 0 and not pitches)
                   for start, end, pitches, tie in v[k]
                   for offset, quarters, t in _in_quarters(start - at, end - at, tie, bq, not pitches, grid.division == 3)]
            shown.append((j, els))
        out.append(shown)
    return out


@lru_cache(maxsize=65536)  # a score repeats its few rhythms: cached, the writer takes a third of the time
def _in_quarters(a: Fraction, b: Fraction, tie, bq: Fraction, rest: bool, compound: bool):
    """`_expressible`'s pieces as (offset, value, tie) in quarter notes."""
    return tuple((x * bq, (y - x) * bq, t) for x, y, t in _expressible(a, b, tie, bq, rest, compound))


def write_musicxml(result: ScoreResult, path: str | Path, title: str = "Transcription") -> Path:
    """Write the score as uncompressed MusicXML 4.0 under `title`, one part ("Piano") of one staff
    or a grand staff of two."""
    root = ET.Element("score-partwise", version="4.0")
    ET.SubElement(ET.SubElement(root, "work"), "work-title").text = title
    ET.SubElement(root, "movement-title").text = title
    ident = ET.SubElement(root, "identification")
    ET.SubElement(ident, "creator", type="transcriber").text = SOFTWARE
    encoding = ET.SubElement(ident, "encoding")
    ET.SubElement(encoding, "encoding-date").text = date.today().isoformat()
    ET.SubElement(encoding, "software").text = SOFTWARE
    scaling = ET.SubElement(ET.SubElement(root, "defaults"), "scaling")
    ET.SubElement(scaling, "millimeters").text = "7"
    ET.SubElement(scaling, "tenths").text = "40"
    score_part = ET.SubElement(ET.SubElement(root, "part-list"), "score-part", id="P1")
    ET.SubElement(score_part, "part-name").text = "Piano"  # what the score MIDI plays
    ET.SubElement(ET.SubElement(score_part, "score-instrument", id="P1-I1"), "instrument-name").text = "Piano"
    midi = ET.SubElement(score_part, "midi-instrument", id="P1-I1")
    ET.SubElement(midi, "midi-channel").text = "1"
    ET.SubElement(midi, "midi-program").text = "1"
    part = ET.SubElement(root, "part", id="P1")

    n_staves = len(result.staves)
    bars = []  # (passage, measure index in it, [per staff: [(voice, [Written])]])
    for p in result.passages:
        cut = [written_measures(staff, p.grid, p.n_measures) for staff in p.staves]
        bars += [(p, k, [staff[k] for staff in cut]) for k in range(p.n_measures)]
    lengths = [Fraction(p.grid.beats_per_bar) * Fraction(p.grid.beat_quarters) for p, _, _ in bars]
    starts = [Fraction(0)] + list(_accumulate(lengths))
    pedal = _pedal_marks(result.pedal_q, bars, starts)
    values = {x for _, _, staves in bars for voices in staves for _, els in voices for el in els
              for x in (el.offset, el.quarters)} | set(lengths) | {t for marks in pedal.values() for t, _ in marks}
    divisions = math.lcm(*(Fraction(x).denominator for x in values))

    key, meter, tempo = None, None, None
    for i, (p, k, staves) in enumerate(bars):
        m = ET.SubElement(part, "measure", number=str(p.measure + k))
        this_key = next(signature for first, signature in reversed(p.keys) if first <= p.measure + k)
        attributes = ET.Element("attributes")
        if i == 0:
            ET.SubElement(attributes, "divisions").text = str(divisions)
        if key is None or this_key.fifths != key.fifths:
            ET.SubElement(ET.SubElement(attributes, "key"), "fifths").text = str(this_key.fifths)
        if k == 0 and p.grid.meter != meter:
            time, (beats, beat_type) = ET.SubElement(attributes, "time"), p.grid.meter.split("/")
            _leaf(time, "beats", beats)
            _leaf(time, "beat-type", beat_type)
        if i == 0:
            if n_staves > 1:
                ET.SubElement(attributes, "staves").text = str(n_staves)
                ET.SubElement(attributes, "part-symbol").text = "brace"
            for s, staff in enumerate(p.staves):
                clef = ET.SubElement(attributes, "clef", **({"number": str(s + 1)} if n_staves > 1 else {}))
                sign, line = ("G", 2) if staff.clef == "treble" else ("F", 4)
                _leaf(clef, "sign", sign)
                _leaf(clef, "line", line)
        if len(attributes):
            m.append(attributes)
        key, meter = this_key, p.grid.meter
        if k == 0 and (round(p.grid.tempo_bpm), p.grid.beat_quarters) != tempo:
            tempo = (round(p.grid.tempo_bpm), p.grid.beat_quarters)
            _tempo_mark(m, *tempo, staff=1 if n_staves > 1 else None)
        table = spelling_table(this_key)
        for s, voices in enumerate(staves):
            shown = _accidentals(voices, this_key, table)
            for j, (voice, els) in enumerate(voices):
                if s or j:
                    _leaf(ET.SubElement(m, "backup"), "duration", lengths[i] * divisions)
                stem = ("up", "down")[min(j, 1)] if len(voices) > 1 else None
                for el, beams, tuplet, accidentals in zip(els, _beams(els, Fraction(p.grid.beat_quarters)),
                                                          _tuplets(els), shown[j]):
                    _note(m, el, divisions, table, voice=4 * s + voice + 1, staff=s + 1 if n_staves > 1 else None,
                          stem=stem, beams=beams, tuplet=tuplet, accidentals=accidentals)
        for offset, kind in pedal.get(i, []):
            back = (lengths[i] - offset) * divisions
            if back:
                _leaf(ET.SubElement(m, "backup"), "duration", back)
            direction = ET.SubElement(m, "direction", placement="below")
            # a line (Ped. ___|): MuseScore engraves signs alone (Ped. *) over the staff, among its notes
            ET.SubElement(ET.SubElement(direction, "direction-type"), "pedal", type=kind, line="yes", sign="yes")
            if n_staves > 1:
                _leaf(direction, "staff", n_staves)
            if back:
                _leaf(ET.SubElement(m, "forward"), "duration", back)
        if i == len(bars) - 1:
            ET.SubElement(ET.SubElement(m, "barline", location="right"), "bar-style").text = "light-heavy"
    ET.indent(root, space="  ")
    path = Path(path)
    with path.open("wb") as f:
        f.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE score-partwise PUBLIC '
                b'"-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">\n')
        ET.ElementTree(root).write(f, encoding="utf-8", xml_declaration=False)
    return path


def _accumulate(values):
    total = Fraction(0)
    for v in values:
        total += v
        yield total


def _leaf(parent: ET.Element, tag: str, value) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = str(value)
    return el


def _tempo_mark(measure: ET.Element, bpm: int, beat_quarters: float, staff: int | None) -> None:
    direction = ET.SubElement(measure, "direction", placement="above")
    metronome = ET.SubElement(ET.SubElement(direction, "direction-type"), "metronome", parentheses="no")
    unit, dots, _ = note_value(Fraction(beat_quarters))
    _leaf(metronome, "beat-unit", unit)
    for _ in range(dots):
        ET.SubElement(metronome, "beat-unit-dot")
    _leaf(metronome, "per-minute", bpm)
    if staff:
        _leaf(direction, "staff", staff)
    ET.SubElement(direction, "sound", tempo=f"{bpm * beat_quarters:g}")


def _note(measure: ET.Element, el: Written, divisions: int, table: list[str], *, voice: int, staff: int | None,
          stem: str | None, beams: list[tuple[int, str]], tuplet: list[str], accidentals: list[bool]) -> None:
    """One <note> per pitch of `el` (a chord's after the first marked <chord/>), or a <rest>."""
    kind, dots, triplet = note_value(el.quarters)
    ties = {"start": ["start"], "stop": ["stop"], "continue": ["stop", "start"]}.get(el.tie, [])
    for i, pitch in enumerate(el.pitches or [None]):
        note = ET.SubElement(measure, "note", **({"print-object": "no"} if el.hidden else {}))
        if i:
            ET.SubElement(note, "chord")
        if pitch is None:
            ET.SubElement(note, "rest")
        else:
            step, alter, octave = spell(pitch, table)
            xml_pitch = ET.SubElement(note, "pitch")
            _leaf(xml_pitch, "step", step)
            if alter:
                _leaf(xml_pitch, "alter", alter)
            _leaf(xml_pitch, "octave", octave)
        _leaf(note, "duration", el.quarters.numerator * divisions // el.quarters.denominator)
        for t in ties:
            ET.SubElement(note, "tie", type=t)
        _leaf(note, "voice", voice)
        _leaf(note, "type", kind)
        for _ in range(dots):
            ET.SubElement(note, "dot")
        if pitch is not None and accidentals[i]:
            _leaf(note, "accidental", ACCIDENTALS[alter])
        if triplet:
            modification = ET.SubElement(note, "time-modification")
            _leaf(modification, "actual-notes", 3)
            _leaf(modification, "normal-notes", 2)
        if stem and pitch is not None:
            _leaf(note, "stem", stem)
        if staff:
            _leaf(note, "staff", staff)
        if i == 0:
            for number, value in beams:
                _leaf(note, "beam", value).set("number", str(number))
        if ties or (tuplet and i == 0):
            notations = ET.SubElement(note, "notations")
            for t in ties:
                ET.SubElement(notations, "tied", type=t)
            for t in tuplet if i == 0 else []:
                ET.SubElement(notations, "tuplet", type=t, bracket="yes")


def _beams(els: list[Written], beat: Fraction) -> list[list[tuple[int, str]]]:
    """Per element its <beam> values (number, begin/continue/end/forward hook/backward hook): the
    flagged notes of one beat are beamed together, a rest breaks the beam, a shorter value's extra
    beams join its neighbours' or hook towards the beat's inside."""
    out = [[] for _ in els]
    levels = [BEAMS.get(note_value(el.quarters)[0], 0) if el.pitches else 0 for el in els]
    runs, run = [], []
    for i, el in enumerate(els):
        if levels[i] and run and el.offset // beat == els[run[-1]].offset // beat:
            run.append(i)
            continue
        runs.append(run)
        run = [i] if levels[i] else []
    runs.append(run)
    for run in (r for r in runs if len(r) > 1):
        for pos, i in enumerate(run):
            for level in range(1, levels[i] + 1):
                before = pos > 0 and levels[run[pos - 1]] >= level
                after = pos + 1 < len(run) and levels[run[pos + 1]] >= level
                value = ("continue" if after else "end") if before else "begin" if after else \
                    "forward hook" if pos == 0 else "backward hook"
                out[i].append((level, value))
    return out


def _tuplets(els: list[Written]) -> list[list[str]]:
    """Per element its tuplet bracket marks: a bracket opens on a triplet value and closes when the
    triplet is complete (three of the first value's length) or the triplets stop."""
    out = [[] for _ in els]
    start, filled, goal = None, Fraction(0), Fraction(0)
    for i, el in enumerate(els + [None]):
        triplet = el is not None and note_value(el.quarters)[2]
        if start is not None and not triplet:
            out[i - 1].append("stop")
            start = None
        if not triplet:
            continue
        if start is None:
            start, filled, goal = i, Fraction(0), el.quarters * 3
            out[i].append("start")
        filled += el.quarters
        if filled >= goal:
            out[i].append("stop")
            start = None
    return out


def _accidentals(voices: list[tuple[int, list[Written]]], key: Key, table: list[str]) -> list[list[list[bool]]]:
    """Per voice, element and pitch: whether its accidental is printed. A note shows one where its
    alteration differs from the key signature's or from the last note of its step and octave
    earlier in the bar (in any voice of the staff); a note tied over from before shows none and
    changes nothing."""
    in_key = {step: (1 if key.fifths > 0 else -1) for step in
              (SHARPS[:key.fifths] if key.fifths > 0 else SHARPS[::-1][:-key.fifths])}
    shown = [[[False] * len(el.pitches) for el in els] for _, els in voices]
    state: dict[tuple[str, int], int] = {}
    order = sorted((float(el.offset), v, e) for v, (_, els) in enumerate(voices) for e, el in enumerate(els))
    for _, v, e in order:
        el = voices[v][1][e]
        if el.tie in ("stop", "continue"):
            continue
        for i, pitch in enumerate(el.pitches):
            step, alter, octave = spell(pitch, table)
            if alter != state.get((step, octave), in_key.get(step, 0)):
                shown[v][e][i] = True
            state[(step, octave)] = alter
    return shown


def _pedal_marks(spans_q, bars, starts: list[Fraction]) -> dict[int, list[tuple[Fraction, str]]]:
    """Per bar index the sustain-pedal marks of the lowest staff, (quarter notes into the bar,
    "start" or "stop"): Ped. where the first note that starts inside a span (start, end quarter
    notes from the first downbeat) starts, the line's end where the last of them ends (no later
    than the next Ped.); a span over no note is left out."""
    notes = sorted((starts[i] + el.offset, starts[i] + el.offset + el.quarters)
                   for i, (_, _, staves) in enumerate(bars) for _, els in staves[-1]
                   for el in els if el.pitches and el.tie in (None, "start"))
    onsets = [a for a, _ in notes]
    marks = []
    for start, end in spans_q:
        held = notes[bisect_left(onsets, start - 1e-6):bisect_left(onsets, end)]
        if held:
            marks.append([held[0][0], max(b for _, b in held)])
    for this, following in zip(marks, marks[1:]):
        this[1] = min(this[1], following[0])
    out: dict[int, list[tuple[Fraction, str]]] = {}
    for a, b in marks:
        for t, kind in ((a, "start"), (b, "stop")):
            i = _bar_of(starts, t, at_end=kind == "stop")
            out.setdefault(i, []).append((t - starts[i], kind))
    return out


def _bar_of(starts: list[Fraction], t: Fraction, at_end: bool) -> int:
    """The index of the bar that `t` (quarter notes) falls in; a time on a barline belongs to the
    bar it ends when `at_end`."""
    i = max(0, min(len(starts) - 2, bisect_right(starts, t) - 1))
    return i - 1 if at_end and i > 0 and t == starts[i] else i


def _events(voice: list[QNote], total: Fraction) -> list[tuple[Fraction, Fraction, tuple[int, ...]]]:
    """A voice's chords plus rests filling every gap from 0 to `total` beats."""
    out, now = [], Fraction(0)
    for _, group in groupby(sorted(voice, key=lambda q: (float(q.start), q.pitch)), key=lambda q: float(q.start)):
        chord = list(group)  # grouped by float: the Fractions' order, faster
        start = chord[0].start
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


def _expressible(a: Fraction, b: Fraction, tie, bq: Fraction, rest: bool = False,
                 compound: bool = False) -> tuple[tuple[Fraction, Fraction, str | None], ...]:
    """Split [a, b) (beats in the measure) so that each piece is one plain, dotted or tuplet note
    value and the beats stay visible: a note of simple meter is kept whole when it is one value (a
    syncopation reads well), a rest or a note of compound meter is cut at the beats it crosses
    (no half note across the middle of a 6/8 bar). Whole beats from a beat on are joined again
    into the longest value they make, for a rest only where the bar divides by it (a half rest on
    beat 1 or 3 of 4/4, two quarter rests from beat 2). The pieces are tied."""
    if not (rest or compound) and _plain(b - a, bq):
        return ((a, b, tie),)
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
    return tuple(out)


def _plain(beats: Fraction, bq: Fraction) -> bool:
    """Whether `beats` (of `bq` quarter notes) is one plain or dotted note value, or one of a triplet."""
    return note_value(beats * bq) is not None


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
