"""compute_features: log constant-Q, three bins per key with the centre bin on the key's pitch."""

from __future__ import annotations

import librosa.core.constantq  # noqa: F401  (librosa's lazy imports cost seconds: pay them at collection)
import numpy as np
import pytest
from conftest import sine

from tunescribe.constants import BINS_PER_SEMITONE, FMIN_HZ, FRAMES_PER_SECOND, HOP_LENGTH, LOWEST_MIDI, N_BINS, N_KEYS, SAMPLE_RATE
from tunescribe.features import compute_features


def _key_hz(midi: int) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _key_bins(midi: int) -> tuple[int, int, int]:
    k = midi - LOWEST_MIDI
    return 3 * k, 3 * k + 1, 3 * k + 2


def _steady_profile(midi: int, seconds: float = 2.0) -> np.ndarray:
    """Mean feature over the frames well inside a steady sine at the key's pitch."""
    feats = compute_features(sine(_key_hz(midi), seconds, SAMPLE_RATE, amplitude=0.3))
    return feats[12:-12].mean(axis=0)


@pytest.mark.parametrize("n_samples", [
    int(0.1 * SAMPLE_RATE),  # the shortest clip load_audio accepts
    HOP_LENGTH * 20,
    HOP_LENGTH * 20 + 1,
    HOP_LENGTH * 21 - 1,
    SAMPLE_RATE + 123,
])
def test_shape_is_frames_by_n_bins_and_values_in_unit_range(n_samples):
    """librosa's centred framing: 1 + n_samples // HOP_LENGTH frames."""
    rng = np.random.default_rng(n_samples)
    y = (0.1 * rng.standard_normal(n_samples) + sine(440.0, n_samples / SAMPLE_RATE, SAMPLE_RATE)).astype(np.float32)

    feats = compute_features(y)

    assert feats.shape == (1 + n_samples // HOP_LENGTH, N_BINS)
    assert feats.dtype == np.float32
    assert np.all(np.isfinite(feats))
    assert feats.min() >= 0.0 and feats.max() <= 1.0
    assert feats.max() > 0.5  # not all floor


def test_silence_is_all_floor():
    feats = compute_features(np.zeros(SAMPLE_RATE, np.float32))
    assert feats.shape == (1 + SAMPLE_RATE // HOP_LENGTH, N_BINS)
    assert np.all(feats == 0.0)


@pytest.mark.parametrize("midi", [21, 45, 69, 84, 96, 108], ids=lambda m: f"midi{m}")
def test_sine_peaks_in_the_bins_of_its_key(midi):
    """Key k = midi - 21 owns bins 3k..3k+2; nothing outside them is as strong as its centre bin."""
    profile = _steady_profile(midi)
    low, centre, high = _key_bins(midi)

    assert low <= int(profile.argmax()) <= high
    assert profile[centre] == profile.max()
    outside = np.delete(profile, [low, centre, high])
    assert outside.max() < profile[centre]


def test_a4_is_key_48_centre_bin_145():
    assert _key_bins(69) == (144, 145, 146)
    profile = _steady_profile(69)
    assert profile[145] == profile.max()
    assert profile[143] < profile[145] and profile[147] < profile[145]


def test_centre_bin_is_strictly_the_loudest_and_not_clipped():
    profile = _steady_profile(69)
    low, centre, high = _key_bins(69)
    assert profile[centre] > profile[low] and profile[centre] > profile[high]
    assert profile[centre] < 1.0


def test_gain_does_not_change_features():
    rng = np.random.default_rng(0)
    y = (0.1 * rng.standard_normal(20_000) + sine(440.0, 20_000 / SAMPLE_RATE, SAMPLE_RATE, 0.3)).astype(np.float32)
    reference = compute_features(y)
    for gain in (1e-3, 0.5, 4.0):
        np.testing.assert_allclose(compute_features(y * gain), reference, atol=1e-3)


def test_frame_i_is_centred_at_i_hops():
    """A high tone that starts at sample 20 * HOP_LENGTH shows from frame 20 on, not before frame 19."""
    start_frame = 20
    y = np.zeros(40 * HOP_LENGTH, np.float32)
    tone = sine(_key_hz(96), (len(y) - start_frame * HOP_LENGTH) / SAMPLE_RATE, SAMPLE_RATE)
    y[start_frame * HOP_LENGTH:] = tone
    centre = _key_bins(96)[1]

    track = compute_features(y)[:, centre]

    assert np.all(track[: start_frame - 1] < 0.1)
    assert np.all(track[start_frame + 1:] > 0.8)


def test_constants_are_consistent():
    assert N_BINS == N_KEYS * BINS_PER_SEMITONE == 264
    assert FRAMES_PER_SECOND == SAMPLE_RATE / HOP_LENGTH == 31.25
    # a third of a semitone below A0, so bin 3k+1 sits exactly on key k's pitch
    for midi in (21, 69, 108):
        centre = _key_bins(midi)[1]
        assert FMIN_HZ * 2 ** (centre / (12 * BINS_PER_SEMITONE)) == pytest.approx(_key_hz(midi), rel=1e-9)
    assert _key_hz(LOWEST_MIDI + N_KEYS - 1) < SAMPLE_RATE / 2
