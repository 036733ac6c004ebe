"""Notes (and the sustain pedal, CC64) to and from Standard MIDI Files, with mido."""

from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path

import mido

from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan, spans_from_cc

SUSTAIN = 64  # the sustain pedal's MIDI controller

TICKS_PER_BEAT = 480


def write_midi(notes: list[Note], path: str | Path, *, program: int = 0, tempo_bpm: float = 120.0,
               pedal: list[PedalSpan] = ()) -> None:
    """One track, one instrument (General MIDI `program`), a tempo event, the notes (end_s: key
    release) with velocities and the sustain `pedal`: CC64 at each span's start (its depth x 127,
    at least 64) and 0 at its end."""
    tempo = mido.bpm2tempo(tempo_bpm)

    def tick(seconds: float) -> int:
        return round(mido.second2tick(seconds, TICKS_PER_BEAT, tempo))

    events = []  # (tick, order, key, message): pedal up, note-offs, pedal down, note-ons at one tick
    for n in notes:
        on = tick(n.start_s)
        events.append((on, 3, n.pitch, mido.Message("note_on", note=n.pitch, velocity=n.velocity)))
        events.append((max(on + 1, tick(n.end_s)), 1, n.pitch, mido.Message("note_off", note=n.pitch, velocity=0)))
    for p in pedal:
        down = tick(p.start_s)
        value = min(127, max(SUSTAIN, round(p.depth * 127)))
        events.append((down, 2, 0, mido.Message("control_change", control=SUSTAIN, value=value)))
        events.append((max(down + 1, tick(p.end_s)), 0, 0, mido.Message("control_change", control=SUSTAIN, value=0)))
    events.sort(key=lambda e: e[:3])
    track = mido.MidiTrack([
        mido.MetaMessage("track_name", name="Transcription", time=0),
        mido.MetaMessage("set_tempo", tempo=tempo, time=0),
        mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0),
        mido.Message("program_change", program=program, time=0),
    ])
    now = 0
    for at, _, _, msg in events:
        track.append(msg.copy(time=at - now))
        now = at
    track.append(mido.MetaMessage("end_of_track", time=0))
    mid = mido.MidiFile(type=0, ticks_per_beat=TICKS_PER_BEAT)
    mid.tracks.append(track)
    mid.save(str(path))


def read_midi_notes(path: str | Path) -> list[Note]:
    """Every note of every track and channel, merged, in seconds (the tempo map applied)."""
    pending: dict[tuple[int, int], deque] = defaultdict(deque)
    notes: list[Note] = []
    now = 0.0
    for msg in mido.MidiFile(str(path)):
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            pending[(msg.channel, msg.note)].append((now, msg.velocity))
        elif msg.type in ("note_off", "note_on"):
            queue = pending[(msg.channel, msg.note)]
            if queue:
                start, velocity = queue.popleft()
                notes.append(Note(msg.note, start, max(now, start), velocity))
    notes.sort(key=lambda n: (n.start_s, n.pitch))
    return notes


def read_midi_pedal(path: str | Path) -> list[PedalSpan]:
    """The sustain pedal of a MIDI file (CC64 of every track and channel, merged), as spans in seconds."""
    events, now = [], 0.0
    for msg in mido.MidiFile(str(path)):
        now += msg.time
        if msg.type == "control_change" and msg.control == SUSTAIN:
            events.append((now, msg.value))
    return spans_from_cc(events)
