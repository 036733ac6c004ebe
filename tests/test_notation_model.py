"""The notation model's trainer: true bars from a corpus work, a short training run, and the engine
following whichever weights file it is given."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.trainer import notation as trainer
from tunescribe.notation import weights
from tunescribe.notation.meter import feature_names
from tunescribe.notation.score import build_score
from tunescribe.notes import Note


def test_a_performed_chorale_knows_its_bars():
    """bwv66.6 is in 4/4 with a quarter-note pickup and three sharps."""
    ex = trainer.symbolic_example(("bach/bwv66.6.mxl", 3))
    assert ex["meter"] == "4/4"
    t = ex["truth"]
    beats, downbeats = t["beats_s"], t["downbeats_s"]
    assert len(downbeats) >= 3 and set(downbeats) <= set(beats)
    between = [np.sum((beats >= a) & (beats < b)) for a, b in zip(downbeats[:-1], downbeats[1:])]
    assert set(between) == {4}
    assert (t["fifths"] - 3) % 12 in {(7 * s) % 12 for s in range(-3, 4)}  # transposed by -3..3 semitones
    # the hypotheses were scored against these bars: the best one finds most of them
    assert ex["scores"][:, 1].max() > 0.8


def test_a_short_training_run_writes_a_model_the_engine_loads(tmp_path, monkeypatch):
    trainer.main(["--out", str(tmp_path), "--limit", "6", "--per-work", "1", "--processes", "1"])
    model = json.loads((tmp_path / "weights.json").read_text())
    assert model["meter"]["features"] == feature_names() and model["trained"]["performances"] >= 5
    assert np.all(np.isfinite(model["meter"]["weights"])) and np.all(np.isfinite(model["key"]["weights"]))
    # the card names the command that wrote it, options included
    assert f"--out {tmp_path} --limit 6 --per-work 1 --processes 1`" in (tmp_path / "card.md").read_text()

    # the engine follows the file it is pointed at: a model that only believes in 3/4
    forced = dict(model)
    forced["meter"] = {"features": feature_names(),
                       "weights": [10.0 if f == "3/4_bias" else 0.0 for f in feature_names()]}
    (tmp_path / "forced.json").write_text(json.dumps(forced))
    monkeypatch.setenv(weights.MODEL_ENV, str(tmp_path / "forced.json"))
    notes = [Note(60 + (i % 5), 0.5 * i, 0.5 * i + 0.4, 80) for i in range(32)]
    assert build_score(notes).meter == "3/4"


def test_a_missing_notation_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(weights.MODEL_ENV, str(tmp_path / "nowhere.json"))
    with pytest.raises(weights.NotationModelError, match="notation model missing"):
        build_score([Note(60 + i, 0.5 * i, 0.5 * i + 0.4, 80) for i in range(8)])
