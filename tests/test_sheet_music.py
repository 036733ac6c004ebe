"""The whole pipeline on known short scores: each is rendered with FluidSynth (a General MIDI piano,
the way the corpus renders), transcribed by the shipped model and written as sheet music the way
`tunescribe transcribe --musicxml` writes it; the score comes back with the right meter, key and
number of measures, valid MusicXML 4.0 that MuseScore 3 opens without an error and reads the
same way, and a time map that covers the recording."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import music21
import numpy as np
import pytest
import soundfile as sf

from services.trainer.render import INSTRUMENTS, Part, Renderer
from tunescribe.constants import SAMPLE_RATE
from tunescribe.model import load_model
from tunescribe.notation.validate import schema_errors
from tunescribe.outputs import Output
from tunescribe.pipeline import transcribe_file

from benchmarks.known_scores import C_MAJOR_SCALE_3_4, play, rag, six_eight_melody, two_hand_piece, waltz


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def sheet_music(notes, model, renderer, out_dir, stem):
    """Render `notes` on the piano (with FluidSynth's release tail after the last one) into
    <stem>.wav, transcribe it with sheet music (<stem>.musicxml, .score.mid and .timemap.json);
    the re-read score and the audio."""
    renderer.reset()
    y = renderer.render_part(Part(INSTRUMENTS["piano"], notes), "fluidr3_gm", np.random.default_rng(0))
    y = (y / np.abs(y).max() * 0.8).astype(np.float32)
    sf.write(out_dir / f"{stem}.wav", y, SAMPLE_RATE, subtype="FLOAT")
    path = transcribe_file(out_dir / f"{stem}.wav", out_dir, stem, model=model).files[Output.MUSICXML]
    assert schema_errors(path) == []
    return music21.converter.parse(str(path)), y


def written(score) -> tuple[str, int, int]:
    """(time signature, key signature in sharps, measures) as a reader of the file sees them."""
    ts = score.recurse().getElementsByClass(music21.meter.TimeSignature)[0].ratioString
    ks = score.recurse().getElementsByClass(music21.key.KeySignature)
    return ts, ks[0].sharps if ks else 0, len(score.parts[0].getElementsByClass(music21.stream.Measure))


def musescore_reads(path) -> tuple[str, int, int]:
    """(time signature, key signature in sharps, measures on every staff) as MuseScore 3 reads the
    file, converted headless to its own format; any error it reports on the way fails."""
    mscx = path.with_suffix(".mscx")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(path.parent)}
    run = subprocess.run(["mscore3", "-o", str(mscx), str(path)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "error" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
    score = ET.parse(mscx).getroot().find("Score")
    (measures,) = {len(staff.findall("Measure")) for staff in score.findall("Staff")}
    sharps = score.find(".//KeySig/accidental")
    return (f"{score.find('.//TimeSig/sigN').text}/{score.find('.//TimeSig/sigD').text}",
            0 if sharps is None else int(sharps.text), measures)


@pytest.mark.parametrize("name, events, bpm, beat_quarters, accent_every, expected", [
    ("two_hands_4_4", two_hand_piece(), 100, 1.0, 4, ("4/4", -1, 8)),
    ("melody_6_8", six_eight_melody(), 60, 1.5, 3, ("6/8", 2, 8)),
    ("waltz_3_4", waltz(), 90, 1.0, None, ("3/4", 1, 12)),
])
def test_rendered_score_comes_back_with_its_meter_key_and_measures(
        name, events, bpm, beat_quarters, accent_every, expected, model, renderer, tmp_path):
    notes = play(events, bpm, beat_quarters=beat_quarters, accent_every=accent_every)
    score, y = sheet_music(notes, model, renderer, tmp_path, name)
    assert written(score) == expected and score.metadata.bestTitle == name
    assert musescore_reads(tmp_path / f"{name}.musicxml") == expected
    times = [e["seconds"] for e in json.loads((tmp_path / f"{name}.timemap.json").read_text())]
    assert times == sorted(times) and times[0] <= notes[0].start_s + 0.05 and times[-1] >= len(y) / SAMPLE_RATE


def test_the_grand_staff_keeps_the_hands_apart(model, renderer, tmp_path):
    score, _ = sheet_music(play(two_hand_piece(), 100, accent_every=4), model, renderer, tmp_path, "hands")
    treble, bass = score.parts  # music21 reads the grand staff's two staves as two PartStaffs
    assert [p.recurse().getElementsByClass(music21.clef.Clef)[0].sign for p in (treble, bass)] == ["G", "F"]
    high, low = [p.midi for p in treble.recurse().pitches], [p.midi for p in bass.recurse().pitches]
    # the melody (F4 and above) in the treble, the bass (C3 and below) in the bass; the
    # transcription's few extra notes (an octave of a bass note) fall between them, in either staff
    assert {p for p in high + low if p >= 65} <= set(high) and {p for p in high + low if p <= 48} <= set(low)


@pytest.mark.xfail(strict=True, reason="known miss: a bare scale's only bar cue is its accents, which the "
                   "transcription's velocities keep at about a third of their size (105 against 70 comes back "
                   "as about 105 against 93), and the meter model reads 4/2; the notes alone read 3/4")
def test_a_rendered_scale_in_three_four_is_written_in_three_four(model, renderer, tmp_path):
    score, _ = sheet_music(play(C_MAJOR_SCALE_3_4, 90, accent_every=3), model, renderer, tmp_path, "scale")
    assert written(score) == ("3/4", 0, 6)


def test_a_rendered_rag_in_straight_sixteenths_is_written_without_a_tuplet(model, renderer, tmp_path):
    """Issue 28: a 2/4 rag (quarter = 120) in straight sixteenths comes back in 2/4 (or 4/4) and not
    one note in a tuplet (the Maple Leaf Rag came back with 12:7, 7:8, 12:11 and 11:8 tuplets)."""
    score, _ = sheet_music(play(rag(), 120, accent_every=2), model, renderer, tmp_path, "rag")
    assert written(score)[:2] in (("2/4", 0), ("4/4", 0))
    assert [n for n in score.recurse().notes if n.duration.tuplets] == []


@pytest.mark.xfail(strict=True, reason="known miss (issue 28): the meter model reads the rag at quarter = 60, its "
                   "sixteenths as thirty-seconds; leaving out readings with many onsets off their sixteenths fixed "
                   "it but read Bach chorales in 2/4 at twice their tempo (docs/notation-experiments.md)")
def test_a_rendered_rag_is_written_at_its_tempo(model, renderer, tmp_path):
    score, _ = sheet_music(play(rag(), 120, accent_every=2), model, renderer, tmp_path, "rag")
    assert abs(score.recurse().getElementsByClass(music21.tempo.MetronomeMark)[0].getQuarterBPM() - 120) < 6
