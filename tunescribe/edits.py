"""Corrections to a transcription's notes. A set of edits is always made against the original
transcription's notes, by index in the order `tunescribe.midi.read_midi_notes` gives them (start,
then pitch), so each set stands on its own: it can be checked at once and never depends on an
earlier set."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tunescribe.notes import Note

LOWEST_PITCH, HIGHEST_PITCH = 0, 127
SHORTEST_S = 0.01  # a note shorter than this is not heard or written
DEFAULT_VELOCITY = 80


class EditOp(StrEnum):
    CHANGE = "change"  # pitch, start or length of an original note
    DELETE = "delete"  # an original note
    ADD = "add"  # a new note


class InvalidEdit(ValueError):
    """An edit that cannot be made; `str(error)` says which one and why, in words a user can read."""


@dataclass(frozen=True)
class NoteEdit:
    """One correction. CHANGE sets the given fields of original note `index` (None: kept); DELETE
    removes note `index`; ADD writes a new note (pitch, start_s and duration_s required). Times in
    seconds, pitch a MIDI number."""

    op: EditOp
    index: int | None = None
    pitch: int | None = None
    start_s: float | None = None
    duration_s: float | None = None
    velocity: int | None = None


def check_edits(edits: list[NoteEdit], note_count: int, duration_s: float | None = None) -> None:
    """InvalidEdit for the first edit that cannot be made on a transcription of `note_count` notes
    of a recording of `duration_s` seconds (None: not checked): an index out of range, a note
    edited twice, a change that changes nothing, an added note without its pitch, start or length,
    a pitch, start, length or velocity out of range."""
    if not edits:
        raise InvalidEdit("a revision needs at least one edit")
    seen: dict[int, int] = {}
    for i, e in enumerate(edits, start=1):
        where = f"edit {i} ({e.op})"
        if e.op == EditOp.ADD:
            if e.index is not None:
                raise InvalidEdit(f"{where}: an added note has no index")
            if e.pitch is None or e.start_s is None or e.duration_s is None:
                raise InvalidEdit(f"{where}: an added note needs its pitch, start_s and duration_s")
        else:
            if e.index is None:
                raise InvalidEdit(f"{where}: say which note by its index")
            if not 0 <= e.index < note_count:
                raise InvalidEdit(f"{where}: there is no note {e.index} (the transcription has {note_count} notes, "
                                  f"numbered from 0)")
            if e.index in seen:
                raise InvalidEdit(f"{where}: note {e.index} is already edited by edit {seen[e.index]}; "
                                  "give one edit a note")
            seen[e.index] = i
            fields = (e.pitch, e.start_s, e.duration_s, e.velocity)
            if e.op == EditOp.DELETE and any(f is not None for f in fields):
                raise InvalidEdit(f"{where}: a deleted note takes only its index")
            if e.op == EditOp.CHANGE and all(f is None for f in fields):
                raise InvalidEdit(f"{where}: say what changes (pitch, start_s, duration_s or velocity)")
        _check_values(e, where, duration_s)


def _check_values(e: NoteEdit, where: str, duration_s: float | None) -> None:
    if e.pitch is not None and not LOWEST_PITCH <= e.pitch <= HIGHEST_PITCH:
        raise InvalidEdit(f"{where}: pitch {e.pitch} is not a MIDI note number ({LOWEST_PITCH} to {HIGHEST_PITCH})")
    if e.velocity is not None and not 1 <= e.velocity <= 127:
        raise InvalidEdit(f"{where}: velocity {e.velocity} is outside 1 to 127")
    if e.duration_s is not None and not e.duration_s >= SHORTEST_S:
        raise InvalidEdit(f"{where}: a note lasts at least {SHORTEST_S} s")
    if e.start_s is not None:
        if not e.start_s >= 0:
            raise InvalidEdit(f"{where}: a note cannot start before the recording")
        if duration_s is not None and e.start_s >= duration_s:
            raise InvalidEdit(f"{where}: the recording ends at {duration_s:.2f} s; a note cannot start at "
                              f"{e.start_s:.2f} s")


def apply_edits(notes: list[Note], edits: list[NoteEdit], duration_s: float | None = None) -> list[Note]:
    """The original `notes` (in read_midi_notes order) with `edits` made, sorted by start then
    pitch; every note ends by `duration_s` (the recording's length, None: as written). Checks the
    edits first (InvalidEdit)."""
    check_edits(edits, len(notes), duration_s)
    result: dict[int, Note | None] = dict(enumerate(notes))
    added: list[Note] = []
    for e in edits:
        if e.op == EditOp.DELETE:
            result[e.index] = None
        elif e.op == EditOp.CHANGE:
            n = notes[e.index]
            start = n.start_s if e.start_s is None else e.start_s
            length = n.end_s - n.start_s if e.duration_s is None else e.duration_s
            result[e.index] = Note(n.pitch if e.pitch is None else e.pitch, start, start + length,
                                   n.velocity if e.velocity is None else e.velocity)
        else:
            added.append(Note(e.pitch, e.start_s, e.start_s + e.duration_s,
                              DEFAULT_VELOCITY if e.velocity is None else e.velocity))
    kept = [n for n in result.values() if n is not None] + added
    if duration_s is not None:
        kept = [Note(n.pitch, n.start_s, min(n.end_s, duration_s), n.velocity) for n in kept]
    return sorted(kept, key=lambda n: (n.start_s, n.pitch))
