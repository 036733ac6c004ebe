"""Key estimate (Krumhansl-Kessler profiles, duration-weighted) and pitch spelling that follows it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunescribe.notation.weights import load_weights
from tunescribe.notes import Note

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

STEPS = "FCGDAEB"  # line of fifths: F=-1, C=0, G=1, ... B=5; each sharp adds 7, each flat takes 7
_PC_OF_STEP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True)
class Key:
    tonic_pc: int  # pitch class of the tonic, 0 = C
    mode: str  # "major" or "minor"
    fifths: int  # key signature: sharps > 0, flats < 0, as in MusicXML <fifths>

    @property
    def tonic_name(self) -> str:
        """The tonic as music21 spells it, e.g. "F#", "B-"."""
        return spell_fifths(_tonic_lof(self))


def pitch_class_weights(notes: list[Note]) -> np.ndarray:
    """12 pitch-class weights: the summed duration (seconds) of the notes of each class."""
    w = np.zeros(12)
    for n in notes:
        w[n.pitch % 12] += max(n.end_s - n.start_s, 0.01)
    return w


KEY_FEATURES = ["fit", "bass_fit", "major_profile", "minor_profile", "major_tonic_bass", "minor_tonic_bass",
                "count_fit", "tonic_triad"]
DIATONIC = np.array([0, 2, 4, 5, 7, 9, 11])


def _profile_r(w: np.ndarray, profile: np.ndarray, tonic: int) -> float:
    return float(np.corrcoef(w, np.roll(profile, tonic))[0, 1]) if w.std() > 0 else 0.0


def key_features(notes: list[Note]) -> np.ndarray:
    """(12, len(KEY_FEATURES)): for each key signature, fifths = row - 5 (5 flats .. 6 sharps):
    the share of the duration-weighted pitch classes inside its diatonic collection (of all notes,
    and of the low ones), how well its major and its minor key's Krumhansl-Kessler profiles
    correlate with them, the share of low-note duration on each of the two tonics, the share of
    notes (counted, not timed: a run of quick notes weighs by how many notes it has, not how long)
    inside the collection, and the share of duration on the tonic triad of its major or its
    minor key, whichever holds more."""
    w = pitch_class_weights(notes)
    pitches = np.array([n.pitch for n in notes])
    cut = np.percentile(pitches, 25)
    low = [n for n, p in zip(notes, pitches) if p <= cut]
    wb = pitch_class_weights(low)
    counts = np.bincount(pitches % 12, minlength=12)
    total, total_b = max(w.sum(), 1e-9), max(wb.sum(), 1e-9)
    rows = []
    for fifths in range(-5, 7):
        major = (7 * fifths) % 12
        minor = (major + 9) % 12
        inside = (major + DIATONIC) % 12
        triad = max(w[[major, (major + 4) % 12, (major + 7) % 12]].sum(),
                    w[[minor, (minor + 3) % 12, (minor + 7) % 12]].sum())
        rows.append([w[inside].sum() / total, wb[inside].sum() / total_b, _profile_r(w, MAJOR_PROFILE, major),
                     _profile_r(w, MINOR_PROFILE, minor), wb[major] / total_b, wb[minor] / total_b,
                     counts[inside].sum() / len(notes), triad / total])
    return np.array(rows)


def estimate_key(notes: list[Note], weights: np.ndarray | None = None) -> Key:
    """The key signature whose features score best under the notation model (learned on the
    training works: services/trainer/notation.py), then major or minor by the better profile.
    No notes: C major."""
    if not notes:
        return Key(0, "major", 0)
    x = key_features(notes)
    w = load_weights("key", KEY_FEATURES) if weights is None else weights
    row = int(np.argmax(x @ w))
    fifths = row - 5
    major = (7 * fifths) % 12
    if x[row, 3] > x[row, 2]:
        return Key((major + 9) % 12, "minor", fifths)
    return Key(major, "major", fifths)


def _tonic_lof(key: Key) -> int:
    """Line-of-fifths position of the tonic (C=0, G=1, F=-1, F#=6, Bb=-2)."""
    return key.fifths + (3 if key.mode == "minor" else 0)


def spell_fifths(lof: int) -> str:
    """Line-of-fifths position -> music21 name: 0 -> "C", 6 -> "F#", -2 -> "B-", 13 -> "F##"."""
    step = STEPS[(lof + 1) % 7]
    alter = (lof + 1) // 7
    return step + ("#" * alter if alter > 0 else "-" * -alter)


def spelling_table(key: Key) -> list[str]:
    """For each pitch class 0..11, its name in `key`: the spelling inside a 12-wide window of the
    line of fifths around the key signature (major: 3 steps to the flat side, 8 to the sharp side,
    so C major gets Eb, Bb, F#, C#, G#; minor one step sharper, so A minor gets F#, G#, D#).
    Double sharps and flats are respelled as naturals (in F# major, G rather than F##)."""
    low = key.fifths - 3 + (1 if key.mode == "minor" else 0)
    names = [""] * 12
    for lof in range(low, low + 12):
        if lof > 12:
            lof -= 12
        elif lof < -8:
            lof += 12
        names[(lof * 7) % 12] = spell_fifths(lof)
    return names


def spell(midi: int, table: list[str]) -> tuple[str, int, int]:
    """(step, alteration, octave) of MIDI number `midi` spelled by `table`: B#3 is MIDI 60, C-5 is MIDI 71."""
    name = table[midi % 12]
    alter = name.count("#") - name.count("-")
    return name[0], alter, (midi - _PC_OF_STEP[name[0]] - alter) // 12 - 1
