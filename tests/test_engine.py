"""The shipped model end to end: rendered audio in, notes and MIDI out."""

from __future__ import annotations

import subprocess
import sys

import mido
import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from services.trainer.render import INSTRUMENTS, Part, Renderer
from tunescribe.constants import SAMPLE_RATE
from tunescribe.evaluate import score_notes
from tunescribe.midi import read_midi_notes, write_midi
from tunescribe.cards import ModelError
from tunescribe.model import load_model
from tunescribe.notes import Note
from tunescribe.outputs import Output, Stage
from tunescribe.pipeline import SHEET_MUSIC, transcribe_audio, transcribe_file


@pytest.fixture(scope="module")
def model():
    return load_model()


def scale_and_chords() -> list[Note]:
    """C major scale up (eighths at 100 bpm) then four three-note chords."""
    notes, t = [], 0.5
    for p in [60, 62, 64, 65, 67, 69, 71, 72]:
        notes.append(Note(p, t, t + 0.28, 80))
        t += 0.3
    for chord in ([48, 55, 64], [53, 57, 65], [55, 59, 67], [48, 52, 60, 72]):
        t += 0.2
        notes += [Note(p, t, t + 0.8, 75) for p in chord]
        t += 0.9
    return notes


@pytest.fixture(scope="module")
def piano_clip() -> tuple[np.ndarray, list[Note]]:
    notes = scale_and_chords()
    rng = np.random.default_rng(0)
    y = Renderer().render_part(Part(INSTRUMENTS["piano"], notes), "fluidr3_gm", rng)
    return y / np.abs(y).max() * 0.8, notes


def test_shipped_model_transcribes_a_rendered_piano_clip(model, piano_clip):
    y, ref = piano_clip
    est = transcribe_audio(y, model).notes
    scores = score_notes(ref, est)
    assert scores.note_f1 >= 0.9, scores


def test_silence_gives_zero_notes(model, tmp_path):
    notes = transcribe_audio(np.zeros(SAMPLE_RATE * 3, np.float32), model).notes
    assert notes == []
    write_midi(notes, tmp_path / "silence.mid")
    assert read_midi_notes(tmp_path / "silence.mid") == []


def test_cli_transcribes_files_and_evaluates_them(piano_clip, tmp_path):
    y, ref = piano_clip
    audio_dir, ref_dir, out = tmp_path / "audio", tmp_path / "ref", tmp_path / "out"
    audio_dir.mkdir(), ref_dir.mkdir()
    sf.write(audio_dir / "piano.flac", y, SAMPLE_RATE)
    sf.write(audio_dir / "piano2.wav", y, SAMPLE_RATE)
    write_midi(ref, ref_dir / "piano.mid")
    cli = [sys.executable, "-m", "tunescribe.cli"]
    run = subprocess.run([*cli, "transcribe", str(audio_dir / "piano.flac"), str(audio_dir / "piano2.wav"),
                          "--out-dir", str(out), "--instrument", "ensemble"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (out / "piano.mid").is_file() and (out / "piano2.mid").is_file()
    assert len(mido.MidiFile(out / "piano.mid").tracks) == 1
    report = subprocess.run([*cli, "evaluate", "--ref", str(ref_dir), "--est", str(out)], capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    mean_line = next(line for line in report.stdout.splitlines() if line.startswith("mean"))
    assert float(mean_line.split()[3]) >= 0.9  # note F1 column


def test_the_piano_model_hears_octave_doublings_in_chords(piano_clip):
    """F3+F4, C3+C4+C5 among a scale: the upper notes are not taken for overtones (tsunet-piano-v1
    and v2 wrote 17 notes of 21, note F1 0.895; v3, with the onset refinement, 19 and 0.900: at the
    bar, not above it)."""
    from tunescribe.cards import Instrument, default_model_dir

    y, ref = piano_clip
    assert score_notes(ref, transcribe_audio(y, load_model(default_model_dir(Instrument.PIANO))).notes).note_f1 >= 0.9


def test_cli_reports_a_bad_file_and_still_transcribes_the_others(piano_clip, tmp_path):
    y, _ = piano_clip
    sf.write(tmp_path / "good.wav", y, SAMPLE_RATE)
    (tmp_path / "notes.txt").write_text("not audio")
    run = subprocess.run([sys.executable, "-m", "tunescribe.cli", "transcribe", str(tmp_path / "notes.txt"),
                          str(tmp_path / "good.wav"), "--out-dir", str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 1
    assert "notes.txt" in run.stderr
    assert (tmp_path / "out" / "good.mid").is_file()


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="model unavailable"):
        load_model(tmp_path)


def test_model_for_other_features_is_refused(model, tmp_path):
    import json
    import shutil

    shutil.copytree(model.path, tmp_path / "m")
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    card["features"]["hop_length"] = 2048
    (tmp_path / "m" / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="other features"):
        load_model(tmp_path / "m")


def test_long_input_is_processed_in_chunks_with_the_same_result(model, piano_clip):
    """Chunked inference: the same notes whether the clip stands alone or inside a longer file."""
    y, _ = piano_clip
    alone = transcribe_audio(y, model).notes
    long = np.concatenate([np.zeros(SAMPLE_RATE * 20, np.float32), y])
    inside = [Note(n.pitch, n.start_s - 20, n.end_s - 20, n.velocity) for n in transcribe_audio(long, model).notes]
    assert score_notes(alone, inside).note_f1 >= 0.95


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    rate=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000]),
    channels=st.sampled_from([1, 2]),
    seconds=st.floats(0.11, 3.0),  # the engine refuses clips under 0.1 s (EmptyAudio, tested in test_audio)
    data=st.data(),
)
def test_any_signal_gives_a_valid_midi_with_notes_inside_the_audio(model, tmp_path, rate, channels, seconds, data):
    n = int(rate * seconds)
    shape = (n,) if channels == 1 else (n, channels)
    sparse = data.draw(arrays(np.float32, shape, elements=st.floats(-1, 1, width=32), fill=st.floats(-1, 1, width=32)))
    noise = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).standard_normal(shape)
    samples = np.clip(sparse + data.draw(st.floats(0, 1)) * noise, -1, 1).astype(np.float32)
    sf.write(tmp_path / "any.wav", samples, rate, subtype="FLOAT")
    out = transcribe_file(tmp_path / "any.wav", tmp_path, "any", model=model, sheet_music=False)
    parsed = read_midi_notes(out.files[Output.MIDI])
    assert len(parsed) == len(out.notes)
    assert out.duration_s == pytest.approx(seconds, abs=0.01)
    assert all(0 <= n.start_s < n.end_s <= out.duration_s + 1e-3 for n in out.notes)
    assert all(21 <= n.pitch <= 108 and 1 <= n.velocity <= 127 for n in out.notes)


def test_transcribe_file_writes_each_output_and_reports_each_stage_in_order(model, piano_clip, tmp_path):
    y, ref = piano_clip
    sf.write(tmp_path / "piano.wav", y, SAMPLE_RATE, subtype="FLOAT")
    reports = []
    out = transcribe_file(tmp_path / "piano.wav", tmp_path / "out", "take", model=model, title="Piano", pdf=True,
                          on_progress=lambda stage, fraction: reports.append((stage, fraction)))
    assert out.files == {kind: tmp_path / "out" / f"take{kind}" for kind in Output}  # the worker's call: all of them
    assert all(path.is_file() for path in out.files.values())
    assert read_midi_notes(out.files[Output.MIDI]) and score_notes(ref, out.notes).note_f1 >= 0.9
    assert out.duration_s == pytest.approx(len(y) / SAMPLE_RATE, abs=1e-3) and out.score is not None
    assert [stage for stage, _ in reports if _ == 0.0] == list(Stage)  # each stage announced once, in order
    assert all(0.0 <= f <= 1.0 for _, f in reports) and (Stage.TRANSCRIBING, 1.0) in reports
    assert set(out.timings) == set(Stage) and all(t >= 0 for t in out.timings.values())


def test_without_sheet_music_only_the_midi_is_written(model, piano_clip, tmp_path):
    y, _ = piano_clip
    sf.write(tmp_path / "piano.wav", y, SAMPLE_RATE, subtype="FLOAT")
    out = transcribe_file(tmp_path / "piano.wav", tmp_path, "take", model=model, sheet_music=False)
    assert set(out.files) == {Output.MIDI} and out.score is None
    assert not any((tmp_path / f"take{kind}").exists() for kind in SHEET_MUSIC)


def test_cli_writes_sheet_music_with_musicxml(piano_clip, tmp_path):
    import json

    from music21 import converter

    from tunescribe.notation.validate import schema_errors

    y, _ = piano_clip
    sf.write(tmp_path / "piano.take1.wav", y, SAMPLE_RATE)
    run = subprocess.run([sys.executable, "-m", "tunescribe.cli", "transcribe", str(tmp_path / "piano.take1.wav"),
                          "--out-dir", str(tmp_path / "out"), "--musicxml"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "out"
    assert schema_errors(out / "piano.take1.musicxml") == []
    score = converter.parse(out / "piano.take1.musicxml")
    assert len(score.flatten().notes) > 0
    assert len(read_midi_notes(out / "piano.take1.score.mid")) > 0
    times = [e["seconds"] for e in json.loads((out / "piano.take1.timemap.json").read_text())]
    assert times == sorted(times) and times[-1] >= len(y) / SAMPLE_RATE - 0.5
