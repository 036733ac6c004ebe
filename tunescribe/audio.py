"""Decoding recordings into mono float32 at the model's sample rate, with limits and clear errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from tunescribe.constants import MAX_DURATION_S, SAMPLE_RATE


class AudioError(Exception):
    """An input that cannot be transcribed; `str(error)` is a reason a user can read."""


class UnsupportedAudio(AudioError):
    """Not an audio file, or one that nothing can be decoded from."""


class EmptyAudio(AudioError):
    """Decodes to no samples (or too few to hold a note)."""


class AudioTooLong(AudioError):
    """Longer than the configured cap."""


class InvalidSamples(AudioError):
    """Holds NaN or infinite samples."""


MIN_DURATION_S = 0.1
_CHUNK_BYTES = 1 << 20


def load_audio(path: str | Path, *, max_duration_s: float = MAX_DURATION_S) -> np.ndarray:
    """Decode any file ffmpeg reads (wav, flac, ogg, mp3, m4a, ...) to mono float32 at SAMPLE_RATE.

    Decoding streams from ffmpeg and stops as soon as the cap is passed, so a huge file never
    sits whole in memory. ffmpeg may open only local files and pipes.
    """
    path = Path(path)
    if not path.is_file():
        raise UnsupportedAudio(f"{path.name}: no such file")
    if path.stat().st_size == 0:
        raise EmptyAudio(f"{path.name}: the file is empty")
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
        "-protocol_whitelist", "file,pipe",
        "-i", f"file:{path}", "-map", "0:a:0", "-vn",
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "pipe:1",
    ]
    limit_bytes = int((max_duration_s * SAMPLE_RATE + 1) * 4)
    chunks, total = [], 0
    # ffmpeg's log is not read (the reason we give is our own); a pipe left unread would fill up
    # on a damaged file and block ffmpeg while we block reading its output
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        while chunk := proc.stdout.read(_CHUNK_BYTES):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit_bytes:
                raise AudioTooLong(f"{path.name}: longer than the limit of {max_duration_s / 60:g} minutes")
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    if total == 0:
        if proc.returncode != 0:
            raise UnsupportedAudio(f"{path.name}: not an audio file (no audio stream could be decoded)")
        raise EmptyAudio(f"{path.name}: holds no audio samples")
    samples = np.frombuffer(b"".join(chunks)[: total - total % 4], dtype="<f4")
    return _checked(samples, path.name)


def _checked(y: np.ndarray, name: str) -> np.ndarray:
    if not np.all(np.isfinite(y)):
        raise InvalidSamples(f"{name}: holds NaN or infinite samples")
    if len(y) < MIN_DURATION_S * SAMPLE_RATE:
        raise EmptyAudio(f"{name}: shorter than {MIN_DURATION_S:g} s, too short to transcribe")
    return y
