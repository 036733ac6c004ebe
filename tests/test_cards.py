"""Model cards: the default model, reading a card and its feature check, all without TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tunescribe.cards import ModelError, check_features, default_model_dir, read_card, write_card
from tunescribe.constants import feature_params


def test_importing_cards_loads_neither_tensorflow_nor_keras():
    probe = ("import sys, tunescribe.cards; "
             "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, "
             "sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_default_model_is_the_one_models_default_names(monkeypatch):
    monkeypatch.delenv("TUNESCRIBE_MODEL", raising=False)
    directory = default_model_dir()
    assert directory.name == (directory.parent / "DEFAULT").read_text().strip()
    check_features(read_card(directory), directory)  # the shipped model fits the shipped features


def test_tunescribe_model_overrides_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("TUNESCRIBE_MODEL", str(tmp_path))
    assert default_model_dir() == tmp_path


def test_a_written_card_reads_back_with_the_features(tmp_path):
    write_card(tmp_path, {"version": "v9"})
    card = read_card(tmp_path)
    assert card["version"] == "v9" and card["features"] == feature_params()
    check_features(card, tmp_path)


def test_a_missing_card_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="model unavailable"):
        read_card(tmp_path)


def test_a_card_that_is_not_json_is_a_clear_error(tmp_path):
    (tmp_path / "card.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        read_card(tmp_path)


def test_a_card_for_other_features_is_refused(tmp_path):
    card = {"features": {**feature_params(), "hop_length": 2048}}
    (tmp_path / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="other features"):
        check_features(read_card(tmp_path), tmp_path)
