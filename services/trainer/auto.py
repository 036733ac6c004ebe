"""Train Auto's instrument classifier (tunescribe.model.build_classifier) on the corpora: the
piano corpus and the solo-piano renditions of the ensemble corpus are "piano"; every other
rendition (quartets, melodies, harpsichord, organ, mixed ensembles, piano with others) is
"ensemble". Random four-second windows of the train splits, balanced, the near misses drawn more
often; after each epoch the whole validation split is classified as Auto does
(tunescribe.auto.patches), and the best epoch is kept.
The card reports the test splits (rendered through MuseScore General, never used here) and, when
given, real ensemble recordings.

    python -m services.trainer.auto --corpus data/corpus --piano-corpus data/piano-corpus \\
        --out models/auto-v1 [--real-ensemble DIR]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from services.trainer.augment import tint
from services.trainer.renditions import is_solo_piano, read_manifest
from tunescribe.auto import PATCH_FRAMES
from tunescribe.cards import Instrument, write_card


KEYBOARDS = {"piano", "harpsichord", "organ"}
CONFUSABLE_WEIGHT = 3.0  # how much more often a rendition that is nearly a solo piano is drawn


def load_split(corpora: list[Path], split: str) -> tuple[list[np.ndarray], np.ndarray, list[str], np.ndarray]:
    """Features (float16), labels (1: solo piano), ids and drawing weights of every rendition of
    `split`. The others that come closest to a solo piano (a harpsichord or an organ alone, a
    keyboard among other instruments) are drawn CONFUSABLE_WEIGHT times as often."""
    xs, ys, ids, weights = [], [], [], []
    for corpus in corpora:
        for row in read_manifest(corpus, split):
            with np.load(corpus / split / f"{row['id']}.npz") as z:
                xs.append(z["features"])
            ys.append(int(is_solo_piano(row)))
            ids.append(f"{corpus.name}/{split}/{row['id']}")
            weights.append(CONFUSABLE_WEIGHT if not ys[-1] and KEYBOARDS & set(row.get("instruments", [])) else 1.0)
    return xs, np.array(ys), ids, np.array(weights)


def batches(xs: list[np.ndarray], ys: np.ndarray, weights: np.ndarray, size: int, rng: np.random.Generator):
    """Endless balanced batches of random windows: (size, PATCH_FRAMES, bins), labels, each window
    tinted (services.trainer.augment.tint): an instrument is told by how its partials behave."""
    by_class = [np.flatnonzero(ys == c) for c in (0, 1)]
    odds = [weights[i] / weights[i].sum() for i in by_class]
    while True:
        labels = rng.permutation(np.arange(size) % 2)
        out = []
        for c in labels:
            x = xs[rng.choice(by_class[c], p=odds[c])]
            s = int(rng.integers(0, max(1, len(x) - PATCH_FRAMES)))
            w = x[s:s + PATCH_FRAMES].astype(np.float32)
            w = np.pad(w, ((0, PATCH_FRAMES - len(w)), (0, 0)))
            out.append(tint(w, rng))
        yield np.stack(out), labels.astype(np.float32)


def accuracy(classifier, xs: list[np.ndarray], ys: np.ndarray, ids: list[str]) -> dict:
    """The share of solo-piano pieces sent to the piano model and of the others to the ensemble
    model, each piece classified whole as Auto does; and the ids it got wrong."""
    pred = np.array([classifier.instrument(x.astype(np.float32)) == Instrument.PIANO for x in xs])
    piano, other = ys == 1, ys == 0
    return {"piano_pieces": int(piano.sum()), "piano_right": round(float(pred[piano].mean()), 4) if piano.any() else None,
            "other_pieces": int(other.sum()), "other_right": round(float((~pred[other]).mean()), 4) if other.any() else None,
            "wrong": [i for i, p, y in zip(ids, pred, ys) if p != bool(y)]}


def real_recordings(classifier, folder: Path) -> dict:
    """How the classifier hears real ensemble recordings (Bach10 mixes: names without a part)."""
    from tunescribe.audio import load_audio
    from tunescribe.features import compute_features

    mixes = sorted(p for p in folder.glob("*.flac") if p.stem.count("-") == 2)
    heard = [classifier.instrument(compute_features(load_audio(p))) for p in mixes]
    return {"pieces": len(mixes), "ensemble_right": round(float(np.mean([h == Instrument.ENSEMBLE for h in heard])), 4)}


def main() -> None:
    import keras

    from tunescribe.cards import WEIGHTS
    from tunescribe.model import InstrumentClassifier, build_classifier

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    ap.add_argument("--piano-corpus", type=Path, default=Path("data/piano-corpus"))
    ap.add_argument("--out", type=Path, default=Path("models/auto-v1"))
    ap.add_argument("--epochs", type=int, default=36)
    ap.add_argument("--steps", type=int, default=100, help="steps per epoch")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--real-ensemble", type=Path, default=None, help="real ensemble recordings (measured only)")
    args = ap.parse_args()
    t0, rng = time.time(), np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    corpora = [args.corpus, args.piano_corpus]
    train, val, test = (load_split(corpora, s) for s in ("train", "validation", "test"))
    print(f"renditions (piano): train {len(train[1])} ({train[1].sum()}), validation {len(val[1])} ({val[1].sum()}), "
          f"test {len(test[1])} ({test[1].sum()})", flush=True)

    architecture = {"base": 8}
    model = build_classifier(**architecture)
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy(from_logits=True))
    classifier = InstrumentClassifier(model, {})
    args.out.mkdir(parents=True, exist_ok=True)
    stream, best, history = batches(train[0], train[1], train[3], args.batch, rng), -1.0, []
    for epoch in range(1, args.epochs + 1):
        progress = (epoch - 1) / args.epochs
        model.optimizer.learning_rate.assign(1e-3 if progress < 0.6 else 3e-4 if progress < 0.85 else 1e-4)
        loss = float(np.mean([model.train_on_batch(*next(stream)) for _ in range(args.steps)]))
        a = accuracy(classifier, *val[:3])
        score = (a["piano_right"] + a["other_right"]) / 2
        history.append({"epoch": epoch, "loss": round(loss, 4), "val_balanced": round(score, 4),
                        "minutes": round((time.time() - t0) / 60, 2)})
        print(history[-1], flush=True)
        if score > best:
            best = score
            model.save_weights(args.out / WEIGHTS)
    model.load_weights(args.out / WEIGHTS)
    card = {"version": args.out.name, "kind": "instrument classifier (Auto): logit of a solo piano",
            "architecture": architecture, "parameters": model.count_params(),
            "data": {"corpora": [str(c) for c in corpora], "renditions": {
                "train": len(train[1]), "validation": len(val[1]), "test": len(test[1])}},
            "training": {"epochs": args.epochs, "steps": args.steps, "batch": args.batch, "history": history},
            "validation": accuracy(classifier, *val[:3]), "test": accuracy(classifier, *test[:3]),
            "command": f"python -m services.trainer.auto --corpus {args.corpus} --piano-corpus {args.piano_corpus} "
                       f"--out {args.out}" + (f" --real-ensemble {args.real_ensemble}" if args.real_ensemble else "")}
    if args.real_ensemble:
        card["real_ensemble"] = real_recordings(classifier, args.real_ensemble)
    write_card(args.out, card)
    print(json.dumps({k: card.get(k) for k in ("validation", "test", "real_ensemble")}, indent=1),
          f"\n{(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
