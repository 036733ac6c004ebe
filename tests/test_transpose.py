"""Transposition of the written score: the two-hand piece in F major written by the notation stage,
moved for B♭, E♭ and F instruments and by intervals, read back with music21 and mido; keys past six
sharps or flats are written as their enharmonic twin; bad values say what is accepted."""

from __future__ import annotations

import subprocess

import mido
import music21
import pytest

from benchmarks.known_scores import play, two_hand_piece
from tunescribe.notation.engrave import CREDIT
from tunescribe.notation.export import write_score_midi
from tunescribe.notation import build_score, write_musicxml
from tunescribe.notation.transpose import (TranspositionError, parse_transposition, transpose_midi,
                                           transpose_musicxml, write_transposed)
from tunescribe.notation.validate import schema_errors
from tunescribe.outputs import Output


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The piece's MusicXML and score MIDI, as a job has them: 4/4 in F major, 8 measures."""
    out = tmp_path_factory.mktemp("written")
    result = build_score(play(two_hand_piece(), 100, accent_every=4))
    files = {Output.MUSICXML: write_musicxml(result, out / "piece.musicxml", "Hymn"),
             Output.SCORE_MIDI: write_score_midi(result, out / "piece.score.mid")}
    return files


def read(path) -> tuple[int, list[str], list[int], int, str]:
    """(key signature in sharps, pitch names in order, MIDI numbers, measures, title)."""
    score = music21.converter.parse(str(path), forceSource=True)
    pitches = [p for n in score.recurse().notes for p in n.pitches]
    measures = len(score.parts[0].getElementsByClass(music21.stream.Measure))
    sharps = score.recurse().getElementsByClass(music21.key.KeySignature)[0].sharps
    return sharps, [p.nameWithOctave for p in pitches], [p.midi for p in pitches], measures, score.metadata.bestTitle


@pytest.mark.parametrize("name, semitones, sharps, label", [
    ("Bb", 2, 1, "for B♭ instruments"),  # F major -> G major
    ("Eb", 9, 2, "for E♭ instruments"),  # -> D major
    ("F", 7, 0, "for F instruments"),  # -> C major
    ("-m3", -3, 2, "down a minor third"),  # -> D major
])
def test_the_score_is_written_for_the_instrument_or_interval(written, tmp_path, name, semitones, sharps, label):
    before = read(written[Output.MUSICXML])
    path = transpose_musicxml(written[Output.MUSICXML], tmp_path / "moved.musicxml", parse_transposition(name))
    after = read(path)
    assert schema_errors(path) == []
    assert after[2] == [m + semitones for m in before[2]]  # every note moved, none lost or added
    assert after[0] == sharps and after[3] == before[3] and after[4] == f"Hymn ({label})"


def test_a_key_past_six_sharps_is_written_as_its_enharmonic_twin(tmp_path):
    score = music21.stream.Score([music21.stream.Part([music21.stream.Measure(
        [music21.key.KeySignature(5), music21.meter.TimeSignature("3/4"),
         *(music21.note.Note(n) for n in ("B4", "C#5", "D#5"))])])])
    score.write("musicxml", fp=str(tmp_path / "b-major.musicxml"))
    path = transpose_musicxml(tmp_path / "b-major.musicxml", tmp_path / "up.musicxml", parse_transposition("M2"))
    sharps, names, midi, _, _ = read(path)
    assert sharps == -5 and names == ["D-5", "E-5", "F5"] and midi == [73, 75, 77]  # D♭ major, not C♯


def test_the_score_midi_moves_with_its_key_signature(written, tmp_path):
    path = transpose_midi(written[Output.SCORE_MIDI], tmp_path / "moved.mid", parse_transposition("Bb"))

    def notes_and_key(midi_path):
        midi = mido.MidiFile(str(midi_path))
        notes = [(m.note, m.time) for t in midi.tracks for m in t if m.type == "note_on"]
        return notes, next(m.key for t in midi.tracks for m in t if m.type == "key_signature")

    (before, key_before), (after, key_after) = notes_and_key(written[Output.SCORE_MIDI]), notes_and_key(path)
    assert key_before == "F" and key_after == "G"
    assert after == [(n + 2, t) for n, t in before]  # same times: playback still follows the recording


def test_a_transposed_pdf_says_so_under_its_title(written, tmp_path):
    pdf = write_transposed(Output.PDF, written[Output.MUSICXML], tmp_path / "hymn.pdf", parse_transposition("Eb"))
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Hymn (for E♭ instruments)" in text and CREDIT in text


def test_notes_moved_outside_midi_are_refused(tmp_path):
    track = mido.MidiTrack([mido.Message("note_on", note=120, velocity=80), mido.Message("note_off", note=120)])
    mido.MidiFile(tracks=[track]).save(str(tmp_path / "high.mid"))
    with pytest.raises(TranspositionError, match="outside MIDI's range"):
        transpose_midi(tmp_path / "high.mid", tmp_path / "higher.mid", parse_transposition("P8"))


@pytest.mark.parametrize("value, reason", [
    ("G", "must be Bb, Eb or F"),
    ("up a bit", "must be Bb, Eb or F"),
    ("P3", "P3 is not an interval"),
    ("M5", "M5 is not an interval"),
    ("P22", "more than two octaves"),
    ("-M16", "more than two octaves"),
])
def test_a_bad_transposition_says_what_is_accepted(value, reason):
    with pytest.raises(TranspositionError, match=reason):
        parse_transposition(value)
