"""Issue 28, item 4: a new time or key signature where the music changes within a recording (the
pieces of a medley, the keys of a long piece), and one of each for music that does not change.
The medley is also rendered with FluidSynth and transcribed by the shipped model."""

from __future__ import annotations

from dataclasses import replace

import mido
import music21
import numpy as np
import pytest
import soundfile as sf

from services.trainer.render import INSTRUMENTS, Part, Renderer
from tunescribe.constants import SAMPLE_RATE
from tunescribe.model import load_model
from tunescribe.notation.export import write_score_midi
from tunescribe.notation import build_score, write_musicxml
from tunescribe.notation.sections import key_changes, split_pieces
from tunescribe.notation.transpose import parse_transposition, transpose_midi
from tunescribe.notation.validate import schema_errors
from tunescribe.outputs import Output
from tunescribe.pipeline import transcribe_file

from benchmarks.known_scores import medley, play, rag, six_eight_melody, two_hand_piece, waltz

SECOND_PIECE = 17  # the waltz fills 16 bars: the E-flat piece starts in measure 17


def signatures(path) -> list[list[tuple[int, str, int]]]:
    """Per staff of a MusicXML file, every (measure, time signature, key signature in sharps) where
    either is written: what a reader of the file sees."""
    out = []
    for part in music21.converter.parse(str(path)).parts:
        marks = []
        for m in part.getElementsByClass(music21.stream.Measure):
            ts, ks = m.getElementsByClass(music21.meter.TimeSignature), m.getElementsByClass(music21.key.KeySignature)
            if ts or ks:
                marks.append((m.number, ts[0].ratioString if ts else None, ks[0].sharps if ks else None))
        out.append(marks)
    return out


def twice(notes, gap_s):
    """`notes` played again `gap_s` after they end."""
    again = max(n.end_s for n in notes) + gap_s
    return notes + [replace(n, start_s=n.start_s + again, end_s=n.end_s + again) for n in notes]


@pytest.mark.parametrize("gap_s", [1.5, 0.3])
def test_a_medley_gets_the_second_pieces_time_and_key_signature_where_it_starts(gap_s, tmp_path):
    notes, _ = medley(gap_s)
    result = build_score(notes)
    assert [(s.measure, s.meter, s.key.fifths) for s in result.sections] == [(1, "3/4", 1), (SECOND_PIECE, "4/4", -3)]
    assert (result.meter, result.key.fifths) == ("3/4", 1)  # the first piece's, for a single-signature reader
    assert result.n_measures == 32
    path = write_musicxml(result, tmp_path / "medley.musicxml")
    assert schema_errors(path) == []
    assert signatures(path) == [[(1, "3/4", 1), (SECOND_PIECE, "4/4", -3)]] * 2  # on both staves of the grand staff


def test_a_medleys_time_map_and_score_midi_follow_both_pieces(tmp_path):
    notes, start_s = medley(1.5)
    result = build_score(notes)
    seconds = [e.seconds for e in result.time_map]
    assert seconds == sorted(seconds) and seconds[-1] >= max(n.end_s for n in notes)
    assert [e.beat for e in result.time_map if e.measure == 16] == [1, 2, 3]
    assert [e.beat for e in result.time_map if e.measure == SECOND_PIECE][:4] == [1, 2, 3, 4]
    assert next(e.seconds for e in result.time_map if e.measure == SECOND_PIECE) == pytest.approx(start_s, abs=0.05)
    assert result.quarters(start_s) == pytest.approx(16 * 3, abs=0.1)
    path = write_score_midi(result, tmp_path / "medley.mid")
    mid = mido.MidiFile(str(path))
    meta = [(m.type, getattr(m, "numerator", None) or getattr(m, "key", None)) for m in mid.tracks[0]
            if m.type in ("time_signature", "key_signature")]
    assert meta == [("time_signature", 3), ("key_signature", "G"), ("time_signature", 4), ("key_signature", "Eb")]
    played, now = [], 0.0
    for msg in mid:  # the score MIDI plays in the recording's time (from the first downbeat)
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            played.append(now)
    heard = sorted({round(n.start_s - result.grid.beats_s[0], 2) for n in notes})
    assert max(abs(a - b) for a, b in zip(sorted({round(t, 2) for t in played}), heard)) < 0.05
    moved = transpose_midi(path, tmp_path / "up.mid", parse_transposition("Bb"))
    assert [m.key for m in mido.MidiFile(str(moved)).tracks[0] if m.type == "key_signature"] == ["A", "F"]


def test_a_piece_that_changes_key_keeps_its_bars_and_changes_signature_where_the_key_changes():
    """The waltz in G and then a major third lower, in E-flat, without a break: one meter, one grid,
    a new key signature in bar 17."""
    events = waltz(16) + [(p - 4, s + 48, d) for p, s, d in waltz(16)]
    result = build_score(play(events, 90))
    assert len(result.passages) == 1
    assert [(s.measure, s.meter, s.key.fifths) for s in result.sections] == [(1, "3/4", 1), (17, "3/4", -3)]


def test_a_modulation_to_the_dominant_keeps_the_key_signature():
    """C major, eight bars in G major (F sharp for F), C major again: written with accidentals."""
    events = [(p - 7, s, d) for p, s, d in waltz(8)] + [(p, s + 24, d) for p, s, d in waltz(8)] \
        + [(p - 7, s + 48, d) for p, s, d in waltz(8)]
    notes = play(events, 90)
    result = build_score(notes)
    assert [(s.measure, s.meter, s.key.fifths) for s in result.sections] == [(1, "3/4", 0)]
    assert len(key_changes(notes, result.grid)) == 1


@pytest.mark.parametrize("name, notes", [
    ("two_hands", play(two_hand_piece(), 100, accent_every=4)),
    ("waltz", play(waltz(16), 90)),
    ("six_eight", play(six_eight_melody(), 60, beat_quarters=1.5, accent_every=3, jitter_s=0.008)),
    ("rag_twice_with_a_pause", twice(play(rag(), 120, accent_every=2), 2.0)),
])
def test_music_that_does_not_change_gets_one_time_and_one_key_signature(name, notes, tmp_path):
    result = build_score(notes)
    assert len(split_pieces(sorted(notes, key=lambda n: (n.start_s, n.pitch)))) == 1
    assert [(s.measure, s.meter, s.key) for s in result.sections] == [(1, result.meter, result.key)]
    path = write_musicxml(result, tmp_path / f"{name}.musicxml")
    assert all(len(marks) == 1 and marks[0][0] == 1 for marks in signatures(path))


def test_a_rendered_medley_comes_back_with_both_time_and_key_signatures(tmp_path):
    """Issue 28's test: a waltz in G, 3/4 and a piece in E-flat, 4/4, rendered on the piano into one
    recording with 1.5 s between them and transcribed by the shipped model, come back in 3/4 with
    one sharp, then 4/4 with three flats from the bar where the second piece starts."""
    notes, _ = medley(1.5)
    renderer = Renderer()
    y = renderer.render_part(Part(INSTRUMENTS["piano"], notes), "fluidr3_gm", np.random.default_rng(0))
    sf.write(tmp_path / "medley.wav", (y / np.abs(y).max() * 0.8).astype(np.float32), SAMPLE_RATE, subtype="FLOAT")
    path = transcribe_file(tmp_path / "medley.wav", tmp_path, "medley", model=load_model()).files[Output.MUSICXML]
    assert schema_errors(path) == []
    for marks in signatures(path):
        assert [(ts, ks) for _, ts, ks in marks] == [("3/4", 1), ("4/4", -3)]
        assert abs(marks[1][0] - SECOND_PIECE) <= 1
