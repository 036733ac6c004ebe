"""decode_notes: a note starts only where the onset output peaks and lasts while the frame output holds."""

from __future__ import annotations

import numpy as np
import pytest

from tunescribe.constants import FRAMES_PER_SECOND, LOWEST_MIDI, N_KEYS
from tunescribe.notes import Note, Thresholds, decode_notes, notes_to_roll

FRAME_S = 1 / FRAMES_PER_SECOND
N_FRAMES = 100


def _empty() -> tuple[np.ndarray, np.ndarray]:
    onsets = np.zeros((N_FRAMES, N_KEYS), np.float32)
    return onsets, np.zeros_like(onsets)


def _key(midi: int) -> int:
    return midi - LOWEST_MIDI


def test_onset_with_held_frames_gives_one_note_of_right_pitch_start_and_length():
    onsets, frames = _empty()
    onsets[10, _key(60)] = 0.9
    frames[10:25, _key(60)] = 0.8  # held for 15 frames, released at frame 25

    notes = decode_notes(onsets, frames)

    assert len(notes) == 1
    (note,) = notes
    assert note.pitch == 60
    assert note.start_s == pytest.approx(10 * FRAME_S)
    assert note.end_s == pytest.approx(25 * FRAME_S)


def test_onset_time_is_refined_between_frames():
    """A peak whose earlier neighbour is stronger than its later one lies before the peak frame."""
    onsets, frames = _empty()
    onsets[9:12, _key(64)] = [0.8, 0.9, 0.1]
    frames[9:20, _key(64)] = 0.9
    (note,) = decode_notes(onsets, frames)
    assert 9 * FRAME_S < note.start_s < 10 * FRAME_S


def test_frame_activity_without_an_onset_gives_no_note():
    onsets, frames = _empty()
    frames[10:40, _key(60)] = 0.95
    onsets[10, _key(60)] = 0.3  # below the onset threshold
    assert decode_notes(onsets, frames) == []


def test_nothing_gives_nothing():
    assert decode_notes(*_empty()) == []


def test_two_onsets_on_one_key_give_two_notes():
    onsets, frames = _empty()
    onsets[10, _key(67)] = 0.9
    onsets[30, _key(67)] = 0.9  # re-struck while still held
    frames[10:50, _key(67)] = 0.9

    notes = decode_notes(onsets, frames)

    assert [n.pitch for n in notes] == [67, 67]
    first, second = notes
    assert first.start_s == pytest.approx(10 * FRAME_S)
    assert first.end_s == pytest.approx(30 * FRAME_S)  # ends where the re-strike begins
    assert second.start_s == pytest.approx(30 * FRAME_S)
    assert second.end_s == pytest.approx(50 * FRAME_S)


def test_a_plateau_of_onset_probability_is_one_onset():
    onsets, frames = _empty()
    onsets[10:13, _key(60)] = 0.9
    frames[10:30, _key(60)] = 0.9
    assert len(decode_notes(onsets, frames)) == 1


def test_notes_on_different_keys_are_sorted_by_start_then_pitch():
    onsets, frames = _empty()
    for midi, t0 in [(72, 5), (48, 20), (60, 5)]:
        onsets[t0, _key(midi)] = 0.9
        frames[t0:t0 + 10, _key(midi)] = 0.9
    assert [(n.pitch, round(n.start_s / FRAME_S)) for n in decode_notes(onsets, frames)] == [
        (60, 5), (72, 5), (48, 20)]


def test_pitch_range_is_a0_to_c8():
    onsets, frames = _empty()
    onsets[10, 0] = onsets[10, N_KEYS - 1] = 0.9
    frames[10:20, [0, N_KEYS - 1]] = 0.9
    assert [n.pitch for n in decode_notes(onsets, frames)] == [21, 108]


@pytest.mark.parametrize("min_note_s", [0.04, 0.05, 0.1, 0.2])
def test_note_shorter_than_min_note_s_is_lengthened_to_it(min_note_s):
    onsets, frames = _empty()
    onsets[9:12, _key(60)] = [0.2, 0.9, 0.7]  # a peak refined to after frame 10
    frames[10, _key(60)] = 0.9  # held one frame (32 ms)

    (note,) = decode_notes(onsets, frames, thresholds=Thresholds(min_note_s=min_note_s))

    assert note.start_s > 10 * FRAME_S
    assert note.end_s - note.start_s >= min_note_s - 1e-9
    assert note.end_s - note.start_s <= min_note_s + 2 * FRAME_S  # lengthened, not stretched far


def test_a_long_note_is_not_shortened_by_min_note_s():
    onsets, frames = _empty()
    onsets[10, _key(60)] = 0.9
    frames[10:40, _key(60)] = 0.9
    (note,) = decode_notes(onsets, frames, thresholds=Thresholds(min_note_s=0.2))
    assert note.end_s == pytest.approx(40 * FRAME_S)


def test_note_held_to_the_end_of_the_clip_ends_there():
    onsets, frames = _empty()
    onsets[90, _key(60)] = 0.9
    frames[90:, _key(60)] = 0.9
    (note,) = decode_notes(onsets, frames)
    assert note.end_s == pytest.approx(N_FRAMES * FRAME_S)


def test_velocity_comes_from_the_velocity_map_at_the_onset():
    onsets, frames = _empty()
    velocities = np.zeros_like(onsets)
    for midi, t0, v in [(60, 10, 0.25), (64, 10, 1.0), (67, 40, 0.0)]:
        onsets[t0, _key(midi)] = 0.9
        frames[t0:t0 + 10, _key(midi)] = 0.9
        velocities[t0, _key(midi)] = v
    velocities[11, _key(60)] = 0.9  # later frames of the note do not matter

    notes = {n.pitch: n.velocity for n in decode_notes(onsets, frames, velocities)}

    assert notes == {60: round(0.25 * 127), 64: 127, 67: 1}  # clipped to 1..127


def test_without_a_velocity_map_velocity_is_a_valid_midi_velocity():
    onsets, frames = _empty()
    onsets[10, _key(60)] = 0.9
    frames[10:20, _key(60)] = 0.9
    (note,) = decode_notes(onsets, frames)
    assert 1 <= note.velocity <= 127


def test_thresholds_are_respected():
    onsets, frames = _empty()
    onsets[10, _key(60)] = 0.6
    frames[10:30, _key(60)] = 0.5
    frames[30:40, _key(60)] = 0.3
    assert decode_notes(onsets, frames, thresholds=Thresholds(onset=0.7)) == []
    (note,) = decode_notes(onsets, frames, thresholds=Thresholds(onset=0.5, frame=0.4))
    assert note.end_s == pytest.approx(30 * FRAME_S)
    (note,) = decode_notes(onsets, frames, thresholds=Thresholds(onset=0.5, frame=0.2))
    assert note.end_s == pytest.approx(40 * FRAME_S)


# ---------------------------------------------------------------- notes_to_roll


def _on_grid(pitch: int, start_frame: int, end_frame: int, velocity: int) -> Note:
    return Note(pitch, start_frame / FRAMES_PER_SECOND, end_frame / FRAMES_PER_SECOND, velocity)


SIMPLE_TUNE = [
    _on_grid(60, 5, 20, 90),
    _on_grid(64, 5, 12, 64),
    _on_grid(67, 12, 30, 110),
    _on_grid(60, 25, 40, 40),
    _on_grid(21, 50, 60, 1),
    _on_grid(108, 50, 100, 127),  # held to the last frame
]


def test_notes_to_roll_marks_onset_frames_offsets_and_velocity():
    onset, frame, offset, velocity = notes_to_roll([_on_grid(60, 5, 20, 90)], N_FRAMES)
    key = _key(60)
    for roll in (onset, frame, offset, velocity):
        assert roll.shape == (N_FRAMES, N_KEYS) and roll.dtype == np.float32
    assert np.flatnonzero(onset[:, key]).tolist() == [5]
    assert np.flatnonzero(frame[:, key]).tolist() == list(range(5, 20))
    assert np.flatnonzero(offset[:, key]).tolist() == [20]
    assert velocity[5, key] == pytest.approx(90 / 127)
    assert onset.sum() == 1 and frame.sum() == 15 and offset.sum() == 1


def test_notes_to_roll_drops_notes_outside_keys_or_frames():
    notes = [_on_grid(20, 5, 10, 64), _on_grid(109, 5, 10, 64), _on_grid(60, N_FRAMES + 1, N_FRAMES + 5, 64)]
    assert all(roll.sum() == 0 for roll in notes_to_roll(notes, N_FRAMES))


def test_notes_to_roll_round_trips_through_decode_notes():
    onset, frame, _, velocity = notes_to_roll(SIMPLE_TUNE, N_FRAMES)

    decoded = decode_notes(onset, frame, velocity)

    expected = sorted(SIMPLE_TUNE, key=lambda n: (n.start_s, n.pitch))
    assert [(n.pitch, n.velocity) for n in decoded] == [(n.pitch, n.velocity) for n in expected]
    for got, want in zip(decoded, expected):
        assert got.start_s == pytest.approx(want.start_s)
        assert got.end_s == pytest.approx(want.end_s)


def test_a_weak_onset_inside_a_held_note_does_not_retrigger_it():
    onset = np.zeros((60, 88), np.float32)
    frame = np.zeros_like(onset)
    onset[10, 40] = 0.9
    onset[30, 40] = 0.6  # vibrato or a bow change: the frame never lets go
    frame[10:50, 40] = 0.9
    strict = Thresholds(onset=0.5, frame=0.4, reonset=0.8)
    assert len(decode_notes(onset, frame, thresholds=strict)) == 1
    assert len(decode_notes(onset, frame, thresholds=Thresholds(onset=0.5, frame=0.4))) == 2
    onset[30, 40] = 0.9  # a strong onset is a repeated note
    assert len(decode_notes(onset, frame, thresholds=strict)) == 2


def test_a_weak_onset_after_a_release_starts_a_new_note():
    onset = np.zeros((60, 88), np.float32)
    frame = np.zeros_like(onset)
    onset[10, 40], onset[30, 40] = 0.9, 0.6
    frame[10:25, 40] = frame[30:50, 40] = 0.9
    notes = decode_notes(onset, frame, thresholds=Thresholds(onset=0.5, frame=0.4, reonset=0.8))
    assert len(notes) == 2


def test_an_onset_the_frame_never_holds_gives_no_note():
    onset = np.zeros((40, 88), np.float32)
    frame = np.zeros_like(onset)
    onset[10, 50] = 0.9  # a ghost: the onset head fires, the frame head never agrees
    onset[20, 30] = 0.9
    frame[20:30, 30] = 0.9
    notes = decode_notes(onset, frame, thresholds=Thresholds(onset=0.5, frame=0.4))
    assert [n.pitch for n in notes] == [LOWEST_MIDI + 30]
