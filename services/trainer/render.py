"""Expressive rendering of parts with FluidSynth, one stem per part, and labels that follow the sound.

A part is played the way a person would: phrase dynamics and uneven velocities, legato or detached
articulation, and on strings and winds vibrato (pitch bend), modulation and expression swells with
dips at bow changes. Each part is rendered alone so that every note's onset label can be moved to
where its pitch is actually established in that stem (a bowed or blown note speaks tens of
milliseconds after the synthesizer's note-on), which is where a listener would annotate it.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import fluidsynth
import librosa
import numpy as np

from tunescribe.constants import SAMPLE_RATE
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan

# Debian's General MIDI soundfonts. Never the MuseScore General family (MuseScore_General*.sf3),
# nor any Salamander Grand Piano sample set: both are kept for evaluation.
SOUNDFONTS = {
    "fluidr3_gm": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "fluidr3_gs": "/usr/share/sounds/sf2/FluidR3_GS.sf2",
    "fluidr3mono_gm": "/usr/share/sounds/sf3/FluidR3Mono_GM.sf3",
    "timgm6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "csound_gm": "/usr/share/sounds/sf2/sf_GMbank.sf2",
}


# float output: the library's 16-bit writer dithers with state carried from call to call, which
# would make a rendition depend on what the process rendered before it
_write_float = fluidsynth.cfunc(
    "fluid_synth_write_float", ctypes.c_int, ("synth", ctypes.c_void_p, 1), ("len", ctypes.c_int, 1),
    ("lbuf", ctypes.c_void_p, 1), ("loff", ctypes.c_int, 1), ("lincr", ctypes.c_int, 1),
    ("rbuf", ctypes.c_void_p, 1), ("roff", ctypes.c_int, 1), ("rincr", ctypes.c_int, 1),
)


FLUID_BLOCK = 64  # frames FluidSynth renders between applying events (FLUID_BUFSIZE)


@dataclass(frozen=True)
class Instrument:
    name: str
    program: int  # General MIDI
    low: int  # comfortable MIDI range
    high: int
    sustained: bool  # bowed or blown: gets vibrato, swells and a speaking delay
    bank: int = 0  # soundfont bank of the preset (0: General MIDI)


INSTRUMENTS = {i.name: i for i in [
    Instrument("piano", 0, 21, 108, False),
    Instrument("harpsichord", 6, 29, 89, False),
    Instrument("violin", 40, 55, 100, True),
    Instrument("viola", 41, 48, 88, True),
    Instrument("cello", 42, 36, 76, True),
    Instrument("contrabass", 43, 28, 60, True),
    Instrument("clarinet", 71, 50, 91, True),
    Instrument("bassoon", 70, 34, 75, True),
    Instrument("oboe", 68, 58, 91, True),
    Instrument("flute", 73, 60, 96, True),
    Instrument("french_horn", 60, 34, 77, True),
    # beyond MusicNet's list: more reeds, brass and voice-like timbres
    Instrument("alto_sax", 65, 49, 81, True),
    Instrument("tenor_sax", 66, 44, 76, True),
    Instrument("trumpet", 56, 54, 82, True),
    Instrument("trombone", 57, 40, 72, True),
    Instrument("choir", 52, 40, 81, True),
    Instrument("organ", 19, 24, 96, False),
]}

# Every acoustic piano preset of SOUNDFONTS, (soundfont, bank, GM program): the grand, bright and
# electric grand and honky-tonk of each General MIDI set, FluidR3 Mono's mellow grand and the
# Csound set's own acoustic pianos. FluidR3_GS holds only sound effects.
PIANOS = [
    *[(font, 0, program) for font in ("fluidr3_gm", "fluidr3mono_gm", "timgm6mb", "csound_gm") for program in range(4)],
    ("fluidr3mono_gm", 8, 0),
    *[("csound_gm", 127, program) for program in range(3)],
]


def piano(bank: int, program: int) -> Instrument:
    """The piano of one preset (the keyboard's whole range)."""
    return Instrument("piano", program, 21, 108, False, bank)


@dataclass
class Part:
    instrument: Instrument
    notes: list[Note]  # performance time, seconds; a note's end is its key release
    pedal: list[PedalSpan] = field(default_factory=list)  # sustain pedal down (CC64), seconds
    detune_cents: float = 0.0  # the whole part's tuning, as a pitch bend


def _bend(cents: float) -> int:
    """Cents -> a pitch-bend offset at the default bend range of two semitones."""
    return int(round(cents / 200 * 8192))


class Renderer:
    """Loads every soundfont once per process and renders parts to mono float32 stems."""

    def __init__(self):
        self.synth = fluidsynth.Synth(gain=0.4, samplerate=SAMPLE_RATE, **{
            "synth.reverb.active": 0, "synth.chorus.active": 0, "synth.polyphony": 256,
        })
        self.sfids = {name: self.synth.sfload(path) for name, path in SOUNDFONTS.items()}
        self._channel = 0
        self._frames = 0  # rendered since loading

    def reset(self) -> None:
        """Back to the state just after loading, so that a rendition does not depend on what the
        process rendered before it (the corpus is the same whichever worker renders which job):
        every channel's program and controllers reset, no voice sounding, parts again from
        channel 1, and the synthesizer's clock on a block boundary (it applies events at block
        starts, so a clock mid-block would move every note by up to a block)."""
        self.synth.system_reset()
        self._channel = 0
        self._write(-self._frames % FLUID_BLOCK)

    def _write(self, n: int) -> np.ndarray:
        """The next n frames of the synthesizer as mono float32."""
        self._frames += n
        buf = np.empty(2 * n, np.float32)
        _write_float(self.synth.synth, n, buf.ctypes.data, 0, 2, buf.ctypes.data, 1, 2)
        return buf.reshape(-1, 2).mean(axis=1)

    def render_part(self, part: Part, soundfont: str, rng: np.random.Generator, tail_s: float = 1.5) -> np.ndarray:
        """One part alone -> mono float32 at SAMPLE_RATE, starting at time 0."""
        ch = self._channel = (self._channel + 1) % 16
        if ch == 9:  # General MIDI drums
            ch = self._channel = 10
        s = self.synth
        inst = part.instrument
        if s.program_select(ch, self.sfids[soundfont], inst.bank, inst.program) != 0:
            s.program_select(ch, self.sfids["fluidr3_gm"], 0, inst.program)
        s.cc(ch, 121, 0)  # reset controllers
        tuning = _bend(part.detune_cents)
        s.pitch_bend(ch, tuning)
        s.cc(ch, 7, 100)
        s.cc(ch, 1, int(rng.integers(0, 40)) if part.instrument.sustained else 0)
        events = _performance_events(part, rng)
        end_s = max([n.end_s for n in part.notes] + [p.end_s for p in part.pedal], default=0.0) + tail_s
        chunks, cursor = [], 0
        for t, kind, a, b in events:
            target = int(t * SAMPLE_RATE)
            if target > cursor:
                chunks.append(self._write(target - cursor))
                cursor = target
            if kind == 0:
                s.noteoff(ch, a)
            elif kind == 1:
                s.noteon(ch, a, b)
            elif kind == 2:
                s.cc(ch, a, b)
            else:
                s.pitch_bend(ch, a + tuning)
        total = int(end_s * SAMPLE_RATE)
        if total > cursor:
            chunks.append(self._write(total - cursor))
        s.all_sounds_off(ch)
        self._write(256)
        return np.concatenate(chunks) if chunks else np.zeros(1, np.float32)


def _performance_events(part: Part, rng: np.random.Generator) -> list[tuple[float, int, int, int]]:
    """(time_s, kind, a, b) with kind 0 note-off, 1 note-on, 2 controller, 3 pitch bend; the pedal
    as CC64 at its spans' ends (0) and starts (the span's depth x 127; FluidSynth holds the
    dampers off from 64 on, so it sounds a half pedal as a full one)."""
    events = []
    for p in part.pedal:
        events.append((p.start_s, 2, 64, int(np.clip(round(p.depth * 127), 64, 127))))
        events.append((p.end_s, 2, 64, 0))
    sustained = part.instrument.sustained
    rate, depth_cents = rng.uniform(4.5, 6.5), rng.uniform(8, 35)
    for n in part.notes:
        events.append((n.start_s, 1, n.pitch, n.velocity))
        events.append((n.end_s, 0, n.pitch, 0))
        if not sustained:
            continue
        dur = n.end_s - n.start_s
        # expression: a dip at the start (bow change, breath), a swell, a taper
        peak = rng.uniform(0.4, 0.7)
        low, top = rng.uniform(0.45, 0.85), rng.uniform(0.85, 1.0)
        for x in np.linspace(0, 1, max(2, int(dur * 20))):
            level = low + (top - low) * (x / peak if x < peak else 1 - 0.3 * (x - peak) / (1 - peak))
            events.append((n.start_s + x * dur, 2, 11, int(np.clip(level * 127, 1, 127))))
        # vibrato after a short delay, on longer notes only
        delay = rng.uniform(0.08, 0.3)
        if dur > delay + 0.1 and rng.random() < 0.85:
            phase = rng.uniform(0, 2 * np.pi)
            for t in np.arange(n.start_s + delay, n.end_s, 0.02):
                ramp = min(1.0, (t - n.start_s - delay) / 0.2)
                cents = depth_cents * ramp * np.sin(2 * np.pi * rate * (t - n.start_s) + phase)
                events.append((t, 3, int(cents / 200 * 8192), 0))
            events.append((n.end_s, 3, 0, 0))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


ESTABLISHED = 0.35  # of the early peak magnitude (-9 dB): audible and clearly pitched; a prior, not tuned


def speaking_delays(stem: np.ndarray, notes: list[Note], *, max_shift_s: float = 0.12) -> np.ndarray:
    """Seconds from each note's note-on to where its pitch is established in the stem.

    Established: the first moment the magnitude at the note's first three harmonics reaches
    ESTABLISHED of its maximum over the note's first 250 ms. Piano notes get about zero; slow bows and reeds more.
    """
    hop, n_fft = 128, 2048
    mag = np.abs(librosa.stft(stem, n_fft=n_fft, hop_length=hop, center=True))
    freqs = librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=n_fft)
    shifts = np.zeros(len(notes))
    for i, n in enumerate(notes):
        f0 = 440.0 * 2 ** ((n.pitch - 69) / 12)
        bins = [np.flatnonzero(np.abs(freqs - h * f0) <= max(0.03 * h * f0, 8.0))
                for h in (1, 2, 3) if h * f0 < SAMPLE_RATE / 2 - 200]
        bins = [b for b in bins if b.size]
        if not bins:
            continue
        a = int(n.start_s * SAMPLE_RATE / hop)
        b = int(min(n.end_s, n.start_s + 0.25) * SAMPLE_RATE / hop) + 1
        if b - a < 3 or b > mag.shape[1]:
            continue
        energy = sum(mag[bb, a:b].max(axis=0) for bb in bins)
        reached = np.flatnonzero(energy >= ESTABLISHED * energy.max())
        shifts[i] = min(reached[0] * hop / SAMPLE_RATE, max_shift_s) if reached.size else 0.0
    return shifts
