"""load_audio: any common format in, mono float32 at SAMPLE_RATE out, or a clear AudioError."""

from __future__ import annotations

import struct
import threading
import zlib

import numpy as np
import pytest
from conftest import dominant_hz, ffmpeg_encode, ffmpeg_generate, magnitude_at, sine, write_sound

from tunescribe.audio import (
    AudioError,
    AudioTooLong,
    EmptyAudio,
    InvalidSamples,
    UnsupportedAudio,
    load_audio,
)
from tunescribe.constants import SAMPLE_RATE

LEFT_HZ, RIGHT_HZ = 440.0, 660.0


def _stereo(seconds: float, sample_rate: int) -> np.ndarray:
    """Left channel a 440 Hz sine, right channel a 660 Hz sine: a downmix must hold both."""
    return np.stack([sine(LEFT_HZ, seconds, sample_rate), sine(RIGHT_HZ, seconds, sample_rate)], axis=1)


def _assert_mono_at_rate(y: np.ndarray, seconds: float, tolerance_s: float) -> None:
    assert isinstance(y, np.ndarray)
    assert y.dtype == np.float32
    assert y.ndim == 1
    assert abs(len(y) / SAMPLE_RATE - seconds) <= tolerance_s, len(y) / SAMPLE_RATE
    assert np.all(np.isfinite(y))
    assert np.max(np.abs(y)) <= 1.0


def _assert_holds_both_channels(y: np.ndarray) -> None:
    left, right = magnitude_at(y, SAMPLE_RATE, LEFT_HZ), magnitude_at(y, SAMPLE_RATE, RIGHT_HZ)
    assert left > 0 and right > 0
    assert 0.5 < left / right < 2.0, (left, right)  # both channels mixed in at similar weight


# ---------------------------------------------------------------- decoding every supported format

# (suffix, how the test makes it, tolerance on the decoded duration: lossy codecs pad/trim a frame)
FORMATS = [
    ("wav", None, 0.002),
    ("flac", None, 0.002),
    ("ogg", ["-c:a", "libvorbis"], 0.05),
    ("mp3", ["-c:a", "libmp3lame"], 0.05),
    ("m4a", ["-c:a", "aac"], 0.05),
]


@pytest.mark.parametrize("suffix,codec,tolerance_s", FORMATS, ids=[f[0] for f in FORMATS])
def test_load_audio_decodes_format_to_mono_float32_at_sample_rate(tmp_path, suffix, codec, tolerance_s):
    seconds, rate = 1.0, 44_100
    source = write_sound(tmp_path / "source.wav", _stereo(seconds, rate), rate, "PCM_16")
    if codec is None:
        path = write_sound(tmp_path / f"tune.{suffix}", _stereo(seconds, rate), rate, "PCM_16")
    else:
        path = ffmpeg_encode(source, tmp_path / f"tune.{suffix}", *codec)

    y = load_audio(path)

    _assert_mono_at_rate(y, seconds, tolerance_s)
    _assert_holds_both_channels(y)  # stereo input is downmixed, not reduced to one channel


@pytest.mark.parametrize("rate", [8_000, 16_000, 22_050, 48_000])
def test_load_audio_resamples_mono_wav_keeping_pitch_and_duration(tmp_path, rate):
    path = write_sound(tmp_path / "a4.wav", sine(440.0, 0.75, rate), rate, "FLOAT")

    y = load_audio(path)

    _assert_mono_at_rate(y, 0.75, 0.002)
    assert dominant_hz(y, SAMPLE_RATE) == pytest.approx(440.0, abs=3)


def test_load_audio_accepts_a_file_just_under_the_cap(tmp_path):
    path = write_sound(tmp_path / "ok.wav", sine(440.0, 1.0, SAMPLE_RATE), SAMPLE_RATE)
    assert len(load_audio(path, max_duration_s=1.5)) == SAMPLE_RATE


# ---------------------------------------------------------------- errors


def _png_bytes() -> bytes:
    """A real 1x1 RGB PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _assert_names_file(error: AudioError, name: str) -> None:
    message = str(error)
    assert message.strip()
    assert name in message


@pytest.mark.parametrize("name,content", [
    ("notes.txt", b"this is a text file, not a recording\n" * 20),
    ("notes.wav", b"this is a text file with an audio suffix\n" * 20),
    ("picture.png", _png_bytes()),
    ("picture.mp3", _png_bytes()),  # an image wearing an audio suffix
])
def test_non_audio_file_is_unsupported(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedAudio) as caught:
        load_audio(path)
    _assert_names_file(caught.value, name)


def test_empty_file_is_empty_audio(tmp_path):
    path = tmp_path / "nothing.wav"
    path.write_bytes(b"")
    with pytest.raises(EmptyAudio) as caught:
        load_audio(path)
    _assert_names_file(caught.value, "nothing.wav")


def test_missing_path_is_unsupported(tmp_path):
    with pytest.raises(UnsupportedAudio) as caught:
        load_audio(tmp_path / "never-written.flac")
    _assert_names_file(caught.value, "never-written.flac")


def test_directory_is_unsupported(tmp_path):
    (tmp_path / "folder.wav").mkdir()
    with pytest.raises(UnsupportedAudio):
        load_audio(tmp_path / "folder.wav")


# keep: how many leading bytes of a valid file survive the cut
TRUNCATIONS = [("wav", 44), ("wav", 54), ("flac", 100), ("mp3", 200), ("ogg", 300), ("m4a", 1000)]


@pytest.mark.parametrize("suffix,keep", TRUNCATIONS, ids=[f"{s}-{k}B" for s, k in TRUNCATIONS])
def test_truncated_file_is_a_specific_audio_error(tmp_path, suffix, keep):
    source = write_sound(tmp_path / "source.wav", sine(440.0, 1.0, 44_100), 44_100, "PCM_16")
    full = source if suffix == "wav" else ffmpeg_encode(source, tmp_path / f"full.{suffix}")
    path = tmp_path / f"cut.{suffix}"
    path.write_bytes(full.read_bytes()[:keep])

    with pytest.raises(AudioError) as caught:
        load_audio(path)

    assert type(caught.value) is not AudioError  # one of the specific kinds, which the service maps
    assert isinstance(caught.value, (UnsupportedAudio, EmptyAudio))
    _assert_names_file(caught.value, path.name)


def test_shorter_than_minimum_is_empty_audio(tmp_path):
    path = write_sound(tmp_path / "blip.wav", sine(440.0, 0.05, SAMPLE_RATE), SAMPLE_RATE)
    with pytest.raises(EmptyAudio) as caught:
        load_audio(path)
    _assert_names_file(caught.value, "blip.wav")


def test_longer_than_cap_is_too_long(tmp_path):
    path = write_sound(tmp_path / "long.wav", sine(440.0, 2.0, SAMPLE_RATE), SAMPLE_RATE)
    with pytest.raises(AudioTooLong) as caught:
        load_audio(path, max_duration_s=0.5)
    _assert_names_file(caught.value, "long.wav")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("rate,channels", [(SAMPLE_RATE, 1), (44_100, 2)])
def test_float_wav_with_non_finite_samples_is_invalid(tmp_path, bad, rate, channels):
    samples = np.full((rate, channels), 0.1, np.float32)
    samples[rate // 2, 0] = bad
    path = write_sound(tmp_path / "broken.wav", samples, rate, "FLOAT")
    with pytest.raises(InvalidSamples) as caught:
        load_audio(path)
    _assert_names_file(caught.value, "broken.wav")


def test_badly_damaged_long_file_does_not_hang(tmp_path):
    """ffmpeg logs one line per broken frame; more than a pipe holds must not deadlock the reader."""
    clean = ffmpeg_generate(tmp_path / "clean.mp3", "sine=f=440:d=30:sample_rate=16000", "-c:a", "libmp3lame", "-b:a", "32k")
    damaged = bytearray(clean.read_bytes())
    rng = np.random.default_rng(0)
    for i in range(2000, len(damaged), 300):
        damaged[i:i + 40] = rng.integers(0, 256, 40, dtype=np.uint8).tobytes()
    path = tmp_path / "damaged.mp3"
    path.write_bytes(bytes(damaged) * 12)  # ~6 minutes of frames, ~190 KB of ffmpeg error log

    outcome = {}

    def run():
        try:
            outcome["samples"] = load_audio(path)
        except AudioError as e:
            outcome["error"] = e

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "load_audio hung on a damaged file"
    assert outcome, "load_audio raised something other than AudioError"
    if "samples" in outcome:
        assert outcome["samples"].dtype == np.float32 and np.all(np.isfinite(outcome["samples"]))

