"""The piano benchmark's pedal score: frame F1 of pedal-down on the 10 ms grid, and scoring a
transcription directory with both sides extended by their own sustain pedal."""

from pathlib import Path

import pytest

from benchmarks.transcription import Item, pedal_f1, score_dir, summarise
from tunescribe.midi import write_midi
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan


def test_the_same_pedal_scores_one():
    spans = [PedalSpan(0.5, 1.5), PedalSpan(2.0, 3.0, depth=0.4)]
    assert pedal_f1(spans, spans) == 1.0


def test_no_pedal_on_either_side_scores_one():
    assert pedal_f1([], []) == 1.0


def test_a_missed_pedal_scores_zero():
    assert pedal_f1([PedalSpan(0.0, 1.0)], []) == 0.0


def test_half_the_pedal_down_scores_two_thirds():
    # reference down 1 s, estimate down on its first half only: precision 1, recall 0.5
    assert pedal_f1([PedalSpan(0.0, 1.0)], [PedalSpan(0.0, 0.5)]) == pytest.approx(2 / 3)


def test_depth_does_not_count_a_half_pedal_is_down():
    assert pedal_f1([PedalSpan(1.0, 2.0, depth=1.0)], [PedalSpan(1.0, 2.0, depth=0.5)]) == 1.0


def test_offsets_are_scored_as_each_side_s_pedal_holds_the_notes(tmp_path: Path):
    # the reference releases the key at 0.5 s under a pedal held to 2 s; the estimate holds the key
    # to 2 s without pedal: both sound to 2 s, so the offset matches
    write_midi([Note(60, 0.0, 0.5, 80)], tmp_path / "ref.mid", pedal=[PedalSpan(0.2, 2.0)])
    (tmp_path / "est").mkdir()
    write_midi([Note(60, 0.0, 2.0, 80)], tmp_path / "est" / "a.mid")
    per_file, missing = score_dir([Item("a", tmp_path / "a.flac", tmp_path / "ref.mid", "piano")], tmp_path / "est")
    row = per_file["a"]
    assert missing == [] and row["note_offset_f1"] == 1.0 and row["pedal_f1"] == 0.0
    # a system that writes no pedal anywhere gets no pedal F1, not a zero
    assert summarise(per_file)["all"]["pedal_f1"] is None
