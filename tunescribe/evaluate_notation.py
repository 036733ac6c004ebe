"""Notation metrics: a written score (MusicXML) against the true score of the recording it was
written from. Per piece: the time signature and key signature right, the beat F-measure (and AMLt,
and the downbeat F-measure), and, for the reference notes a transcription found, whether the
written note has the true position in the bar and the true duration; how often a staff rests
against how often a part of the true score rests, per true bar; how many written notes are in
tuplets (and in tuplets other than triplets); and their means over pieces.
benchmarks/notation.py reports them; the notation trainer's targets use the same beat F-measure."""

from __future__ import annotations

import bisect
import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import mir_eval
import numpy as np

from tunescribe.evaluate import note_arrays
from tunescribe.notes import Note

DENOMINATOR = 96  # quarter-note positions are compared as fractions with at most this denominator
BEAT_WINDOW_S = 0.07  # a beat within 70 ms of a true one is right (mir_eval.beat's default)
NOTE_ONSET_S = 0.05  # a found note: same pitch, onset within 50 ms of the reference note's


def q(x) -> Fraction:
    """A music21 offset or quarter length (float or Fraction) as an exact fraction."""
    return Fraction(x).limit_denominator(DENOMINATOR)


@dataclass
class TrueScore:
    """What a recording's score says, placed in the recording."""

    meter: str  # time signature in force over most of the recording, e.g. "4/4"
    meter_shape: tuple[int, int]  # (beats per bar, division of the beat)
    beat_quarters: Fraction  # the notated beat of that meter, in quarters
    fifths: int  # key signature, sharps > 0
    beats_s: np.ndarray  # true beats, seconds in the audio
    downbeats_s: np.ndarray  # the beats that start a bar
    notes: list[Note]  # the reference notes, as they sound
    bar_position: list[Fraction]  # per reference note: quarter notes from its bar's start
    duration: list[Fraction]  # per reference note: written duration in quarters, ties merged
    bars: int  # bars of the score the recording covers
    silences: float  # rests per part over those bars (see `silences`)


def silences(parts: list[list[tuple[Fraction, Fraction]]]) -> float:
    """How often a part rests: the silences between its first note and its last, where none of its
    notes (onset, duration in quarters) sounds, however many rest symbols each is written with (a
    rest cut at the beats is one rest); the mean over the parts that have notes."""
    counts = []
    for notes in parts:
        if not notes:
            continue
        count, sounding = 0, None
        for onset, duration in sorted(notes):
            if sounding is not None and onset > sounding:
                count += 1
            sounding = max(sounding or onset, onset + duration)
        counts.append(count)
    return float(np.mean(counts)) if counts else 0.0


def in_tuplet(quarters: Fraction) -> bool:
    """Whether a written duration (quarters, ties merged) needs a tuplet: a denominator that is
    not a power of two."""
    return quarters.denominator & (quarters.denominator - 1) != 0


def beat_f_measure(ref_s: np.ndarray, est_s: np.ndarray) -> float:
    """mir_eval's beat F-measure: beats (seconds, increasing) matched one to one within
    BEAT_WINDOW_S; 0 when either list is empty."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty beat lists warn; they score 0
        return float(mir_eval.beat.f_measure(np.asarray(ref_s, float), np.asarray(est_s, float), BEAT_WINDOW_S))


@dataclass
class Written:
    """A MusicXML file as a reader sees it."""

    meter: str  # first time signature ("4/4" when none is written: what a reader assumes)
    meter_shape: tuple[int, int]
    beat_quarters: float  # notated beat of that meter, in quarters
    fifths: int  # first key signature (0 when none)
    by_pitch: dict[int, list[tuple[Fraction, Fraction, Fraction]]]  # MIDI -> sorted (offset, bar position, duration)
    silences: float  # rests per staff (see `silences`)
    notes: int  # written notes (each pitch of a chord, each tied piece)
    tuplet_notes: int  # of them, in a tuplet
    other_tuplet_notes: int  # in a tuplet other than a triplet (3 in the time of 2)


def read_written(path: Path) -> Written:
    """Re-read a MusicXML file with music21 (raises if it cannot) and list its notes, ties merged;
    count its rests per staff and its notes in tuplets (as written, ties not merged)."""
    import music21 as m21

    score = m21.converter.parse(str(path))
    tss = list(score.recurse().getElementsByClass(m21.meter.TimeSignature))
    ts = tss[0] if tss else m21.meter.TimeSignature("4/4")
    kss = list(score.recurse().getElementsByClass(m21.key.KeySignature))
    tuplets = [(len(n.pitches), [(t.numberNotesActual, t.numberNotesNormal) for t in n.duration.tuplets])
               for n in score.recurse().notes if not n.duration.isGrace]
    by_pitch: dict[int, list] = {}
    staves = []
    for part in score.stripTies().parts:
        staff = []
        for m in part.getElementsByClass(m21.stream.Measure):
            for n in m.recurse().notes:
                if n.duration.isGrace or n.quarterLength == 0:
                    continue
                inside = q(n.getOffsetInHierarchy(m))
                staff.append((q(m.offset) + inside, q(n.quarterLength)))
                for p in n.pitches:
                    by_pitch.setdefault(p.midi, []).append((q(m.offset) + inside, inside + q(m.paddingLeft), q(n.quarterLength)))
        staves.append(staff)
    for v in by_pitch.values():
        v.sort()
    return Written(ts.ratioString, (ts.beatCount, ts.beatDivisionCount), float(ts.beatDuration.quarterLength),
                   kss[0].sharps if kss else 0, by_pitch, silences(staves), sum(k for k, _ in tuplets),
                   sum(k for k, t in tuplets if t), sum(k for k, t in tuplets if any(x != (3, 2) for x in t)))


def written_note(w: Written, pitch: int, quarters: float, tolerance: float):
    """The written note of `pitch` nearest to `quarters` (score offset), within `tolerance`; or None."""
    cands = w.by_pitch.get(pitch, [])
    if not cands:
        return None
    i = bisect.bisect_left(cands, (q(quarters),))
    best = min(cands[max(0, i - 1):i + 1], key=lambda c: abs(float(c[0]) - quarters))
    return best if abs(float(best[0]) - quarters) <= tolerance else None


def notation_metrics(truth: TrueScore, est_notes: list[Note], beats_s: np.ndarray, downbeats_s: np.ndarray,
                     to_quarters, xml: Path) -> dict:
    """Every metric of one written score (the MusicXML file `xml`) of one recording. `est_notes`:
    the notes it was written from (seconds); `to_quarters` maps seconds in the audio to the written
    score's offsets (quarters); `beats_s` and `downbeats_s` are the beats and the bars' first beats
    the written score implies. Beats are scored after mir_eval's trim of the first 5 s."""
    from tunescribe.notation.validate import schema_errors

    row = {"schema_errors": schema_errors(xml, limit=3)}
    try:
        w = read_written(xml)
    except Exception as e:  # noqa: BLE001 - a file music21 cannot read is a result, not a crash
        row.update(readable=False, error=f"{type(e).__name__}: {e}"[:300])
        return row
    row.update(readable=True, meter=w.meter, meter_right=w.meter == truth.meter,
               meter_equivalent=w.meter_shape == truth.meter_shape, fifths=w.fifths,
               key_right=(w.fifths - truth.fifths) % 12 == 0)
    ref_b = mir_eval.beat.trim_beats(truth.beats_s)
    est_b = mir_eval.beat.trim_beats(np.asarray(beats_s, float))
    row["beat_f"] = beat_f_measure(ref_b, est_b)
    row["beat_amlt"] = float(mir_eval.beat.continuity(ref_b, est_b)[3]) if len(ref_b) > 1 and len(est_b) > 1 else 0.0
    row["downbeat_f"] = beat_f_measure(mir_eval.beat.trim_beats(truth.downbeats_s),
                                       mir_eval.beat.trim_beats(np.asarray(downbeats_s, float)))
    matched = []
    if truth.notes and est_notes:
        ri, rp = note_arrays(truth.notes)
        ei, ep = note_arrays(est_notes)
        matched = mir_eval.transcription.match_notes(ri, rp, ei, ep, onset_tolerance=NOTE_ONSET_S, offset_ratio=None)
    n_ref, n_est = len(truth.notes), len(est_notes)
    p, r = (len(matched) / n_est if n_est else 0.0), (len(matched) / n_ref if n_ref else 0.0)
    pos_ok = dur_ok = both = in_beat_ok = 0
    unit = truth.beat_quarters
    tolerance = 0.5 * w.beat_quarters
    for i, j in matched:
        e = est_notes[j]
        found = written_note(w, e.pitch, float(to_quarters(e.start_s)), tolerance)
        if found is None:
            continue
        _, position, duration = found
        pos_ok += position == truth.bar_position[i]
        in_beat_ok += position % unit == truth.bar_position[i] % unit
        dur_ok += duration == truth.duration[i]
        both += position == truth.bar_position[i] and duration == truth.duration[i]
    row.update(bars=truth.bars, silences=w.silences, true_silences=truth.silences, written_notes=w.notes,
               tuplet_notes=w.tuplet_notes, other_tuplet_notes=w.other_tuplet_notes,
               true_tuplet_notes=sum(map(in_tuplet, truth.duration)))
    row.update(n_ref=n_ref, n_est=n_est, note_f1=2 * p * r / (p + r) if p + r else 0.0, matched=len(matched),
               position_right=pos_ok, duration_right=dur_ok, both_right=both, position_in_beat_right=in_beat_ok)
    return row


def mean_notation_metrics(rows: dict[str, dict]) -> dict:
    """Per-piece notation_metrics -> fractions of pieces (meter, key, valid), mean beat scores
    (an unreadable piece scores 0), fractions of matched notes."""
    rs = list(rows.values())
    ok = [r for r in rs if r.get("readable")]
    n = len(rs)
    matched = sum(r["matched"] for r in ok)
    bars = sum(r["bars"] for r in ok)
    written = sum(r["written_notes"] for r in ok)
    n_ref = sum(r["n_ref"] for r in ok)
    return {
        "pieces": n, "readable": len(ok), "schema_valid": sum(not r["schema_errors"] for r in rs),
        "time_signature": sum(r["meter_right"] for r in ok) / n,
        "time_signature_equivalent": sum(r["meter_equivalent"] for r in ok) / n,
        "key_signature": sum(r["key_right"] for r in ok) / n,
        "beat_f": float(np.mean([r["beat_f"] for r in ok] + [0.0] * (n - len(ok)))),
        "beat_amlt": float(np.mean([r["beat_amlt"] for r in ok] + [0.0] * (n - len(ok)))),
        "downbeat_f": float(np.mean([r["downbeat_f"] for r in ok] + [0.0] * (n - len(ok)))),
        "note_f1": float(np.mean([r["note_f1"] for r in ok] + [0.0] * (n - len(ok)))),
        "matched_notes": matched,
        "position": sum(r["position_right"] for r in ok) / matched if matched else 0.0,
        "position_in_beat": sum(r["position_in_beat_right"] for r in ok) / matched if matched else 0.0,
        "duration": sum(r["duration_right"] for r in ok) / matched if matched else 0.0,
        "position_and_duration": sum(r["both_right"] for r in ok) / matched if matched else 0.0,
        # a staff's rests (ours) and a part's (the true score's) per bar of the true score
        "rests_per_bar": sum(r["silences"] for r in ok) / bars if bars else 0.0,
        "true_rests_per_bar": sum(r["true_silences"] for r in ok) / bars if bars else 0.0,
        "in_tuplets": sum(r["tuplet_notes"] for r in ok) / written if written else 0.0,
        "in_other_tuplets": sum(r["other_tuplet_notes"] for r in ok) / written if written else 0.0,
        "true_in_tuplets": sum(r["true_tuplet_notes"] for r in ok) / n_ref if n_ref else 0.0,
    }
