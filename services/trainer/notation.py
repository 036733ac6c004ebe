"""Train the notation model: the weights of the meter/downbeat and key-signature estimates
(tunescribe/notation/meter.py, key.py), learned from the corpus's training works.

    python -m services.trainer.notation [--out models/notation-vN] [--eval-corpus data/corpus]

No audio is rendered: each training work is performed as the corpus builder performs it (rubato,
articulation, transposition, a window of at most 90 s, each bar's first beat a little louder),
its notes are spoiled the way a transcription spoils them (missed notes, extra octaves, timing
jitter, wrong lengths and loudness), pulses are tracked on them, and every meter hypothesis gets
its features. The target is the hypothesis whose beats and downbeats best match the work's true
ones (the bar's first beat as notated; the meter as written); the key target is the excerpt's key
signature. Both are log-linear models fitted by L-BFGS with an L2 penalty. The validation works,
performed and spoiled the same way, are scored after fitting (works the model never saw, no
transcription in between). With --eval-corpus, the validation renditions (rendered audio,
transcribed as users get them) are scored too: that is where a choice between settings is
made, never on the test split.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shlex
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from services.trainer.perform import perform_excerpt
from services.trainer.renditions import notes_from_table, notes_to_table, read_manifest
from services.trainer.truth import Truth, load_truth, truth_of
from services.trainer.works import list_works, split_of
from tunescribe.evaluate_notation import BEAT_WINDOW_S, beat_f_measure
from tunescribe.notation.beats import track_pulses
from tunescribe.notation.key import KEY_FEATURES, key_features
from tunescribe.notation.meter import METERS, candidates, feature_names, grid_of
from tunescribe.notation.weights import DEFAULT_DIR
from tunescribe.notes import Note

PROFILE_PENALTY = 100.0  # chosen on the validation split (10 and 30 placed fewer meters right)


def spoil(notes: list[Note], rng: np.random.Generator) -> list[Note]:
    """What a transcription does to the notes: about 12 % missed, 8 % extra (octaves and twelfths
    of played notes), onsets off by ~12 ms, lengths from half to 1.2 times, loudness off by ~12."""
    out = []
    for n in notes:
        if rng.random() < 0.12:
            continue
        start = max(0.0, n.start_s + rng.normal(0, 0.012))
        end = start + max(0.04, (n.end_s - n.start_s) * rng.uniform(0.5, 1.2))
        vel = int(np.clip(n.velocity + rng.normal(0, 12), 1, 127))
        out.append(Note(n.pitch, start, end, vel))
        if rng.random() < 0.08:
            pitch = n.pitch + int(rng.choice([12, 19, -12]))
            if 21 <= pitch <= 108:
                out.append(Note(pitch, start, start + 0.5 * (end - start), max(1, vel - 20)))
    return sorted(out, key=lambda n: (n.start_s, n.pitch))


def example(notes: list[Note], truth: Truth, audio=None) -> dict | None:
    """Features of every meter hypothesis and of every key signature, and the targets."""
    if len(notes) < 8 or len(truth.downbeats_s) < 2:
        return None
    pulses = track_pulses(notes, audio)
    hyps, x = candidates(notes, pulses)
    lo, hi = min(n.start_s for n in notes) - BEAT_WINDOW_S, max(n.start_s for n in notes) + BEAT_WINDOW_S
    ref_b = truth.beats_s[(truth.beats_s >= lo) & (truth.beats_s <= hi)]
    ref_d = truth.downbeats_s[(truth.downbeats_s >= lo) & (truth.downbeats_s <= hi)]
    if len(ref_b) < 4 or len(ref_d) < 2:
        return None
    scores = np.array([score_hypothesis(h, pulses, notes, ref_b, ref_d, truth.meter) for h in hyps])
    return {"id": truth.id, "meter": truth.meter, "x": x, "scores": scores,
            "truth": {"beats_s": truth.beats_s, "downbeats_s": truth.downbeats_s, "fifths": truth.fifths},
            "key_x": key_features(notes), "key_y": (truth.fifths + 5) % 12,
            "hyps": [(h.meter, h.pulse, h.phase, h.track) for h in hyps]}


def score_hypothesis(h, pulses, notes, ref_beats, ref_downbeats, meter) -> tuple[float, float, float]:
    """(beat F, downbeat F, meter right) of one hypothesis against the true beats and downbeats
    (those among the notes), by the notation benchmark's beat F-measure."""
    g = grid_of(h, pulses, notes)
    lo, hi = ref_beats.min() - BEAT_WINDOW_S, ref_beats.max() + BEAT_WINDOW_S

    def inside(t):
        return t[(t >= lo) & (t <= hi)]

    return (beat_f_measure(ref_beats, inside(g.beats_s)),
            beat_f_measure(ref_downbeats, inside(g.beats_s[:: g.beats_per_bar])), float(h.meter == meter))


def target(ex: dict) -> int:
    """The hypothesis to learn: the best beats + downbeats, the written meter breaking near-ties."""
    s = ex["scores"]
    return int(np.argmax(s[:, 0] + s[:, 1] + 0.5 * s[:, 2]))


def symbolic_example(job: tuple[str, int]) -> dict | None:
    """A training example from a corpus work performed (seeded) and spoiled, with no audio; or
    {"error"} for a score music21 cannot read."""
    work, seed = job
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(seed)
    try:
        excerpt = perform_excerpt(work, None, rng)
        if excerpt is None:
            return None
        labels = sorted((n for p in excerpt.parts for n in p), key=lambda n: (n.start_s, n.pitch))
        truth = truth_of(f"{work}#{seed}", "symbolic", excerpt.true_score(labels), labels)
        return example(spoil(labels, rng), truth)
    except Exception as e:  # noqa: BLE001 - a score music21 cannot read is skipped
        return {"error": f"{work}: {type(e).__name__}: {e}"[:200]}


def symbolic_examples(split: str, per_work: int, seed: int, processes: int, limit: int | None = None) -> list[dict]:
    works = [w for w in list_works(0) if split_of(w) == split][:limit]
    jobs = [(w, seed * 1_000_003 + 7919 * i + k) for i, w in enumerate(works) for k in range(per_work)]
    out, t0 = [], time.time()
    with mp.get_context("spawn").Pool(processes) as pool:
        for i, ex in enumerate(pool.imap_unordered(symbolic_example, jobs, chunksize=4), 1):
            if ex is not None and "error" not in ex:
                out.append(ex)
            if i % 100 == 0:
                print(f"  {i}/{len(jobs)} performances, {time.time() - t0:.0f} s", flush=True)
    return sorted(out, key=lambda e: e["id"])


def transcribed_examples(corpus: Path, split: str = "validation") -> list[dict]:
    """The rendered renditions of a split, transcribed as users get them: by the shipped models,
    Auto choosing (notes cached beside them as <id>.auto.npy); the audio sets how far the pulse runs."""
    from tunescribe.audio import load_audio
    from tunescribe.auto import load_models
    from tunescribe.pipeline import transcribe_audio

    split_dir = corpus / split
    rows = [r for r in read_manifest(corpus, split) if (split_dir / f"{r['id']}.score.json").is_file()]
    model, out = None, []
    for r in sorted(rows, key=lambda r: r["id"]):
        audio = load_audio(split_dir / f"{r['id']}.flac")
        cache = split_dir / f"{r['id']}.auto.npy"
        if cache.is_file():
            notes = notes_from_table(np.load(cache))
        else:
            model = model or load_models()
            notes = transcribe_audio(audio, model).notes
            np.save(cache, notes_to_table(notes))
        ex = example(notes, load_truth(split_dir, r), audio)
        if ex is not None:
            out.append(ex)
    return out


def fit_logit(xs: list[np.ndarray], ys: list[int], l2: float, penalty: np.ndarray | None = None) -> np.ndarray:
    """Weights of a conditional logit (softmax over each example's candidates, features scaled to
    unit spread) by L-BFGS, with an L2 penalty (`penalty`: a multiplier per feature)."""
    x = np.concatenate(xs)
    scale = np.maximum(x.std(axis=0), 1e-6)
    x = x / scale
    starts = np.cumsum([0] + [len(a) for a in xs[:-1]])
    picked = x[starts + np.array(ys)].sum(axis=0)
    group = np.repeat(np.arange(len(xs)), [len(a) for a in xs])
    pen = np.ones(x.shape[1]) if penalty is None else penalty

    def loss(w):
        z = x @ w
        top = np.maximum.reduceat(z, starts)
        e = np.exp(z - top[group])
        norm = np.add.reduceat(e, starts)
        p = e / norm[group]
        total = -(picked @ w) + np.sum(np.log(norm) + top)
        return total / len(xs) + l2 * w @ (pen * w), (p @ x - picked) / len(xs) + 2 * l2 * pen * w

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    return w / scale


def evaluate(examples: list[dict], meter_w: np.ndarray, key_w: np.ndarray) -> dict:
    """Meter right, key right (fractions of pieces) and mean beat / downbeat F of the chosen hypotheses."""
    if not examples:
        return {}
    picks = [int(np.argmax(e["x"] @ meter_w)) for e in examples]
    meter_right = [examples[i]["hyps"][k][0] == examples[i]["meter"] for i, k in enumerate(picks)]
    return {"pieces": len(examples), "meter": float(np.mean(meter_right)),
            "beat_f": float(np.mean([e["scores"][k, 0] for e, k in zip(examples, picks)])),
            "downbeat_f": float(np.mean([e["scores"][k, 1] for e, k in zip(examples, picks)])),
            "best_possible_beat_f": float(np.mean([e["scores"][:, 0].max() for e in examples])),
            "key": float(np.mean([int(np.argmax(e["key_x"] @ key_w)) == e["key_y"] for e in examples]))}


def train(examples: list[dict], l2: float, profile_penalty: float = PROFILE_PENALTY) -> tuple[np.ndarray, np.ndarray]:
    """Meter and key weights. The meter's per-position accent profiles (many, each seen in one
    meter only) are held `profile_penalty` times harder than the shared features."""
    penalty = np.array([profile_penalty if "_at" in f else 1.0 for f in feature_names()])
    meter_w = fit_logit([e["x"] for e in examples], [target(e) for e in examples], l2, penalty)
    key_w = fit_logit([e["key_x"] for e in examples], [e["key_y"] for e in examples], l2)
    return meter_w, key_w


def write_model(out: Path, meter_w: np.ndarray, key_w: np.ndarray, info: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "weights.json").write_text(json.dumps({
        "meter": {"features": feature_names(), "weights": [round(float(v), 6) for v in meter_w]},
        "key": {"features": KEY_FEATURES, "weights": [round(float(v), 6) for v in key_w]},
        "meters": list(METERS), "trained": info}, indent=1) + "\n")
    m = info["measured"]

    def line(name, r):
        return (f"| {name} | {r['pieces']} | {100 * r['meter']:.1f} % | {100 * r['key']:.1f} % | {r['beat_f']:.3f} "
                f"| {r['downbeat_f']:.3f} | {r['best_possible_beat_f']:.3f} |")

    (out / "card.md").write_text("\n".join([
        f"# Notation model {out.name}", "",
        "The learned part of the notation stage: the weights of the meter/downbeat estimate "
        "(tunescribe/notation/meter.py, a log-linear score over every reading of the tracked pulse) and of "
        "the key-signature estimate (tunescribe/notation/key.py). Written by "
        f"`{info['command']}` ({info['minutes']} min on this machine).", "",
        f"- data: {info['works']}, {info['performances']} performances ({info['per_work']} per work, seed "
        f"{info['seed']}) as the corpus builder performs them (rubato, articulation, transposition, <= 90 s "
        "windows, each bar's first beat a little louder), notes spoiled as a "
        "transcription spoils them (services.trainer.notation.spoil); no audio, no validation or test work",
        f"- parameters: {len(feature_names())} meter weights over {len(METERS)} time signatures "
        f"({', '.join(METERS)}), {len(KEY_FEATURES)} key weights; L2 penalty {info['l2']} "
        f"({PROFILE_PENALTY:g} times that on the per-position accent profiles), L-BFGS",
        "- features: meter.feature_names() and key.KEY_FEATURES; the pulses from "
        "tunescribe.notation.beats.track_pulses", "",
        "| measured on | pieces | meter right | key signature right | beat F | downbeat F | best beat F on the pulses |",
        "|---|---|---|---|---|---|---|",
        line("training performances (spoiled true notes)", m["train"]),
        *([line("validation works, performed and spoiled as the training works", m["validation_works"])]
          if m.get("validation_works") else []),
        *([line("validation renditions (audio transcribed by the shipped engine)", m["validation"])]
          if m.get("validation") else []),
        "", "The test split's numbers are in benchmarks/results/notation.md.", ""]))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--per-work", type=int, default=3, help="performances of each training work")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--limit", type=int, default=None, help="the first N training works only (a quick run)")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--eval-corpus", type=Path, default=None, help="a corpus holding the rendered validation split")
    args = ap.parse_args(argv)
    t0 = time.time()
    train_ex = symbolic_examples("train", args.per_work, args.seed, args.processes, args.limit)
    print(f"{len(train_ex)} training performances in {time.time() - t0:.0f} s", flush=True)
    meter_w, key_w = train(train_ex, args.l2)
    # the validation works performed and spoiled as the training works are: what the model does on
    # works it never saw, without the engine's transcription in between
    held_out = symbolic_examples("validation", args.per_work, args.seed, args.processes, args.limit)
    report = {"train": evaluate(train_ex, meter_w, key_w), "validation_works": evaluate(held_out, meter_w, key_w)}
    if args.eval_corpus:
        report["validation"] = evaluate(transcribed_examples(args.eval_corpus), meter_w, key_w)
    print(json.dumps(report, indent=1), flush=True)
    write_model(args.out, meter_w, key_w, {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "works": "music21 corpus, training split",
        "performances": len(train_ex), "per_work": args.per_work, "seed": args.seed, "l2": args.l2,
        "minutes": round((time.time() - t0) / 60, 1), "measured": report,
        "command": shlex.join(["python", "-m", "services.trainer.notation",
                               *(sys.argv[1:] if argv is None else argv)])})
    print(f"wrote {args.out / 'weights.json'}")


if __name__ == "__main__":
    main()
