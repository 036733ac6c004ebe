"""Auto: the instrument classifier sends a solo piano to the piano model and a string quartet to
the ensemble model. The clips are rendered here through MuseScore General, the soundfont kept for
evaluation (the classifier never heard it)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.trainer.corpus import EVAL_SOUNDFONT


@pytest.fixture(scope="module")
def renderer():
    from services.trainer.render import Renderer

    r = Renderer()
    r.sfids["eval"] = r.synth.sfload(EVAL_SOUNDFONT)
    return r


def _mix(stems: list[np.ndarray]) -> np.ndarray:
    y = np.zeros(max(len(s) for s in stems), np.float32)
    for s in stems:
        y[: len(s)] += s
    return y / np.abs(y).max() * 0.8


@pytest.fixture(scope="module")
def piano_clip(renderer) -> np.ndarray:
    from services.trainer.piano import perform_piano
    from services.trainer.piano_textures import generated_score
    from services.trainer.render import Part, piano

    rng = np.random.default_rng(7)
    played = perform_piano(generated_score(rng, quarters=40.0), rng)
    return _mix([renderer.render_part(Part(piano(0, 0), played.notes, played.pedal), "eval", rng)])


@pytest.fixture(scope="module")
def quartet_clip(renderer) -> np.ndarray:
    from services.trainer.perform import assign_instruments, perform_excerpt

    rng = np.random.default_rng(7)
    excerpt = perform_excerpt("bach/bwv66.6.mxl", "strings", rng)
    players = assign_instruments(excerpt.parts, "strings", rng)
    assert {p.instrument.name for p in players} >= {"violin", "cello"}
    renderer.reset()
    return _mix([renderer.render_part(p, "eval", rng) for p in players])


def test_auto_hears_a_piano_and_a_string_quartet(piano_clip, quartet_clip):
    from tunescribe.cards import Instrument
    from tunescribe.model import load_classifier
    from tunescribe.features import compute_features

    classifier = load_classifier()
    assert classifier.instrument(compute_features(piano_clip)) == Instrument.PIANO
    assert classifier.instrument(compute_features(quartet_clip)) == Instrument.ENSEMBLE


def test_auto_transcribes_each_with_its_model(piano_clip, quartet_clip):
    from tunescribe.auto import AutoModels
    from tunescribe.cards import Instrument, default_model_dir
    from tunescribe.model import load_classifier, load_model
    from tunescribe.pipeline import transcribe_audio

    piano, ensemble = load_model(default_model_dir(Instrument.PIANO)), load_model(default_model_dir())
    auto = AutoModels(piano, ensemble, load_classifier())
    heard_piano, heard_quartet = transcribe_audio(piano_clip, auto), transcribe_audio(quartet_clip, auto)
    assert heard_piano.model_version == piano.version and heard_piano.notes
    assert heard_quartet.model_version == ensemble.version and heard_quartet.notes


def test_a_damaged_or_foreign_classifier_is_refused_with_its_reason(tmp_path):
    from tunescribe.auto import CLASSIFIER_DIR
    from tunescribe.cards import CARD, WEIGHTS, ModelError
    from tunescribe.model import load_classifier

    card = json.loads((CLASSIFIER_DIR / CARD).read_text())
    (tmp_path / CARD).write_text(json.dumps(card))
    (tmp_path / WEIGHTS).write_bytes((CLASSIFIER_DIR / WEIGHTS).read_bytes()[:4000])
    with pytest.raises(ModelError, match="unreadable"):
        load_classifier(tmp_path)
    (tmp_path / CARD).write_text(json.dumps({**card, "features": {**card["features"], "n_bins": 229}}))
    with pytest.raises(ModelError, match="other features"):
        load_classifier(tmp_path)
