"""A score-aligned MIDI file: the quantized notes on the beat grid, with a tempo map that makes
playback follow the original recording's timing (one tempo per beat)."""

from __future__ import annotations

from pathlib import Path

import mido

from tunescribe.midi import TICKS_PER_BEAT  # ticks per quarter note
from tunescribe.notation.key import Key
from tunescribe.notation.score import ScoreResult


def _mido_key(key: Key) -> str:
    name = key.tonic_name.replace("-", "b")
    return name + ("m" if key.mode == "minor" else "")


def write_score_midi(result: ScoreResult, path: str | Path, *, program: int = 0) -> Path:
    """Type 1 MIDI: track 0 holds the time and key signatures (each again where it changes) and a
    tempo event on every beat; then one track per staff (General MIDI `program`), the sustain pedal
    (CC64) on the last. MIDI time 0 is the first downbeat, `result.grid.beats_s[0]` seconds into the
    recording (slightly negative when the music starts with a pickup, whose leading rests fall
    before the recording starts); each piece of a medley follows the last, its last beat lasting
    to the next one's first downbeat."""
    conductor, events = [], []  # at tick 0; timed (tick, message)
    notes = [[] for _ in result.staves]
    offset, meter, fifths = 0, None, None
    for j, p in enumerate(result.passages):
        grid = p.grid
        quarter = grid.beat_quarters
        ticks_per_beat = TICKS_PER_BEAT * quarter  # per tactus beat
        bar = grid.beats_per_bar
        n_beats = p.n_measures * bar
        seconds = grid.to_seconds(range(n_beats + 1))
        if j + 1 < len(result.passages):
            seconds[-1] = max(seconds[-2], result.passages[j + 1].grid.beats_s[0])
        keys = {(m - p.measure) * bar: key for m, key in p.keys}
        for i in range(n_beats):
            tick = offset + round(i * ticks_per_beat)
            signatures = []
            if i == 0 and grid.meter != meter:
                numerator, denominator = (int(x) for x in grid.meter.split("/"))
                signatures.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))
                meter = grid.meter
            if i in keys and keys[i].fifths != fifths:
                signatures.append(mido.MetaMessage("key_signature", key=_mido_key(keys[i])))
                fifths = keys[i].fifths
            if tick == 0:
                conductor += [m.copy(time=0) for m in signatures]
            else:
                events += [(tick, m) for m in signatures]
            us_per_quarter = max(1, round((seconds[i + 1] - seconds[i]) / quarter * 1e6))
            events.append((tick, mido.MetaMessage("set_tempo", tempo=min(us_per_quarter, 0xFFFFFF))))
        for k, staff in enumerate(p.staves):
            for voice in staff.voices:
                for q in voice:
                    on = offset + round(q.start * ticks_per_beat)
                    off = max(on + 1, offset + round(q.end * ticks_per_beat))
                    notes[k].append((on, 1, mido.Message("note_on", note=q.pitch, velocity=q.velocity)))
                    notes[k].append((off, 0, mido.Message("note_off", note=q.pitch, velocity=0)))
        offset += round(n_beats * ticks_per_beat)
    tracks = [_track(conductor, events, "Tempo")]
    for k, timed in enumerate(notes):
        if k == len(notes) - 1:  # the sustain pedal, with the lowest staff as in the score
            for start_q, end_q in result.pedal_q:
                down = max(0, round(start_q * TICKS_PER_BEAT))
                up = max(down + 1, round(end_q * TICKS_PER_BEAT))
                timed.append((down, 0, mido.Message("control_change", control=64, value=127)))
                timed.append((up, 0, mido.Message("control_change", control=64, value=0)))
        timed.sort(key=lambda e: (e[0], e[1], getattr(e[2], "note", -1)))
        head = [mido.MetaMessage("track_name", name=f"Staff {k + 1}", time=0),
                mido.Message("program_change", program=program, time=0)]
        tracks.append(_track(head, [(t, m) for t, _, m in timed], f"Staff {k + 1}"))
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    mid.tracks.extend(tracks)
    mid.save(str(path))
    return Path(path)


def _track(head, timed, name) -> mido.MidiTrack:
    """Messages at absolute ticks -> a track with delta times, after `head` (at tick 0). Each message
    is made for its one place here, so its time is set in place (a copy would check it again)."""
    track = mido.MidiTrack(head)
    now = 0
    for tick, msg in timed:
        msg.time = tick - now
        track.append(msg)
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track
