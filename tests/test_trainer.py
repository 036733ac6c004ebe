"""The training side: rendering with labels that follow the sound, works and their splits,
performances, the corpus files, the corpus builder, a training step."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from services.trainer import corpus
from services.trainer.perform import Rubato, generated_keyboard, perform
from services.trainer.render import INSTRUMENTS, Part, Renderer, speaking_delays
from services.trainer.renditions import (notes_from_table, notes_to_table, read_manifest, read_rendition,
                                         write_manifest, write_rendition)
from services.trainer.train import train
from services.trainer.works import bars_of, list_works, split_of
from tunescribe.constants import FRAMES_PER_SECOND, N_BINS
from tunescribe.notes import Note

TWO_SHORT_WORKS = ["bach/bwv66.6.mxl", "ryansMammoth/DustyMillersJig.abc"]


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def test_piano_speaks_at_once_and_a_violin_later(renderer):
    notes = [Note(67, 0.2 + i, 0.9 + i, 90) for i in range(4)]
    rng = np.random.default_rng(1)
    piano = renderer.render_part(Part(INSTRUMENTS["piano"], notes), "fluidr3_gm", rng)
    violin = renderer.render_part(Part(INSTRUMENTS["violin"], notes), "fluidr3_gm", rng)
    assert np.mean(speaking_delays(piano, notes)) < 0.02
    assert np.mean(speaking_delays(violin, notes)) > np.mean(speaking_delays(piano, notes))


def test_split_is_by_work_and_stable():
    works = list_works()
    splits = {w: split_of(w) for w in works}
    assert set(splits.values()) == {"train", "validation", "test"}
    assert splits == {w: split_of(w) for w in works}
    assert 0.04 < sum(s == "test" for s in splits.values()) / len(works) < 0.15


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    rows = corpus.build(out, 0, processes=1, works=TWO_SHORT_WORKS)
    return out, rows


def test_corpus_builder_renders_two_short_works(small_corpus):
    out, rows = small_corpus
    assert [r["work"] for r in rows] == TWO_SHORT_WORKS
    assert all("error" not in r for r in rows), rows
    for r in rows:
        stored = read_rendition(out / r["split"] / f"{r['id']}.npz")
        feats, notes = stored.features, stored.notes
        assert feats.shape[1] == N_BINS
        assert abs(len(feats) / FRAMES_PER_SECOND - r["seconds"]) < 0.1
        assert len(notes) == r["notes"] > 10
        assert all(n.end_s > n.start_s for n in notes) and max(n.end_s for n in notes) <= r["seconds"]
    assert read_manifest(out) == rows


def test_corpus_builder_is_deterministic(small_corpus, tmp_path):
    out, rows = small_corpus
    again = corpus.build(tmp_path, 0, processes=1, works=TWO_SHORT_WORKS)
    assert again == rows
    for r in rows:
        a, b = (read_rendition(d / r["split"] / f"{r['id']}.npz") for d in (out, tmp_path))
        assert a.notes == b.notes and np.array_equal(a.features, b.features)


def test_a_rendition_does_not_depend_on_what_the_worker_rendered_before(small_corpus, tmp_path):
    """The second work, rendered by a fresh worker, sounds as it did after the first one: the
    same labels, and features within 0.1 dB on 99 % of bins (the synthesizer's reset leaves a
    residue of about -44 dB)."""
    out, rows = small_corpus
    alone = corpus.build(tmp_path, 0, seed=1, processes=1, works=TWO_SHORT_WORKS[1:])
    assert alone == rows[1:]
    r = rows[1]
    a, b = (read_rendition(d / r["split"] / f"{r['id']}.npz") for d in (out, tmp_path))
    assert a.notes == b.notes
    diff = np.abs(a.features.astype(np.float32) - b.features.astype(np.float32))
    assert np.percentile(diff, 99) < 0.1, np.percentile(diff, [50, 99, 100])


def test_building_one_split_leaves_the_others_alone(small_corpus, tmp_path):
    out, rows = small_corpus
    copy = tmp_path / "corpus"
    shutil.copytree(out, copy)
    assert {r["split"] for r in rows} == {"train"}
    assert corpus.build(copy, 0, processes=1, works=TWO_SHORT_WORKS, splits=("test",)) == []
    assert read_manifest(copy) == rows
    assert all((copy / "train" / f"{r['id']}.npz").is_file() for r in rows)


def test_one_training_step_then_resume(small_corpus, tmp_path):
    out, rows = small_corpus
    split = rows[0]["split"]
    for name in ("train", "validation"):  # whatever split the works hashed to, train and validate on them
        (out / name).mkdir(exist_ok=True)
        for f in (out / split).glob("*.npz"):
            if not (out / name / f.name).exists():
                (out / name / f.name).symlink_to(f)
    model, state = train(out, tmp_path / "run", minutes=1e-4, batch=2, patch_frames=64, steps_per_epoch=1)
    assert state["epoch"] == 1 and np.isfinite(state["history"][0]["loss"])
    assert (tmp_path / "run" / "last.weights.h5").is_file()
    _, state = train(out, tmp_path / "run", minutes=state["elapsed_s"] / 60 + 1e-4, batch=2, patch_frames=64,
                     steps_per_epoch=1)
    assert state["epoch"] >= 2  # resumed, not restarted


def test_generated_keyboard_material_spans_the_keyboard():
    rng = np.random.default_rng(3)
    notes = [n for i in range(8) for part in generated_keyboard(rng, 30.0) for n in part]
    pitches = np.array([n.pitch for n in notes])
    assert pitches.min() >= 21 and pitches.max() <= 108
    assert pitches.min() < 36 and pitches.max() > 96  # the extremes of the keyboard, not only the middle
    assert all(n.end_s > n.start_s for n in notes)


def test_corpus_renditions_carry_their_true_score_in_every_split(tmp_path):
    """A training rendition too (the beat network's targets), though without its audio."""
    corpus.start_renderer(with_eval_font=False)
    row = corpus.render_job(corpus.Job("bach/bwv66.6.mxl", "train", 5), tmp_path)
    assert sorted(p.suffix for p in (tmp_path / "train").iterdir()) == [".json", ".npz"]
    truth = json.loads((tmp_path / "train" / f"{row['id']}.score.json").read_text())
    labels = read_rendition(tmp_path / "train" / f"{row['id']}.npz").notes
    assert truth["work"] == "bach/bwv66.6.mxl" and len(truth["notes"]) == len(labels) == row["notes"]
    clock = Rubato(**truth["rubato"])
    onset_q = np.array([o for o, _, _ in truth["notes"]])
    # each label sounds where the rubato clock puts its score position (players' jitter, speaking delay)
    late = np.array([n.start_s for n in labels]) - (clock.seconds(onset_q) - truth["window_start_s"])
    assert np.all(np.abs(late) < 0.2)
    assert all(d > 0 for _, d, _ in truth["notes"])


def test_performers_stress_the_bars_first_beats_after_a_pickup():
    """bwv66.6 starts with a quarter-note pickup: its bars begin at 1, 5, 9... quarters, and those
    beats are played louder, not the pickup's 0, 4, 8..."""
    bars = bars_of("bach/bwv66.6.mxl")
    assert (bars[0].start, bars[0].pad, bars[1].start) == (0.0, 3.0, 1.0)
    downbeats = [b.start for b in bars if b.pad == 0]
    part = [(float(q), 1.0, 60) for q in range(int(max(downbeats)) + 1)]  # a quarter note on every beat
    velocity = np.array([[n.velocity for n in p] for p in perform([part] * 16, np.random.default_rng(0),
                                                                  downbeats=downbeats)])
    by_beat = [velocity[:, b::4].mean() for b in range(4)]  # quarter q is beat (q - 1) % 4 + 1 of its bar
    assert int(np.argmax(by_beat)) == 1 and by_beat[1] - max(by_beat[0], by_beat[2], by_beat[3]) > 3


def test_a_rendition_reads_back_as_it_was_written(tmp_path):
    """The corpus files' one writer and one reader: features as float16, notes to float32
    precision; audio, MIDI and the true score only when given; the manifest keeps made renditions."""
    notes = [Note(60, 0.25, 0.75, 90), Note(64, 0.5, 1.125, 70), Note(108, 1.0, 2.0, 1)]
    features = np.random.default_rng(0).random((40, N_BINS)).astype(np.float32)
    assert notes_from_table(notes_to_table(notes)) == notes and notes_to_table([]).shape == (0, 4)
    write_rendition(tmp_path / "train", "a", features, notes)
    write_rendition(tmp_path / "test", "b", features, notes, np.zeros(16_000, np.float32), {"work": "w", "notes": []})
    got = read_rendition(tmp_path / "train" / "a.npz")
    assert got.notes == notes and np.array_equal(got.features, features.astype(np.float16)) and got.pedal == []
    assert sorted(p.name for p in (tmp_path / "train").iterdir()) == ["a.npz"]
    assert sorted(p.name for p in (tmp_path / "test").iterdir()) == ["b.flac", "b.mid", "b.npz", "b.score.json"]
    write_manifest(tmp_path, [{"id": "a", "split": "train"}, {"work": "x", "error": "unreadable"},
                              {"id": "b", "split": "test"}])
    assert read_manifest(tmp_path, "test") == [{"id": "b", "split": "test"}]
    assert [r["id"] for r in read_manifest(tmp_path)] == ["a", "b"]
