"""Notation metrics on tiny hand-made scores: a written MusicXML file against the true score of the
recording it was written from."""

from __future__ import annotations

from fractions import Fraction

import music21
import numpy as np
import pytest

from tunescribe.evaluate_notation import (
    TrueScore,
    beat_f_measure,
    mean_notation_metrics,
    notation_metrics,
    q,
    read_written,
    silences,
)
from tunescribe.notes import Note

SECONDS_PER_QUARTER = 0.5  # 120 BPM
# two bars of 4/4: (MIDI pitch, onset, length) in quarters
PLAYED = [(72, 0, 1), (74, 1, 2), (76, 3, 1), (67, 4, 4)]
BEATS_S = np.arange(0.0, 12.01, SECONDS_PER_QUARTER)  # past mir_eval's 5 s trim


def write_score(path, events, meter="4/4", sharps=1):
    """`events` as a one-part MusicXML file in `meter` with `sharps` in the key signature."""
    part = music21.stream.Part()
    part.insert(0, music21.meter.TimeSignature(meter))
    part.insert(0, music21.key.KeySignature(sharps))
    for pitch, onset, length in events:
        part.insert(onset, music21.note.Note(pitch, quarterLength=length))
    part.makeRests(fillGaps=True, inPlace=True)
    score = music21.stream.Score([part.makeMeasures()])
    score.write("musicxml", fp=str(path))
    return path


def truth(meter="4/4", shape=(4, 2), fifths=1) -> TrueScore:
    """The true score of PLAYED, performed at SECONDS_PER_QUARTER."""
    notes = [Note(p, o * SECONDS_PER_QUARTER, (o + d) * SECONDS_PER_QUARTER, 80) for p, o, d in PLAYED]
    return TrueScore(meter=meter, meter_shape=shape, beat_quarters=Fraction(1), fifths=fifths, beats_s=BEATS_S,
                     downbeats_s=BEATS_S[::4], notes=notes, bar_position=[q(o % 4) for _, o, _ in PLAYED],
                     duration=[q(d) for _, _, d in PLAYED], bars=2, silences=0.0)


def metrics(true: TrueScore, xml) -> dict:
    return notation_metrics(true, true.notes, BEATS_S, BEATS_S[::4], lambda s: s / SECONDS_PER_QUARTER, xml)


def test_beat_f_measure_is_mir_evals_with_a_70_ms_window():
    ref = np.arange(0.0, 10.0, 0.5)
    assert beat_f_measure(ref, ref + 0.03) == 1.0
    assert beat_f_measure(ref, ref + 0.25) == 0.0  # off-beats
    assert beat_f_measure(ref, ref[::2]) == pytest.approx(2 / 3)  # half the beats: P 1, R 1/2
    assert beat_f_measure(ref, np.array([])) == 0.0


def test_quarter_positions_are_exact_fractions():
    assert q(1 / 3) == Fraction(1, 3) and q(1.5) == Fraction(3, 2)


def test_a_score_written_as_it_was_played_gets_everything_right(tmp_path):
    row = metrics(truth(), write_score(tmp_path / "right.musicxml", PLAYED))
    assert row["readable"] and row["meter"] == "4/4" and row["fifths"] == 1
    assert row["meter_right"] and row["meter_equivalent"] and row["key_right"]
    assert row["beat_f"] == row["downbeat_f"] == row["beat_amlt"] == 1.0
    assert row["note_f1"] == 1.0 and row["matched"] == 4
    assert row["position_right"] == row["duration_right"] == row["both_right"] == row["position_in_beat_right"] == 4


def test_a_note_written_an_eighth_late_has_the_wrong_position_and_duration(tmp_path):
    late = [(72, 0, 1), (74, 1.5, 1.5), (76, 3, 1), (67, 4, 4)]
    row = metrics(truth(), write_score(tmp_path / "late.musicxml", late))
    assert row["matched"] == 4  # the played notes are found; the written one is half a beat off
    assert row["position_right"] == row["duration_right"] == row["both_right"] == row["position_in_beat_right"] == 3


def test_two_two_for_two_four_is_wrong_but_equivalent_and_six_flats_are_six_sharps(tmp_path):
    xml = write_score(tmp_path / "cut.musicxml", PLAYED, meter="2/2", sharps=-6)
    assert read_written(xml).meter_shape == (2, 2)
    row = metrics(truth(meter="2/4", shape=(2, 2), fifths=6), xml)
    assert not row["meter_right"] and row["meter_equivalent"] and row["key_right"]
    wrong_key = metrics(truth(fifths=2), write_score(tmp_path / "g.musicxml", PLAYED))
    assert not wrong_key["key_right"]


def test_an_unreadable_file_is_a_result_that_scores_zero(tmp_path):
    (tmp_path / "broken.musicxml").write_text(  # well-formed, but an octave music21 cannot read
        '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name>x</part-name>'
        '</score-part></part-list><part id="P1"><measure number="1"><note><pitch><step>C</step><octave>x</octave>'
        '</pitch><duration>1</duration></note></measure></part></score-partwise>')
    broken = metrics(truth(), tmp_path / "broken.musicxml")
    assert broken["readable"] is False and broken["schema_errors"] and "error" in broken
    right = metrics(truth(), write_score(tmp_path / "right.musicxml", PLAYED))
    mean = mean_notation_metrics({"right": right, "broken": broken})
    assert (mean["pieces"], mean["readable"]) == (2, 1)
    assert mean["time_signature"] == mean["key_signature"] == 0.5 and mean["beat_f"] == 0.5
    assert mean["matched_notes"] == 4 and mean["position"] == mean["duration"] == 1.0


def test_rests_count_the_silences_of_each_staff_and_tuplets_count_written_notes(tmp_path):
    """A silence is counted once however it is written (a rest cut at the beats is one rest); a
    second part's silences are averaged with the first's. A note of a 12:11 tuplet is in a tuplet
    other than a triplet, the three of an eighth-note triplet in a triplet."""
    melody = [(72, 0, 1), (74, 2, 1), (76, 3, 1), (67, 4, 1), (69, 7, 1)]  # rests of 1 and 2 quarters
    assert silences([[(q(o), q(d)) for _, o, d in melody], [(Fraction(0), Fraction(8))]]) == 1.0
    assert silences([[(Fraction(0), Fraction(2)), (Fraction(1), Fraction(1)), (Fraction(2), Fraction(1))]]) == 0.0
    row = metrics(truth(), write_score(tmp_path / "rests.musicxml", melody))
    assert (row["silences"], row["true_silences"], row["bars"]) == (2.0, 0.0, 2)
    odd = [(72, 0, Fraction(11, 12)), (74, Fraction(11, 12), Fraction(1, 12)), (76, 1, Fraction(1, 3)),
           (77, Fraction(4, 3), Fraction(1, 3)), (79, Fraction(5, 3), Fraction(1, 3)), (67, 2, 2)]
    row = metrics(truth(), write_score(tmp_path / "tuplets.musicxml", odd))
    assert (row["written_notes"], row["tuplet_notes"], row["other_tuplet_notes"]) == (6, 5, 2)
    mean = mean_notation_metrics({"a": row})
    assert mean["rests_per_bar"] == row["silences"] / 2 and mean["in_other_tuplets"] == pytest.approx(2 / 6)
