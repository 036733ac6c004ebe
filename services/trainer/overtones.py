"""Fit a model's overtone filter (tunescribe/overtones.py) and write it into the model's card:

    python -m services.trainer.overtones --model models/tsunet-piano-v1 --corpus data/piano-corpus

The candidates are the model's own notes on the train split that start with a note an octave, a
twelfth or two octaves below, labelled played when they match a true note (same pitch, onset within
50 ms); a logistic regression (scikit-learn) learns which were played. The cut is the one of CUTS
that maximises note F1 + note-with-offset F1 + frame F1 on the validation split (0: no filter). The
card then also holds the validation and test scores with the filter. `train` fits it after choosing
the thresholds, so every new model has its own.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import mir_eval
import numpy as np

from services.trainer.dataset import Piece, load_split
from services.trainer.train import _objective, evaluate_pieces, test_metrics
from tunescribe.cards import read_card, write_card
from tunescribe.evaluate import mean_scores, note_arrays
from tunescribe.model import TranscriptionModel, load_model
from tunescribe.notes import decode_notes
from tunescribe.overtones import FEATURES, OvertoneFilter, candidates

CUTS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def labelled_candidates(model: TranscriptionModel, pieces: list[Piece]) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate's features among the model's notes on `pieces`, and whether it was played."""
    xs, ys = [], []
    for p in pieces:
        post = model.posteriors(p.features.astype(np.float32))
        notes = decode_notes(post.onset, post.frame, post.velocity, model.thresholds)
        index, x = candidates(notes, post.onset, post.frame)
        if not index:
            continue
        (ri, rp), (ei, ep) = note_arrays(p.notes), note_arrays(notes)
        played = {j for _, j in mir_eval.transcription.match_notes(ri, rp, ei, ep, onset_tolerance=0.05,
                                                                   offset_ratio=None)} if p.notes else set()
        xs.append(x)
        ys += [float(i in played) for i in index]
    return (np.concatenate(xs) if xs else np.zeros((0, len(FEATURES)))), np.asarray(ys)


def fit_filter(model: TranscriptionModel, train: list[Piece], val: list[Piece], log=print) -> dict | None:
    """Learn the filter on `train` and choose its cut on `val`, setting model.overtones (None when
    there is nothing to learn or no cut beats keeping every note); the validation scores with it
    (None when there was nothing to learn)."""
    from sklearn.linear_model import LogisticRegression

    x, y = labelled_candidates(model, train)
    log(f"overtones: {len(y)} candidates on {len(train)} train pieces, {y.mean() if len(y) else 0:.1%} played")
    if len(set(y)) < 2:
        model.overtones = None
        return None
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    fit = LogisticRegression(max_iter=1000).fit((x - mean) / scale, y)
    learnt = OvertoneFilter(mean.tolist(), scale.tolist(), fit.coef_[0].tolist(), float(fit.intercept_[0]), 0.0)
    posteriors = [model.posteriors(p.features.astype(np.float32)) for p in val]
    scores = {}
    for cut in CUTS:
        model.overtones = replace(learnt, cut=cut) if cut else None
        scores[cut] = evaluate_pieces(model, val, [model.thresholds], posteriors)[model.thresholds]
        log(f"overtones: cut {cut}: validation {mean_scores(scores[cut]).as_dict()}")
    best = max(CUTS, key=lambda c: _objective(scores[c]))
    model.overtones = replace(learnt, cut=best) if best else None
    return mean_scores(scores[best]).as_dict()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="a model folder; its card is rewritten")
    ap.add_argument("--corpus", type=Path, required=True, help="the corpus it was trained on")
    args = ap.parse_args(argv)
    model = load_model(args.model)
    model.overtones = None
    val = load_split(args.corpus, "validation")
    validation = fit_filter(model, load_split(args.corpus, "train"), val)
    fitted = model.overtones
    card = read_card(args.model)
    card["overtones"] = fitted.as_card() if fitted else None
    if validation:
        card["validation"] = validation
    test = load_split(args.corpus, "test")
    if test:
        card["test"] = test_metrics(model, test)
    write_card(args.model, card)
    print(json.dumps({"overtones_cut": fitted.cut if fitted else None, "validation": card["validation"],
                      "test": card.get("test", {}).get("all")}, indent=1))


if __name__ == "__main__":
    main()
