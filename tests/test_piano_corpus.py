"""The piano corpus: pianos that hold their notes under the pedal, generated textures that cover the
keyboard and strike keys again under the pedal, and the builder's files (pedal tables, manifest
rows of instrument piano, evaluation MIDI with CC64), all rendered with the real FluidSynth."""

from __future__ import annotations

import numpy as np
import pytest

from services.trainer import corpus
from services.trainer.piano import perform_piano
from services.trainer.piano_textures import TEXTURES, generated_score
from services.trainer.render import PIANOS, SOUNDFONTS, Part, Renderer, piano
from services.trainer.renditions import (ENSEMBLE, PIANO, instrument_of, notes_to_table, read_manifest, read_rendition,
                                         write_rendition)
from tunescribe.constants import SAMPLE_RATE
from tunescribe.midi import read_midi_notes, read_midi_pedal
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan, sounding

TWO_SHORT_WORKS = ["bach/bwv66.6.mxl", "schoenberg/opus19/movement2.mxl"]


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def _rms_db(y: np.ndarray, t0: float, t1: float) -> float:
    seg = y[int(t0 * SAMPLE_RATE):int(t1 * SAMPLE_RATE)]
    return 20 * np.log10(np.sqrt(np.mean(seg**2)) + 1e-9)


def test_training_pianos_are_never_the_evaluation_sounds():
    for font, _, _ in PIANOS:
        assert font in SOUNDFONTS
    for path in SOUNDFONTS.values():
        assert "musescore" not in path.lower() and "salamander" not in path.lower()


@pytest.mark.parametrize("font,bank,program", PIANOS)
def test_every_piano_holds_a_released_note_while_the_pedal_is_down(renderer, font, bank, program):
    """C4 released at 0.4 s: from 0.6 to 1.2 s the pedalled rendition is at least 15 dB louder."""
    notes = [Note(60, 0.1, 0.4, 90)]
    rng = np.random.default_rng(0)
    renderer.reset()
    dry = renderer.render_part(Part(piano(bank, program), notes), font, rng)
    renderer.reset()
    held = renderer.render_part(Part(piano(bank, program), notes, [PedalSpan(0.05, 1.6, 1.0)]), font, rng)
    assert _rms_db(held, 0.6, 1.2) - _rms_db(dry, 0.6, 1.2) > 15
    assert abs(_rms_db(held, 0.1, 0.35) - _rms_db(dry, 0.1, 0.35)) < 1  # the same while the key is down


@pytest.mark.parametrize("cents", [-20, 20])
def test_a_detuned_piano_sounds_that_many_cents_off(renderer, cents):
    renderer.reset()
    y = renderer.render_part(Part(piano(0, 0), [Note(69, 0.1, 1.5, 90)], detune_cents=cents), "fluidr3_gm",
                             np.random.default_rng(0))
    seg = y[int(0.3 * SAMPLE_RATE):int(1.3 * SAMPLE_RATE)]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), 16 * len(seg)))
    freqs = np.fft.rfftfreq(16 * len(seg), 1 / SAMPLE_RATE)
    band = (freqs > 420) & (freqs < 460)
    f0 = freqs[band][np.argmax(spectrum[band])]
    assert abs(1200 * np.log2(f0 / 440) - cents) < 3


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(7)
    return [generated_score(rng) for _ in range(6)]


@pytest.fixture(scope="module")
def generated(scores):
    rng = np.random.default_rng(8)
    return [perform_piano(s, rng) for s in scores]


def test_generated_textures_cover_the_88_keys_in_every_texture(scores, generated):
    pitches = {n.pitch for p in generated for n in p.notes}
    assert min(pitches) == 21 and max(pitches) >= 105 and len(pitches) >= 80
    played = {kind for s in scores for kind in s.source.removeprefix("generated: ").split()}
    assert played == set(TEXTURES) == {"chords", "alberti", "stride", "octaves", "arpeggio", "scale", "repeated",
                                       "trill", "crossing"}


def test_generated_performances_strike_keys_again_under_the_pedal(generated):
    """A key released, then struck again while the pedal still holds its sound: the earlier note
    sounds until the new strike."""
    restruck = 0
    for perf in generated:
        assert perf.pedal and all(0.5 <= s.depth <= 1.0 and s.end_s > s.start_s for s in perf.pedal)
        by_key: dict[int, list[Note]] = {}
        for n in sounding(perf.notes, perf.pedal):
            by_key.setdefault(n.pitch, []).append(n)
        keys = {(n.pitch, n.start_s): n for n in perf.notes}
        for strikes in by_key.values():
            for a, b in zip(strikes, strikes[1:]):
                released = keys[(a.pitch, a.start_s)].end_s
                assert released < b.start_s  # a key comes up before it is struck again
                restruck += a.end_s == b.start_s and released < a.end_s
    assert restruck > 50


def test_performances_have_soft_passages_and_half_pedal(generated):
    velocities = np.array([n.velocity for p in generated for n in p.notes])
    assert np.percentile(velocities, 2) < 35  # pp
    depths = np.array([s.depth for p in generated for s in p.pedal])
    assert (depths < 0.7).any() and (depths > 0.8).any()


@pytest.fixture(scope="module")
def piano_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("piano-corpus")
    return out, corpus.build(out, 0, processes=1, works=TWO_SHORT_WORKS, piano=True)


def test_piano_builder_writes_renditions_with_their_pedal(piano_corpus):
    out, rows = piano_corpus
    assert [r["work"] for r in rows] == TWO_SHORT_WORKS and all("error" not in r for r in rows), rows
    assert read_manifest(out) == rows
    for r in rows:
        assert instrument_of(r) == PIANO and r["kind"] == PIANO and r["soundfont"] in SOUNDFONTS
        stored = read_rendition(out / r["split"] / f"{r['id']}.npz")
        assert len(stored.notes) == r["notes"] and len(stored.pedal) == r["pedal_spans"] > 0
        assert all(0 <= p.start_s < p.end_s <= r["seconds"] for p in stored.pedal)
        with np.load(out / r["split"] / f"{r['id']}.npz") as z:
            assert z["pedal"].dtype == np.float32 and z["pedal"].shape == (len(stored.pedal), 3)


def test_piano_builder_resumes_without_rendering_again(piano_corpus):
    out, rows = piano_corpus
    files = sorted(out.glob("*/*.npz"))
    stamps = [f.stat().st_mtime_ns for f in files]
    assert corpus.build(out, 0, processes=1, works=TWO_SHORT_WORKS, piano=True) == rows
    assert [f.stat().st_mtime_ns for f in files] == stamps


def test_an_evaluation_piano_rendition_carries_its_pedal_in_the_midi(tmp_path):
    corpus.start_renderer(with_eval_font=False)
    row = corpus.render_job(corpus.Job(TWO_SHORT_WORKS[0], "validation", 5, PIANO), tmp_path)
    stored = read_rendition(tmp_path / "validation" / f"{row['id']}.npz")
    mid = tmp_path / "validation" / f"{row['id']}.mid"
    assert (tmp_path / "validation" / f"{row['id']}.flac").is_file()
    assert [n.pitch for n in read_midi_notes(mid)] == [n.pitch for n in stored.notes]
    back = read_midi_pedal(mid)
    assert len(back) == len(stored.pedal) > 0
    assert np.allclose([(p.start_s, p.end_s) for p in back], [(p.start_s, p.end_s) for p in stored.pedal], atol=0.002)


def test_the_pedal_reads_back_as_written_and_old_files_read_as_no_pedal(tmp_path):
    features = np.zeros((10, 4), np.float32)
    notes, pedal = [Note(60, 0.25, 0.75, 90)], [PedalSpan(0.5, 1.25, 1.0), PedalSpan(1.5, 2.0, 0.5)]
    write_rendition(tmp_path, "new", features, notes, pedal=pedal)
    write_rendition(tmp_path, "none", features, notes)
    np.savez(tmp_path / "old.npz", features=features.astype(np.float16), notes=notes_to_table(notes))
    assert read_rendition(tmp_path / "new.npz").pedal == pedal
    with np.load(tmp_path / "none.npz") as z:
        assert z["pedal"].shape == (0, 3)
    assert read_rendition(tmp_path / "none.npz").pedal == read_rendition(tmp_path / "old.npz").pedal == []
    assert instrument_of({"id": "old", "kind": "mixed"}) == ENSEMBLE
