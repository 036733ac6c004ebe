"""Notes to and from Standard MIDI Files, with mido."""

from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path

import mido

from tunescribe.notes import Note

TICKS_PER_BEAT = 480


def write_midi(notes: list[Note], path: str | Path, *, program: int = 0, tempo_bpm: float = 120.0) -> None:
    """One track, one instrument (General MIDI `program`), a tempo event, the notes with velocities."""
    tempo = mido.bpm2tempo(tempo_bpm)
    events = []  # (tick, order, message): note-offs before note-ons at the same tick
    for n in notes:
        on = round(mido.second2tick(n.start_s, TICKS_PER_BEAT, tempo))
        off = max(on + 1, round(mido.second2tick(n.end_s, TICKS_PER_BEAT, tempo)))
        events.append((on, 1, mido.Message("note_on", note=n.pitch, velocity=n.velocity)))
        events.append((off, 0, mido.Message("note_off", note=n.pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1], e[2].note))
    track = mido.MidiTrack([
        mido.MetaMessage("track_name", name="Transcription", time=0),
        mido.MetaMessage("set_tempo", tempo=tempo, time=0),
        mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0),
        mido.Message("program_change", program=program, time=0),
    ])
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
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
