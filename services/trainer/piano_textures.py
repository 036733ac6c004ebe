"""Generated piano music over all 88 keys, in score time (quarter notes): a harmonic progression
played in the textures a pianist meets — block chords, Alberti and stride basses, octaves,
arpeggios, fast scales, repeated notes, trills, hands crossing — in registers from A0 to C8."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.trainer.perform import SCALES

LOWEST, HIGHEST = 21, 108  # A0, C8
TEXTURES = ("chords", "alberti", "stride", "octaves", "arpeggio", "scale", "repeated", "trill", "crossing")


@dataclass(frozen=True)
class ScoreNote:
    onset_q: float  # quarter notes from the start
    duration_q: float
    pitch: int  # MIDI
    melody: bool  # the tune, voiced above its accompaniment


@dataclass
class PianoScore:
    notes: list[ScoreNote]
    changes: list[float]  # quarter notes where the harmony changes (where a pianist changes the pedal)
    bars: list[float]  # quarter notes where bars start
    source: str  # the corpus work, or "generated: " and the textures in order


@dataclass(frozen=True)
class Harmony:
    onset_q: float
    length_q: float
    tones: tuple[int, ...]  # pitch classes (semitones above C), root first


def _harmonies(rng: np.random.Generator, start_q: float, bars: int, beats: int) -> list[Harmony]:
    """A progression in a random key: one or two harmonies a bar, triads and sevenths on the degrees."""
    tonic, mode = int(rng.integers(12)), SCALES[int(rng.random() < 0.35)]
    per_bar = int(rng.choice([1, 2])) if beats % 2 == 0 else 1
    length, out = beats / per_bar, []
    for i in range(bars * per_bar):
        degree = 0 if i == 0 else int(rng.choice([0, 1, 3, 4, 4, 5, 2]))
        size = 4 if rng.random() < 0.3 else 3
        tones = tuple((tonic + mode[(degree + 2 * k) % 7]) % 12 for k in range(size))
        out.append(Harmony(start_q + i * length, length, tones))
    return out


def _chord_tones(h: Harmony, low: int, high: int) -> list[int]:
    """Every key in [low, high] (clipped to the keyboard) whose pitch class is in the harmony."""
    return [p for p in range(max(low, LOWEST), min(high, HIGHEST) + 1) if p % 12 in h.tones]


def _nearest(h: Harmony, target: float) -> int:
    """The harmony's key nearest to `target` (MIDI)."""
    target = float(np.clip(target, LOWEST + 6, HIGHEST - 6))
    return min(_chord_tones(h, int(target) - 7, int(target) + 7), key=lambda p: abs(p - target))


def _melody(rng, h: Harmony, center: float, step_q: float) -> list[ScoreNote]:
    """A tune over one harmony: chord tones on its first beat, steps and leaps between."""
    notes, q, p = [], h.onset_q, _nearest(h, center)
    while q < h.onset_q + h.length_q - 1e-6:
        d = min(step_q * float(rng.choice([1, 1, 2])), h.onset_q + h.length_q - q)
        notes.append(ScoreNote(q, d, int(np.clip(p, LOWEST, HIGHEST)), True))
        p += int(rng.choice([-2, -1, 1, 2, -3, 4, 0]))
        q += d
    return notes


def _bass(h: Harmony, center: float) -> int:
    return min((p for p in range(LOWEST, HIGHEST + 1) if p % 12 == h.tones[0]), key=lambda p: abs(p - center))


def _texture(kind: str, rng, h: Harmony, rh: float, lh: float, beats: int) -> list[ScoreNote]:
    """One harmony in one texture; `rh` and `lh` are the hands' registers (MIDI, their centres)."""
    q0, length, n = h.onset_q, h.length_q, []
    fast = float(rng.choice([0.25, 0.5])) if kind not in ("scale", "trill") else float(rng.choice([0.25, 1 / 6, 0.125]))
    acc = lambda p, q, d: ScoreNote(q, d, int(p), False)  # noqa: E731 (an accompaniment note)
    if kind == "chords":  # dense block chords in both hands, the top voice the tune
        every = float(rng.choice([1.0, 2.0, length]))
        for q in np.arange(q0, q0 + length - 1e-6, every):
            top = _chord_tones(h, int(rh) - 10, int(rh) + 4)[-4:]
            n += [acc(p, q, every) for p in top[:-1]] + [ScoreNote(q, every, top[-1], True)]
            n += [acc(p, q, every) for p in _chord_tones(h, int(lh) - 6, int(lh) + 8)[:3]] + [acc(_bass(h, lh - 12), q, every)]
    elif kind == "alberti":  # low-high-middle-high under a tune
        low, mid, high = _bass(h, lh), _nearest(h, lh + 4), _nearest(h, lh + 7)
        n += [acc(p, q, fast) for q, p in zip(np.arange(q0, q0 + length - 1e-6, fast), [low, high, mid, high] * 64)]
        n += _melody(rng, h, rh, float(rng.choice([0.5, 1.0])))
    elif kind == "stride":  # bass (often in octaves) on the strong beats, a middle chord on the weak ones
        for i, q in enumerate(np.arange(q0, q0 + length - 1e-6, 1.0)):
            if i % 2 == 0:
                b = _bass(h, lh - 10)
                n += [acc(b, q, 1.0)] + ([acc(b - 12, q, 1.0)] if b - 12 >= LOWEST and rng.random() < 0.6 else [])
            else:
                n += [acc(p, q, 1.0) for p in _chord_tones(h, 52, 64)[:3]]
        n += _melody(rng, h, rh, 0.5)
    elif kind == "octaves":  # the tune doubled an octave below, the bass in octaves
        tune = _melody(rng, h, rh, float(rng.choice([0.5, 1.0])))
        n += tune + [acc(t.pitch - 12, t.onset_q, t.duration_q) for t in tune if t.pitch - 12 >= LOWEST]
        b = _bass(h, lh)
        n += [acc(b, q0, length)] + ([acc(b - 12, q0, length)] if b - 12 >= LOWEST else [])
    elif kind == "arpeggio":  # broken chords over several octaves, up and back
        tones = _chord_tones(h, int(lh) - 6, int(rh) + 12)
        seq = tones + tones[-2:0:-1]
        n += [acc(p, q, fast) for q, p in zip(np.arange(q0, q0 + length - 1e-6, fast), seq * 16)]
    elif kind == "scale":  # fast runs over a held chord
        start = _nearest(h, rh + float(rng.choice([-12, 0, 12])))
        way = int(rng.choice([-1, 1]))
        keys = [p for p in range(LOWEST, HIGHEST + 1) if (p - h.tones[0]) % 12 in (0, 2, 4, 5, 7, 9, 11)] \
            if rng.random() < 0.8 else list(range(LOWEST, HIGHEST + 1))
        i = min(range(len(keys)), key=lambda k: abs(keys[k] - start))
        for q in np.arange(q0, q0 + length - 1e-6, fast):
            n.append(acc(keys[i], q, fast))
            i += way
            if not 0 <= i < len(keys):
                way, i = -way, i - 2 * way
        n += [acc(p, q0, length) for p in _chord_tones(h, int(lh) - 5, int(lh) + 7)[:3]]
    elif kind == "repeated":  # one key (or a chord) struck again and again
        ps = [_nearest(h, rh)] if rng.random() < 0.6 else _chord_tones(h, int(rh) - 5, int(rh) + 5)[:3]
        for q in np.arange(q0, q0 + length - 1e-6, fast):
            n += [ScoreNote(q, fast, p, i == len(ps) - 1) for i, p in enumerate(ps)]
        n += [acc(_bass(h, lh), q, 1.0) for q in np.arange(q0, q0 + length - 1e-6, 1.0)]
    elif kind == "trill":  # a tune note and its upper neighbour alternating over a held chord
        a, up = _nearest(h, rh), int(rng.choice([1, 2]))
        for i, q in enumerate(np.arange(q0, q0 + length - 1e-6, fast)):
            n.append(ScoreNote(q, fast, a + up * (i % 2), True))
        n += [acc(p, q0, length) for p in _chord_tones(h, int(lh) - 5, int(lh) + 7)[:3]]
    else:  # crossing: the right hand keeps a middle figure, the left crosses over it for the tune
        mid = _chord_tones(h, 55, 70)
        n += [acc(p, q, 0.5) for q, p in zip(np.arange(q0, q0 + length - 1e-6, 0.5), (mid[:3] + mid[1:2]) * 32)]
        for i, q in enumerate(np.arange(q0, q0 + length - 1e-6, 1.0)):
            p = _nearest(h, rh + 8) if i % 2 else _bass(h, lh - 6)
            n.append(ScoreNote(q, 1.0, p, bool(i % 2)))
    return [x for x in n if LOWEST <= x.pitch <= HIGHEST]


def generated_score(rng: np.random.Generator, quarters: float = 240.0) -> PianoScore:
    """Passages of 2-6 bars, each in one texture and registers drawn over the whole keyboard, until
    `quarters` are filled."""
    notes, changes, bars, kinds, q = [], [], [], [], 0.0
    while q < quarters:
        beats, n_bars = int(rng.choice([4, 4, 3, 2])), int(rng.integers(2, 7))
        kind = str(rng.choice(TEXTURES))
        kinds.append(kind)
        rh = float(rng.uniform(60, 100)) if rng.random() < 0.85 else float(rng.uniform(96, 106))
        lh = float(rng.uniform(30, 58)) if rng.random() < 0.85 else float(rng.uniform(23, 32))
        for h in _harmonies(rng, q, n_bars, beats):
            notes += _texture(kind, rng, h, rh, lh, beats)
            changes.append(h.onset_q)
        bars += [q + i * beats for i in range(n_bars)]
        q += n_bars * beats
    return PianoScore(notes, changes, bars, "generated: " + " ".join(kinds))
