"""score_notes / evaluate_dirs: mir_eval note metrics (50 ms onsets), note-with-offset, 10 ms frame F1."""

from __future__ import annotations

import dataclasses

import pytest

from tunescribe.evaluate import Scores, evaluate_dirs, mean_scores, score_notes
from tunescribe.midi import write_midi
from tunescribe.notes import Note

REF = [
    Note(60, 0.50, 1.00, 80),
    Note(64, 0.50, 1.00, 80),
    Note(67, 1.20, 1.60, 70),
    Note(72, 2.00, 3.00, 90),
]


def _shifted(notes: list[Note], seconds: float) -> list[Note]:
    return [dataclasses.replace(n, start_s=n.start_s + seconds, end_s=n.end_s + seconds) for n in notes]


def test_identical_notes_score_one_on_every_metric():
    scores = score_notes(REF, list(REF))
    assert scores.note_p == scores.note_r == 1.0
    assert scores.note_f1 == pytest.approx(1.0)
    assert scores.note_offset_f1 == pytest.approx(1.0)
    assert scores.frame_f1 == pytest.approx(1.0)


def test_velocity_is_not_scored():
    louder = [dataclasses.replace(n, velocity=127) for n in REF]
    assert score_notes(REF, louder).note_f1 == pytest.approx(1.0)


def test_onset_30ms_late_still_matches():
    scores = score_notes(REF, _shifted(REF, 0.030))
    assert scores.note_f1 == pytest.approx(1.0)
    assert scores.note_offset_f1 == pytest.approx(1.0)  # offsets 30 ms late are inside 50 ms too
    assert 0.9 < scores.frame_f1 < 1.0


def test_onset_70ms_late_does_not_match():
    scores = score_notes(REF, _shifted(REF, 0.070))
    assert scores.note_f1 == 0.0
    assert scores.note_offset_f1 == 0.0
    assert 0.8 < scores.frame_f1 < 1.0  # frames still mostly overlap


def test_onset_70ms_early_does_not_match_either():
    assert score_notes(REF, _shifted(REF, -0.070)).note_f1 == 0.0


def test_wrong_pitch_does_not_match():
    wrong = [dataclasses.replace(n, pitch=n.pitch + 1) for n in REF]
    scores = score_notes(REF, wrong)
    assert scores.note_f1 == 0.0
    assert scores.note_offset_f1 == 0.0
    assert scores.frame_f1 == 0.0


def test_right_onset_wrong_offset_counts_for_notes_not_for_notes_with_offsets():
    cut_short = [dataclasses.replace(n, end_s=n.start_s + 0.1) for n in REF]
    scores = score_notes(REF, cut_short)
    assert scores.note_f1 == pytest.approx(1.0)
    assert scores.note_offset_f1 == 0.0


def test_precision_and_recall_count_missed_and_extra_notes():
    half = REF[:2]
    missed = score_notes(REF, half)
    assert missed.note_p == pytest.approx(1.0) and missed.note_r == pytest.approx(0.5)
    assert missed.note_f1 == pytest.approx(2 / 3)
    extra = score_notes(half, REF)
    assert extra.note_p == pytest.approx(0.5) and extra.note_r == pytest.approx(1.0)


def test_empty_sides():
    assert score_notes([], []) == Scores(1.0, 1.0, 1.0, 1.0, 1.0)
    assert score_notes(REF, []).note_f1 == 0.0 and score_notes(REF, []).frame_f1 == 0.0
    assert score_notes([], REF).note_f1 == 0.0 and score_notes([], REF).frame_f1 == 0.0


def test_evaluate_dirs_pairs_files_by_name(tmp_path):
    ref_dir, est_dir = tmp_path / "ref", tmp_path / "est"
    ref_dir.mkdir()
    est_dir.mkdir()
    write_midi(REF, ref_dir / "alpha.mid")
    write_midi(REF, ref_dir / "beta.mid")
    write_midi(REF, ref_dir / "gamma.midi")
    write_midi(REF, ref_dir / "unmatched.mid")
    write_midi(REF, est_dir / "alpha.mid")  # perfect
    write_midi([dataclasses.replace(n, pitch=n.pitch + 2) for n in REF], est_dir / "beta.mid")  # all wrong
    write_midi(_shifted(REF, 0.030), est_dir / "gamma.mid")  # .midi reference, .mid estimate
    write_midi(REF, est_dir / "orphan.mid")  # no reference: ignored

    results = evaluate_dirs(ref_dir, est_dir)

    assert set(results) == {"alpha", "beta", "gamma"}
    assert results["alpha"].note_f1 == pytest.approx(1.0)
    assert results["beta"].note_f1 == 0.0
    assert results["gamma"].note_f1 == pytest.approx(1.0)


def test_mean_scores_averages_each_metric():
    a = Scores(1.0, 1.0, 1.0, 1.0, 1.0)
    b = Scores(0.0, 0.5, 0.0, 0.0, 0.5)
    assert mean_scores([a, b]) == Scores(0.5, 0.75, 0.5, 0.5, 0.75)
    assert set(a.as_dict()) == {"note_p", "note_r", "note_f1", "note_offset_f1", "frame_f1"}
