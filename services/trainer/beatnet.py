"""Train the beat network (tunescribe.beatnet) on the corpus's exact beats and downbeats: every
rendition of a music21 work in the ensemble corpus knows where each notated beat sounds
(services.trainer.truth: the notes struck on it, else the performance's rubato clock), rubato
and all. Random 16-second windows of the train split, stretched in time by up to a fifth either
way and coloured in level and tilt; after each epoch the validation split's beats are tracked
from the activations alone (the notation stage's tracker) and scored with mir_eval, and the best
epoch is kept. Resumable: a run folder keeps the last epoch's weights and the history.

    python -m services.trainer.beatnet --corpus data/corpus --out models/beats-v2 --run runs/beats-v2
    python -m services.trainer.beatnet --corpus data/corpus --out models/beats-v2 --choose-decoding
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from services.trainer.augment import tint
from services.trainer.renditions import notes_from_table, read_manifest
from services.trainer.truth import load_truth
from tunescribe.cards import write_card
from tunescribe.constants import FRAMES_PER_SECOND
from tunescribe.evaluate_notation import BEAT_WINDOW_S

WINDOW = 512  # frames in a training window (16.4 s)
STRETCH = (0.8, 1.25)  # time-stretch factors drawn log-uniformly


def renditions(corpus: Path, split: str, fonts=None, held_out=()) -> list[dict]:
    """The manifest rows of `split` with a true score (the generated keyboard material has none),
    sorted by id: those rendered through `fonts` only when given, none through `held_out`."""
    split_dir = corpus / split
    return sorted((r for r in read_manifest(corpus, split) if (split_dir / f"{r['id']}.score.json").is_file()
                   and (fonts is None or r.get("soundfont") in fonts) and r.get("soundfont") not in held_out),
                  key=lambda r: r["id"])


def load_split(corpus: Path, split: str, limit: int | None = None, fonts=None,
               held_out=()) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(id, features float16, beat times s, downbeat times s) of the `renditions` of `split`."""
    split_dir, out = corpus / split, []
    rows = renditions(corpus, split, fonts, held_out)
    for row in rows[:limit]:
        truth = load_truth(split_dir, row)
        with np.load(split_dir / f"{row['id']}.npz") as z:
            out.append((row["id"], z["features"], truth.beats_s, truth.downbeats_s))
    return out


def targets(times_s: np.ndarray, n: int, scale: float = 1.0, start: float = 0.0) -> np.ndarray:
    """A frame roll of events at `times_s` (seconds): 1 at the nearest frame, 0.5 beside it (a
    beat's frame is uncertain by half a frame); frames counted from `start` (in source frames)
    with `scale` source frames per frame."""
    y = np.zeros(n, np.float32)
    f = np.round((np.asarray(times_s) * FRAMES_PER_SECOND - start) / scale).astype(int)
    for d, v in ((-1, 0.5), (1, 0.5), (0, 1.0)):
        g = f + d
        g = g[(g >= 0) & (g < n)]
        y[g] = np.maximum(y[g], v)
    return y


def batches(pieces, size: int, rng: np.random.Generator):
    """Endless batches of (size, WINDOW, bins) features and (size, WINDOW, 2) targets: random
    windows, drawn by length, each stretched in time (linear interpolation between frames) and
    tinted in level and spectral tilt (services.trainer.augment.tint)."""
    lengths = np.array([len(p[1]) for p in pieces], float)
    odds = lengths / lengths.sum()
    while True:
        x = np.zeros((size, WINDOW, pieces[0][1].shape[1]), np.float32)
        y = np.zeros((size, WINDOW, 2), np.float32)
        for b in range(size):
            _, feats, beats, downs = pieces[rng.choice(len(pieces), p=odds)]
            scale = float(np.exp(rng.uniform(*np.log(STRETCH))))
            span = WINDOW * scale
            start = float(rng.uniform(0, max(0.0, len(feats) - span)))
            src = np.clip(start + scale * np.arange(WINDOW), 0, len(feats) - 1)
            lo = np.floor(src).astype(int)
            hi = np.minimum(lo + 1, len(feats) - 1)
            w = (src - lo)[:, None].astype(np.float32)
            win = (1 - w) * feats[lo].astype(np.float32) + w * feats[hi].astype(np.float32)
            win[src >= len(feats) - 1] = 0  # past the end: silence
            x[b] = tint(win, rng)
            y[b, :, 0] = targets(beats, WINDOW, scale, start)
            y[b, :, 1] = targets(downs, WINDOW, scale, start)
        yield x, y


def evaluate(model, pieces) -> dict:
    """Beats tracked from the beat activation alone and downbeats picked among them from the
    downbeat activation (tunescribe.notation.beats.beats_from_activations), against the truth:
    mean mir_eval F-measures over the pieces."""
    import mir_eval

    from tunescribe.notation.beats import beats_from_activations

    beat_f, down_f = [], []
    for _, feats, beats, downs in pieces:
        act = model.activations(feats)
        est, est_down = beats_from_activations(act)
        ref_b, ref_d = mir_eval.beat.trim_beats(beats), mir_eval.beat.trim_beats(downs)
        beat_f.append(mir_eval.beat.f_measure(ref_b, mir_eval.beat.trim_beats(est)))
        down_f.append(mir_eval.beat.f_measure(ref_d, mir_eval.beat.trim_beats(est_down)))
    return {"beat_f": round(float(np.mean(beat_f)), 4), "downbeat_f": round(float(np.mean(down_f)), 4)}


BEAT_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0)  # tunescribe.notation.beats.BEAT_WEIGHT, tried
HEARD_GRID = [(b, d) for b in (0.0, 1.0, 3.0, 10.0, 30.0) for d in (0.0, 1.0, 3.0, 10.0, 30.0)]  # meter.HEARD_WEIGHTS, tried


def choose_decoding(corpus: Path, beat_dir: Path, limit: int | None = None, fonts=None) -> list[dict]:
    """How the notation stage should weigh the beat network: every BEAT_WEIGHT with every
    HEARD_WEIGHTS, on the validation renditions (those through `fonts` when given) transcribed as
    users get them (Auto's notes, cached beside them as services.trainer.notation does), scored by
    the notation benchmark's beat and downbeat F-measures and the time signature. Rows sorted best
    first."""
    from services.trainer.notation import score_hypothesis, transcribed_examples
    from tunescribe.beatnet import load_beat_model
    from tunescribe.notation.beats import track_pulses
    from tunescribe.notation.meter import candidates, feature_names, heard_contrast
    from tunescribe.notation.weights import load_weights

    transcribed_examples(corpus)  # transcribes the renditions whose notes are not yet cached
    split_dir, w = corpus / "validation", load_weights("meter", feature_names())
    net = load_beat_model(beat_dir)
    per = {(bw, hw): [] for bw in BEAT_WEIGHTS for hw in HEARD_GRID}
    for row in renditions(corpus, "validation", fonts)[:limit]:
        notes = notes_from_table(np.load(split_dir / f"{row['id']}.auto.npy"))
        truth = load_truth(split_dir, row)
        if len(notes) < 8 or len(truth.downbeats_s) < 2:
            continue
        with np.load(split_dir / f"{row['id']}.npz") as z:
            act = net.activations(z["features"])
        lo, hi = min(n.start_s for n in notes) - BEAT_WINDOW_S, max(n.start_s for n in notes) + BEAT_WINDOW_S
        ref_b = truth.beats_s[(truth.beats_s >= lo) & (truth.beats_s <= hi)]
        ref_d = truth.downbeats_s[(truth.downbeats_s >= lo) & (truth.downbeats_s <= hi)]
        for bw in BEAT_WEIGHTS:
            pulses = track_pulses(notes, None, activations=act, beat_weight=bw)
            hyps, x = candidates(notes, pulses)
            base, heard = x @ w, heard_contrast(hyps, pulses, notes, act)
            for hw in HEARD_GRID:
                h = hyps[int(np.argmax(base + heard @ np.array(hw)))]
                per[bw, hw].append(score_hypothesis(h, pulses, notes, ref_b, ref_d, truth.meter))
    out = []
    for (bw, hw), scores in per.items():
        m = np.mean(scores, axis=0)
        out.append({"beat_weight": bw, "heard_weights": list(hw), "beat_f": round(float(m[0]), 4),
                    "downbeat_f": round(float(m[1]), 4), "meter": round(float(m[2]), 4), "pieces": len(scores)})
    return sorted(out, key=lambda r: -(r["beat_f"] + r["downbeat_f"] + r["meter"]))


def main(argv=None) -> None:
    import keras

    from tunescribe.beatnet import BeatModel, build_beat_model
    from tunescribe.cards import WEIGHTS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    ap.add_argument("--out", type=Path, default=Path("models/beats-v2"))
    ap.add_argument("--run", type=Path, default=Path("runs/beats-v2"), help="checkpoints and history (resumed)")
    ap.add_argument("--epochs", type=int, default=36)
    ap.add_argument("--steps", type=int, default=100, help="steps per epoch")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--limit", type=int, default=None, help="renditions per split (a quick run)")
    ap.add_argument("--base", type=int, default=16, help="channels of the frequency convolutions")
    ap.add_argument("--width", type=int, default=48, help="channels of the temporal network")
    ap.add_argument("--hold-out", default="", help="comma-separated soundfonts: trained without, and "
                    "(with --choose-decoding) weighed on the validation renditions through them alone, "
                    "as the network meets a timbre it never heard")
    ap.add_argument("--choose-decoding", action="store_true",
                    help="train nothing: weigh the trained network in the notation stage on validation (choose_decoding)")
    args = ap.parse_args(argv)
    held_out = tuple(f for f in args.hold_out.split(",") if f)
    if args.choose_decoding:
        rows = choose_decoding(args.corpus, args.out, args.limit, held_out or None)
        for r in rows[:8]:
            print(json.dumps(r))
        card = json.loads((args.out / "card.json").read_text())
        write_card(args.out, {**card, "decoding": {"chosen_on": "validation renditions, Auto's notes" + (
            f", through {', '.join(held_out)} alone" if held_out else ""), "best": rows[:8],
            "none": next(r for r in rows if r["beat_weight"] == 0 and r["heard_weights"] == [0.0, 0.0])}})
        return
    t0 = time.time()
    train = load_split(args.corpus, "train", args.limit, held_out=held_out)
    val = load_split(args.corpus, "validation", args.limit, held_out or None)
    hours = sum(len(p[1]) for p in train) / FRAMES_PER_SECOND / 3600
    print(f"renditions: train {len(train)} ({hours:.2f} h), validation {len(val)}; {time.time() - t0:.0f} s", flush=True)

    architecture = {"base": args.base, "width": args.width}
    model = build_beat_model(**architecture)
    model.compile(keras.optimizers.Adam(1e-3, clipnorm=1.0), keras.losses.BinaryCrossentropy())
    args.run.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    history_path, last = args.run / "history.json", args.run / WEIGHTS
    history = json.loads(history_path.read_text()) if history_path.is_file() else []
    if history and last.is_file():
        model.load_weights(last)
        print(f"resumed after epoch {len(history)}", flush=True)
    best = max((h["val_score"] for h in history), default=-1.0)
    rng = np.random.default_rng(len(history))
    keras.utils.set_random_seed(len(history))
    stream, beats = batches(train, args.batch, rng), BeatModel(model, {})
    for epoch in range(len(history) + 1, args.epochs + 1):
        progress = (epoch - 1) / args.epochs
        model.optimizer.learning_rate.assign(1e-3 if progress < 0.6 else 3e-4 if progress < 0.85 else 1e-4)
        loss = float(np.mean([model.train_on_batch(*next(stream)) for _ in range(args.steps)]))
        scores = evaluate(beats, val)
        score = scores["beat_f"] + scores["downbeat_f"]
        history.append({"epoch": epoch, "loss": round(loss, 5), **scores, "val_score": round(score, 4),
                        "minutes": round((time.time() - t0) / 60, 2)})
        print(history[-1], flush=True)
        model.save_weights(last)
        if score > best:
            best = score
            model.save_weights(args.out / WEIGHTS)
        history_path.write_text(json.dumps(history, indent=1))
    model.load_weights(args.out / WEIGHTS)
    card = {"version": args.out.name, "kind": "beat network: beat and downbeat activations per frame",
            "architecture": architecture, "parameters": model.count_params(),
            "data": {"corpus": str(args.corpus), "train_renditions": len(train), "train_hours": round(hours, 2),
                     "validation_renditions": len(val)},
            "training": {"epochs": args.epochs, "steps": args.steps, "batch": args.batch, "window_frames": WINDOW,
                         "stretch": list(STRETCH), "history": history},
            "validation": evaluate(beats, val),
            "command": f"python -m services.trainer.beatnet --corpus {args.corpus} --out {args.out} --run {args.run}"
                       + (f" --hold-out {args.hold_out}" if held_out else "")}
    write_card(args.out, card)
    print(json.dumps(card["validation"]), f"{(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
