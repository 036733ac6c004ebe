"""Audio augmentation: rooms (simulated impulse responses), microphone EQ, compression, noise, gain."""

from __future__ import annotations

import numpy as np
import pedalboard
from scipy.signal import fftconvolve, lfilter


def room_impulse_response(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A simulated room: a direct path, a few early reflections and an exponentially decaying,
    darkening diffuse tail with a random reverberation time (0.15-1.4 s)."""
    rt60 = rng.uniform(0.15, 1.4)
    n = int(sr * min(rt60 * 1.2, 2.0))
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    tail = lfilter([1 - (a := rng.uniform(0.3, 0.8))], [1, -a], tail)  # air and walls absorb highs
    ir = 0.3 * tail / (np.abs(tail).max() + 1e-9)
    ir[: int(sr * rng.uniform(0.005, 0.02))] = 0.0  # pre-delay before the tail
    ir[0] = 1.0
    for _ in range(rng.integers(3, 8)):
        ir[int(sr * rng.uniform(0.003, 0.05))] += rng.uniform(0.1, 0.6) * rng.choice([-1, 1])
    return ir.astype(np.float32)


def _noise(n: int, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n)
    colour = rng.choice(["white", "pink", "brown"])
    if colour == "pink":
        return lfilter([0.049922, -0.095993, 0.050612, -0.004408], [1, -2.494956, 2.017265, -0.522189], white)
    if colour == "brown":
        return lfilter([1], [1, -0.995], white)
    return white


def augment(y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A randomly 'recorded' version of a dry mix; about one in seven stays clean."""
    y = y.astype(np.float32)
    if rng.random() < 0.85:
        if rng.random() < 0.75:
            wet = fftconvolve(y, room_impulse_response(sr, rng))[: len(y)]
            y = (y + rng.uniform(0.3, 1.0) * wet).astype(np.float32)
        nyq = sr / 2
        board = pedalboard.Pedalboard([
            pedalboard.HighpassFilter(rng.uniform(20, 120)),
            pedalboard.LowShelfFilter(rng.uniform(80, 400), rng.uniform(-6, 6)),
            pedalboard.PeakFilter(rng.uniform(250, 3500), rng.uniform(-8, 8), rng.uniform(0.5, 2.0)),
            pedalboard.HighShelfFilter(rng.uniform(2000, min(6000, nyq * 0.8)), rng.uniform(-12, 4)),
        ])
        if rng.random() < 0.5:
            board.append(pedalboard.Compressor(rng.uniform(-30, -10), rng.uniform(2, 6)))
        y = board(y, sr)
        if rng.random() < 0.6:
            noise = _noise(len(y), rng)
            snr_db = rng.uniform(15, 45)
            level = np.sqrt(np.mean(y**2) + 1e-12) / (np.sqrt(np.mean(noise**2)) + 1e-12) * 10 ** (-snr_db / 20)
            y = y + (level * noise).astype(np.float32)
    peak = np.abs(y).max()
    return (y / peak * rng.uniform(0.1, 0.98)).astype(np.float32) if peak > 0 else y


def tint(features: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Features ([0, 1] log constant-Q) at a random level and spectral tilt (up to about ±10 dB),
    silence left silent: a network learns how partials behave, not one soundfont's or microphone's
    loudness or colour."""
    colour = rng.uniform(-0.1, 0.1) + rng.uniform(-0.1, 0.1) * np.linspace(-1, 1, features.shape[1], dtype=np.float32)
    return np.where(features > 0, np.clip(features + colour, 0, 1), 0)
