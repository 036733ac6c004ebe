"""Scores to performances: a work's quarter-note parts played with rubato, articulation and
dynamics by players who are not exactly together, keyboard material generated where the corpus
lacks it, instruments chosen for an ensemble, and a window of at most MAX_WINDOW_S seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from services.trainer.render import INSTRUMENTS, Instrument, Part
from services.trainer.works import bars_of, score_parts
from tunescribe.notes import Note

MAX_WINDOW_S = 90.0
SCALES = ([0, 2, 4, 5, 7, 9, 11], [0, 2, 3, 5, 7, 8, 10], list(range(12)))  # major, minor, chromatic


@dataclass(frozen=True)
class Rubato:
    """A performance's timing: score time (quarter notes) -> seconds, a tempo that swells and
    relaxes sinusoidally (by up to 8 %) around a base tempo."""
    seconds_per_quarter: float
    amplitude: float  # relative tempo deviation
    period_q: float  # quarter notes per swing
    phase: float  # radians

    def seconds(self, q):
        """Quarter-note position(s) -> seconds from the performance's start (q = 0 at 0 s)."""
        spq, amp, period, phase = self.seconds_per_quarter, self.amplitude, self.period_q, self.phase
        return spq * (q - amp * period / (2 * np.pi) * (np.cos(2 * np.pi * q / period + phase) - np.cos(phase)))


def draw_rubato(parts: list[list[tuple[float, float, int]]], rng: np.random.Generator) -> Rubato:
    """A base tempo of 55-130 BPM (slower when the score's short notes would go under 90 ms) and a swing."""
    all_ql = [d for p in parts for _, d, _ in p]
    shortest = np.percentile(all_ql, 10) if all_ql else 1.0
    bpm = rng.uniform(55, 130)
    bpm = min(bpm, 60 * shortest / 0.09)  # keep the fast notes playable (>= 90 ms)
    amp, period, phase = rng.uniform(0, 0.08), rng.uniform(8, 32), rng.uniform(0, 2 * np.pi)
    return Rubato(60.0 / bpm, float(amp), float(period), float(phase))


def perform(parts: list[list[tuple[float, float, int]]], rng: np.random.Generator,
            rubato: Rubato | None = None, downbeats=()) -> list[list[Note]]:
    """Quarter-note parts -> notes in seconds (one per score note, in the same order), played with
    rubato, articulation, uneven dynamics and players who are not exactly together, a little
    louder on the bars' first beats (`downbeats`, quarter-note offsets)."""
    seconds = (rubato or draw_rubato(parts, rng)).seconds
    stressed = {round(float(x), 3) for x in downbeats}
    performed = []
    for part in parts:
        phrase_len = rng.choice([4.0, 8.0])
        n_phrases = int(max(q for q, _, _ in part) // phrase_len) + 2
        dynamics = np.clip(80 + np.cumsum(rng.normal(0, 10, n_phrases)), 40, 118)
        legato = rng.random(n_phrases) < 0.6
        ratio = np.where(legato, rng.uniform(0.93, 1.02, n_phrases), rng.uniform(0.5, 0.85, n_phrases))
        jitter = rng.uniform(0.0, 0.015)
        notes = []
        for q, d, pitch in part:
            ph = int(q // phrase_len)
            start = max(0.0, seconds(q) + rng.normal(0, jitter))
            end = start + max(0.05, (seconds(q + d) - seconds(q)) * ratio[ph])
            vel = int(np.clip(dynamics[ph] + rng.normal(0, 8) + (6 if round(q, 3) in stressed else 0), 15, 127))
            notes.append(Note(pitch, start, end, vel))
        performed.append(notes)
    return performed


def generated_keyboard(rng: np.random.Generator, seconds: float = 60.0) -> list[list[Note]]:
    """Scales, arpeggios and chords across all 88 keys, for the keyboard music the corpus lacks."""
    right, left, t = [], [], 0.0
    while t < seconds:
        kind = rng.choice(["scale", "arpeggio", "chords", "melody_chords"])
        root = int(rng.integers(21, 100))
        step = rng.uniform(0.07, 0.3)
        vel = int(rng.integers(35, 120))
        mode = SCALES[rng.integers(len(SCALES))]
        if kind == "scale":
            n = int(rng.integers(8, 25))
            degrees = np.arange(n) if rng.random() < 0.5 else np.arange(n)[::-1]
            for i, dgr in enumerate(degrees):
                pitch = root + 12 * (dgr // len(mode)) + mode[dgr % len(mode)]
                if 21 <= pitch <= 108:
                    right.append(Note(pitch, t + i * step, t + (i + rng.uniform(0.8, 1.0)) * step, vel))
            t += n * step
        elif kind == "arpeggio":
            chord = [0, 4, 7] if rng.random() < 0.5 else [0, 3, 7, 10]
            n = int(rng.integers(6, 20))
            for i in range(n):
                pitch = root + 12 * (i // len(chord)) + chord[i % len(chord)]
                if 21 <= pitch <= 108:
                    left.append(Note(pitch, t + i * step, t + i * step + rng.uniform(step, 4 * step), vel))
            t += n * step
        else:
            for _ in range(int(rng.integers(2, 8))):
                dur = rng.uniform(0.15, 1.2)
                size = int(rng.integers(2, 7))
                pitches = set(int(p) for p in rng.integers(21, 109, size)) if rng.random() < 0.3 else {
                    root + int(x) for x in rng.choice([0, 3, 4, 7, 10, 12, 16, 19, 24], size, replace=False)}
                for p in pitches:
                    if 21 <= p <= 108:
                        left.append(Note(p, t, t + dur * rng.uniform(0.6, 1.0), int(np.clip(vel + rng.normal(0, 10), 10, 127))))
                if kind == "melody_chords":
                    for i in range(int(rng.integers(1, 4))):
                        p = int(rng.integers(60, 100))
                        s = t + i * dur / 3
                        right.append(Note(p, s, s + dur / 3, vel))
                t += dur
        t += rng.uniform(0.0, 0.5)
    return [right, left]


def assign_instruments(parts: list[list[Note]], kind: str, rng: np.random.Generator) -> list[Part]:
    """Choose an instrument per part for the ensemble kind and move each part by octaves into its range."""
    order = np.argsort([-np.median([n.pitch for n in p]) for p in parts])  # highest part first
    keyboard = INSTRUMENTS[rng.choice(["piano"] * 8 + ["harpsichord", "organ"])]
    melodic = ["violin", "flute", "clarinet", "oboe", "alto_sax", "tenor_sax", "cello", "bassoon",
               "french_horn", "trumpet", "viola", "choir", "trombone"]
    out = []
    for rank, idx in enumerate(order):
        if kind == "keyboard":
            inst = keyboard
        elif kind == "strings":
            inst = INSTRUMENTS[["violin", "violin", "viola", "cello", "contrabass"][min(rank, 4) if rank < len(order) - 1 or rank < 3 else 3]]
        elif kind == "melody":
            inst = INSTRUMENTS[rng.choice(melodic)]
        else:
            median = np.median([n.pitch for n in parts[idx]])
            fits = [i for i in INSTRUMENTS.values() if i.low + 4 <= median <= i.high - 6 and i.name != "organ"]
            inst = fits[rng.integers(len(fits))] if fits else keyboard
        out.append(Part(inst, _fit_range(parts[idx], inst)))
    return out


def _fit_range(notes: list[Note], inst: Instrument) -> list[Note]:
    median = float(np.median([n.pitch for n in notes]))
    shift = 0
    while median + shift > inst.high - 6:
        shift -= 12
    while median + shift < inst.low + 4:
        shift += 12
    return [Note(n.pitch + shift, n.start_s, n.end_s, n.velocity) for n in notes if 21 <= n.pitch + shift <= 108]


def window(parts: list[list[Note]], rng: np.random.Generator) -> tuple[list[list[Note]], float]:
    """At most MAX_WINDOW_S of the performance, and where it starts (seconds)."""
    end = max(n.end_s for p in parts for n in p)
    if end <= MAX_WINDOW_S:
        return parts, 0.0
    t0 = float(rng.uniform(0, end - MAX_WINDOW_S))
    return [[Note(n.pitch, n.start_s - t0, n.end_s - t0, n.velocity) for n in p if t0 <= n.start_s < t0 + MAX_WINDOW_S - 1]
            for p in parts], t0


@dataclass
class Excerpt:
    """A corpus work performed, transposed and windowed."""

    kind: str  # ensemble kind
    parts: list[list[Note]]  # the performed notes, seconds from the window's start
    meta: dict  # what <id>.score.json holds but "notes": work, transpose, window_start_s, rubato
    places: dict[tuple, list]  # _score_key(note) -> [onset (quarters), duration (quarters), part]

    def true_score(self, notes: list[Note]) -> dict:
        """The contents of <id>.score.json for these performed notes (in this order, each moved by
        octaves or not): `meta` and, per note, its place in the score."""
        return {**self.meta, "notes": [self.places[_score_key(n)] for n in notes]}


def perform_excerpt(work: str, kind: str | None, rng: np.random.Generator) -> Excerpt | None:
    """A corpus work performed and windowed (ensemble `kind`, else one drawn for its number of
    parts); None for an empty score."""
    quarters = score_parts(work)
    if not quarters:
        return None
    kind = kind or (rng.choice(["melody", "melody", "keyboard"]) if len(quarters) == 1
                    else rng.choice(["keyboard", "strings", "mixed", "mixed"]))
    shift = int(rng.integers(-3, 4))
    rubato = draw_rubato(quarters, rng)
    performed = perform(quarters, rng, rubato, [b.start for b in bars_of(work) if b.pad == 0])
    parts = [[Note(n.pitch + shift, n.start_s, n.end_s, n.velocity) for n in p] for p in performed]
    parts, t0 = window(parts, rng)
    places = {_score_key(Note(n.pitch + shift, n.start_s - t0, n.end_s - t0, n.velocity)): [q, d, i]
              for i, (part_q, part_n) in enumerate(zip(quarters, performed))
              for (q, d, _), n in zip(part_q, part_n)}
    meta = {"work": work, "transpose": shift, "window_start_s": t0, "rubato": asdict(rubato)}
    return Excerpt(str(kind), [p for p in parts if p], meta, places)


def _score_key(note: Note) -> tuple:
    """Identifies a performed note through windowing and octave moves (its times and velocity are
    drawn at random, so they are unique; the pitch class survives a move into an instrument's range)."""
    return note.start_s, note.end_s, note.velocity, note.pitch % 12
