"""write_midi writes a Standard MIDI File that mido, pretty_midi and read_midi_notes all read back the same."""

from __future__ import annotations

import mido
import pretty_midi
import pytest

from tunescribe.midi import TICKS_PER_BEAT, read_midi_notes, write_midi
from tunescribe.notes import Note

TOLERANCE_S = 1e-3

TUNE = [
    Note(60, 0.0, 0.5, 100),
    Note(64, 0.25, 1.0, 80),
    Note(60, 0.5, 0.75, 1),  # same key re-struck exactly where the previous one ends
    Note(67, 0.5123, 0.9876, 64),  # off the tick grid
    Note(21, 1.0, 2.5, 30),  # A0
    Note(108, 1.2345, 1.3, 127),  # C8
    Note(72, 3.0, 3.0004, 50),  # shorter than a tick
]


def _sorted(rows):
    return sorted(rows, key=lambda r: (round(r[1], 6), r[0]))


def _mido_notes(path) -> list[tuple[int, float, float, int]]:
    """Independent decoding of note_on/note_off pairs with mido's own tempo-aware iteration."""
    open_notes, rows, now = {}, [], 0.0
    for msg in mido.MidiFile(str(path)):
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            open_notes[msg.note] = (now, msg.velocity)
        elif msg.type in ("note_on", "note_off") and msg.note in open_notes:
            start, velocity = open_notes.pop(msg.note)
            rows.append((msg.note, start, now, velocity))
    assert not open_notes, "every note is closed"
    return _sorted(rows)


def _pretty_midi_notes(path) -> list[tuple[int, float, float, int]]:
    pm = pretty_midi.PrettyMIDI(str(path))
    return _sorted([(n.pitch, n.start, n.end, n.velocity) for inst in pm.instruments for n in inst.notes])


def _assert_same_notes(rows, notes, *, min_len_s: float):
    want = _sorted([(n.pitch, n.start_s, n.end_s, n.velocity) for n in notes])
    assert len(rows) == len(want)
    for (pitch, start, end, velocity), (w_pitch, w_start, w_end, w_velocity) in zip(rows, want):
        assert pitch == w_pitch
        assert velocity == w_velocity
        assert start == pytest.approx(w_start, abs=TOLERANCE_S)
        assert end == pytest.approx(max(w_end, w_start + min_len_s), abs=TOLERANCE_S)
        assert end > start


@pytest.mark.parametrize("tempo_bpm", [120.0, 93.0])
def test_round_trip_through_read_midi_notes_mido_and_pretty_midi(tmp_path, tempo_bpm):
    path = tmp_path / "tune.mid"
    write_midi(TUNE, path, tempo_bpm=tempo_bpm)

    tick_s = 60.0 / tempo_bpm / TICKS_PER_BEAT
    ours = [(n.pitch, n.start_s, n.end_s, n.velocity) for n in read_midi_notes(path)]

    for rows in (_sorted(ours), _mido_notes(path), _pretty_midi_notes(path)):
        _assert_same_notes(rows, TUNE, min_len_s=tick_s)  # a sub-tick note lasts one tick


def test_read_midi_notes_is_sorted_by_start_then_pitch(tmp_path):
    path = tmp_path / "tune.mid"
    write_midi(TUNE, path)
    notes = read_midi_notes(path)
    assert notes == sorted(notes, key=lambda n: (n.start_s, n.pitch))
    assert all(isinstance(n, Note) for n in notes)


@pytest.mark.parametrize("program", [0, 40, 127])
def test_one_track_with_one_program_change_and_a_tempo(tmp_path, program):
    path = tmp_path / "tune.mid"
    write_midi(TUNE, path, program=program, tempo_bpm=100.0)

    mid = mido.MidiFile(str(path))

    assert len(mid.tracks) == 1
    messages = list(mid.tracks[0])
    program_changes = [m for m in messages if m.type == "program_change"]
    assert [m.program for m in program_changes] == [program]
    tempos = [m for m in messages if m.type == "set_tempo"]
    assert len(tempos) == 1
    assert mido.tempo2bpm(tempos[0].tempo) == pytest.approx(100.0, rel=1e-4)
    first_note = next(i for i, m in enumerate(messages) if m.type == "note_on")
    assert messages.index(program_changes[0]) < first_note and messages.index(tempos[0]) < first_note
    assert messages[-1].type == "end_of_track"

    instruments = pretty_midi.PrettyMIDI(str(path)).instruments
    assert [(i.program, i.is_drum) for i in instruments] == [(program, False)]


def test_zero_notes_is_a_valid_file_with_no_notes(tmp_path):
    path = tmp_path / "silence.mid"
    write_midi([], path)

    mid = mido.MidiFile(str(path))
    assert len(mid.tracks) == 1
    assert not [m for m in mid.tracks[0] if m.type in ("note_on", "note_off")]
    assert [m.type for m in mid.tracks[0] if m.type == "set_tempo"] == ["set_tempo"]

    pm = pretty_midi.PrettyMIDI(str(path))
    assert sum(len(i.notes) for i in pm.instruments) == 0

    assert read_midi_notes(path) == []


def test_read_midi_notes_merges_tracks_and_channels_and_applies_the_tempo_map(tmp_path):
    """A type-1 file written with mido: two tracks, two channels, a tempo change half way."""
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    conductor = mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120), time=0),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(60), time=960),  # after 1 s
    ])
    piano = mido.MidiTrack([
        mido.Message("note_on", channel=0, note=60, velocity=90, time=0),
        mido.Message("note_off", channel=0, note=60, velocity=0, time=960),  # 2 beats at 120 = 1 s
    ])
    strings = mido.MidiTrack([
        mido.Message("note_on", channel=1, note=60, velocity=50, time=960),  # starts at 1 s
        mido.Message("note_on", channel=1, note=60, velocity=0, time=480),  # 1 beat at 60 = 1 s
    ])
    mid.tracks.extend([conductor, piano, strings])
    path = tmp_path / "ensemble.mid"
    mid.save(str(path))

    notes = read_midi_notes(path)

    assert [(n.pitch, n.velocity) for n in notes] == [(60, 90), (60, 50)]
    assert [(n.start_s, n.end_s) for n in notes] == [pytest.approx((0.0, 1.0)), pytest.approx((1.0, 2.0))]
