"""Small helpers shared by the tests: generated signals, real files written with soundfile/ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf


def sine(freq_hz: float, seconds: float, sample_rate: int, amplitude: float = 0.5) -> np.ndarray:
    """A float32 sine of `seconds` (rounded to whole samples)."""
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def write_sound(path: Path, samples: np.ndarray, sample_rate: int, subtype: str | None = None) -> Path:
    """Write frames (or frames x channels) with soundfile; the format follows the suffix."""
    sf.write(str(path), samples, sample_rate, subtype=subtype)
    return path


def ffmpeg_encode(src: Path, dst: Path, *codec_args: str) -> Path:
    """Encode `src` into `dst` with the real ffmpeg (container from dst's suffix)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(src), *codec_args, str(dst)],
        check=True,
    )
    return dst


def ffmpeg_generate(dst: Path, lavfi: str, *codec_args: str) -> Path:
    """Render a lavfi source (e.g. "sine=f=440:d=30:sample_rate=16000") into `dst`."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi", "-i", lavfi, *codec_args, str(dst)],
        check=True,
    )
    return dst


def magnitude_at(y: np.ndarray, sample_rate: int, freq_hz: float) -> float:
    """Spectral magnitude of a mono signal near `freq_hz` (max over +-3 Hz, Hann window)."""
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    freqs = np.fft.rfftfreq(len(y), 1 / sample_rate)
    return float(spectrum[np.abs(freqs - freq_hz) <= 3].max())


def dominant_hz(y: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.fft.rfftfreq(len(y), 1 / sample_rate)[spectrum.argmax()])
