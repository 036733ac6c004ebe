"""The overtone filter: a weak note an octave above a strong one struck with it is dropped, a played
octave stays, and the shipped piano model's card carries a filter fitted on its corpus."""

from __future__ import annotations

import numpy as np

from tunescribe.cards import read_card, shipped_piano_model
from tunescribe.constants import LOWEST_MIDI, N_KEYS
from tunescribe.model import load_model
from tunescribe.notes import Thresholds, decode_notes
from tunescribe.overtones import FEATURES, OvertoneFilter, candidates

# played when the upper onset is at least a third of the lower one's (on the log onset ratio alone)
RATIO_ONLY = OvertoneFilter([0.0] * len(FEATURES), [1.0] * len(FEATURES),
                            [4.0 if f == "log onset ratio" else 0.0 for f in FEATURES], 4.0 * np.log(3), 0.5)


def posteriors(struck: dict[tuple[int, int], float]) -> tuple[np.ndarray, np.ndarray]:
    """(frame, MIDI pitch) -> onset peak; each note held 20 frames."""
    onset = np.zeros((200, N_KEYS), np.float32)
    frame = np.zeros_like(onset)
    for (t, pitch), p in struck.items():
        onset[t, pitch - LOWEST_MIDI] = p
        frame[t:t + 20, pitch - LOWEST_MIDI] = 0.9
    return onset, frame


def test_a_weak_octave_over_a_struck_note_is_dropped_and_a_played_octave_stays():
    onset, frame = posteriors({(10, 48): 0.95, (10, 60): 0.2,  # a bass note and its overtone
                               (60, 48): 0.95, (61, 60): 0.9,  # a played octave
                               (110, 67): 0.3})  # a weak note alone: no candidate
    notes = decode_notes(onset, frame, thresholds=Thresholds(onset=0.15, frame=0.5))
    index, x = candidates(notes, onset, frame)
    assert [notes[i].pitch for i in index] == [60, 60] and x.shape == (2, len(FEATURES))
    kept = RATIO_ONLY.apply(notes, onset, frame)
    assert [(n.pitch, round(n.start_s * 31.25)) for n in kept] == [(48, 10), (48, 60), (60, 61), (67, 110)]


def test_the_filter_round_trips_through_the_card_and_the_shipped_piano_model_has_one():
    assert OvertoneFilter.from_card(RATIO_ONLY.as_card()) == RATIO_ONLY
    assert OvertoneFilter.from_card(None) is None
    model = load_model(shipped_piano_model())
    assert model.overtones is not None and 0 < model.overtones.cut < 1
    assert read_card(model.path)["overtones"]["features"] == list(FEATURES)

