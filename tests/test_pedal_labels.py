"""The sustain pedal's labels from MIDI: CC64 read back as spans, and the notes as they sound under
them (key release kept as end_s, the sounding end the later of it and the pedal's release, cut at
the key's next strike), checked by hand against a MIDI file written event by event with mido."""

from __future__ import annotations

import mido
import pytest

from tunescribe.midi import read_midi_notes, read_midi_pedal, write_midi
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan, sounding

TICKS, BEAT_S = 480, 0.5  # 120 BPM


def _hand_made(path):
    """(seconds, message) written by hand; times are multiples of a sixteenth (0.125 s)."""
    at = [
        (0.0, mido.Message("note_on", note=60, velocity=80)),  # C4: released under the pedal, struck again
        (0.0, mido.Message("note_on", note=64, velocity=70)),  # E4: held past the pedal's release
        (0.25, mido.Message("control_change", control=64, value=127)),  # pedal down
        (0.5, mido.Message("note_off", note=60, velocity=0)),
        (1.0, mido.Message("note_on", note=60, velocity=60)),  # C4 again, while the first still sounds
        (1.25, mido.Message("note_on", note=60, velocity=0)),  # (a note-on of velocity 0 releases)
        (2.0, mido.Message("control_change", control=64, value=0)),  # pedal up
        (2.5, mido.Message("note_off", note=64, velocity=0)),
        (2.75, mido.Message("control_change", control=64, value=30)),  # too light to lift the dampers
        (2.875, mido.Message("control_change", control=64, value=0)),
        (3.0, mido.Message("note_on", note=67, velocity=50)),  # G4 under a half pedal
        (3.25, mido.Message("control_change", control=64, value=80)),
        (3.5, mido.Message("note_off", note=67, velocity=0)),
        (4.0, mido.Message("control_change", control=64, value=0)),
        (4.5, mido.Message("note_on", note=69, velocity=90)),  # A4 without pedal
        (5.0, mido.Message("note_off", note=69, velocity=0)),
    ]
    track, now = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120))]), 0
    for t, msg in at:
        tick = round(t / BEAT_S * TICKS)
        track.append(msg.copy(time=tick - now))
        now = tick
    mid = mido.MidiFile(ticks_per_beat=TICKS)
    mid.tracks.append(track)
    mid.save(str(path))
    return path


def test_cc64_reads_back_as_pedal_spans_with_their_depth(tmp_path):
    spans = read_midi_pedal(_hand_made(tmp_path / "hand.mid"))
    assert spans == [PedalSpan(0.25, 2.0, 1.0), PedalSpan(3.25, 4.0, pytest.approx(80 / 127))]


def test_notes_keep_their_key_release_and_sound_until_the_pedal_lets_go(tmp_path):
    path = _hand_made(tmp_path / "hand.mid")
    notes = read_midi_notes(path)
    assert [(n.pitch, n.start_s, n.end_s) for n in notes] == [
        (60, 0.0, 0.5), (64, 0.0, 2.5), (60, 1.0, 1.25), (67, 3.0, 3.5), (69, 4.5, 5.0)]
    heard = {(n.pitch, n.start_s): n.end_s for n in sounding(notes, read_midi_pedal(path))}
    assert heard == {
        (60, 0.0): 1.0,  # the pedal would hold it to 2.0, but its key is struck again at 1.0
        (64, 0.0): 2.5,  # released after the pedal came up: its own release
        (60, 1.0): 2.0,  # released under the pedal: until the pedal comes up
        (67, 3.0): 4.0,  # a half pedal holds it too
        (69, 4.5): 5.0,  # no pedal
    }


def test_write_midi_carries_the_pedal_as_cc64(tmp_path):
    notes = [Note(60, 0.0, 0.5, 80), Note(60, 1.0, 1.25, 60)]
    pedal = [PedalSpan(0.25, 2.0, 1.0), PedalSpan(3.25, 4.0, 0.6)]
    write_midi(notes, tmp_path / "out.mid", pedal=pedal)
    assert read_midi_notes(tmp_path / "out.mid") == notes
    back = read_midi_pedal(tmp_path / "out.mid")
    assert [(p.start_s, p.end_s) for p in back] == [(0.25, 2.0), (3.25, 4.0)]
    assert [round(p.depth * 127) for p in back] == [127, 76]  # the depth as the controller's value
    assert read_midi_pedal(_write_plain(tmp_path / "plain.mid", notes)) == []


def _write_plain(path, notes):
    write_midi(notes, path)
    return path
