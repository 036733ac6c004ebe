"""Corrections to a transcription's notes (tunescribe.edits), on tiny lists of notes."""

from __future__ import annotations

import pytest

from tunescribe.edits import EditOp, InvalidEdit, NoteEdit, apply_edits, check_edits
from tunescribe.notes import Note

NOTES = [Note(60, 0.0, 1.0, 70), Note(62, 1.0, 2.0, 70), Note(64, 2.0, 3.0, 70)]


def test_change_delete_and_add_against_the_original_indices():
    edits = [NoteEdit(EditOp.DELETE, 0), NoteEdit(EditOp.CHANGE, 2, pitch=65, duration_s=0.5),
             NoteEdit(EditOp.ADD, pitch=72, start_s=0.5, duration_s=0.25)]
    assert apply_edits(NOTES, edits) == [Note(72, 0.5, 0.75, 80), Note(62, 1.0, 2.0, 70), Note(65, 2.0, 2.5, 70)]


def test_a_moved_note_keeps_its_length_and_is_sorted_by_its_new_start():
    assert apply_edits(NOTES, [NoteEdit(EditOp.CHANGE, 0, start_s=2.5)])[-1] == Note(60, 2.5, 3.5, 70)


def test_notes_end_with_the_recording():
    assert apply_edits(NOTES, [NoteEdit(EditOp.CHANGE, 2, duration_s=5.0)], duration_s=3.5)[-1].end_s == 3.5


@pytest.mark.parametrize("edits, reason", [
    ([], "at least one edit"),
    ([NoteEdit(EditOp.DELETE, 3)], "there is no note 3"),
    ([NoteEdit(EditOp.DELETE, 1), NoteEdit(EditOp.CHANGE, 1, pitch=61)], "already edited by edit 1"),
    ([NoteEdit(EditOp.DELETE, 1, pitch=61)], "takes only its index"),
    ([NoteEdit(EditOp.CHANGE, 1)], "say what changes"),
    ([NoteEdit(EditOp.ADD, pitch=60, start_s=0.0)], "needs its pitch"),
    ([NoteEdit(EditOp.ADD, 1, pitch=60, start_s=0.0, duration_s=1.0)], "has no index"),
    ([NoteEdit(EditOp.ADD, pitch=60, start_s=4.0, duration_s=1.0)], "the recording ends at 3.50 s"),
    ([NoteEdit(EditOp.CHANGE, 0, duration_s=0.0)], "lasts at least"),
    ([NoteEdit(EditOp.CHANGE, 0, pitch=128)], "not a MIDI note number"),
])
def test_an_edit_that_cannot_be_made_says_which_and_why(edits, reason):
    with pytest.raises(InvalidEdit, match=reason):
        check_edits(edits, len(NOTES), duration_s=3.5)
