"""Train the U-Net on a built corpus, with checkpoints and resume, then choose decoding thresholds
on the validation split, measure the test split, and write models/<version>/ with its card.

    python -m services.trainer.train --corpus data/corpus --version tsunet-v1 --minutes 60

Any folder in the corpus format trains the same way: the synthetic corpus (corpus.py) or MusicNet
converted by musicnet.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from services.trainer.dataset import PatchSampler, Piece, load_split
from services.trainer.renditions import read_manifest
from services.trainer.works import SPLITS
from tunescribe.cards import Instrument
from tunescribe.evaluate import mean_scores, score_notes
from tunescribe.model import PEDAL, TranscriptionModel, build_model, compile_model, load_model, save_model, train_only
from tunescribe.notes import Thresholds
from tunescribe.pedal import sounding, spans_from_roll

ONSET_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# each epoch is scored at the best of these: a network's onsets grow more confident as it trains,
# and at one fixed threshold a better network can score worse (docs/training.md, tsunet-piano-v6)
EPOCH_GRID = tuple(Thresholds(onset) for onset in (0.5, 0.6, 0.7))
FRAME_GRID = (0.3, 0.4, 0.5, 0.6)
REONSET_GRID = (0.0, 0.7, 0.85)


def evaluate_pieces(model: TranscriptionModel, pieces: list[Piece], thresholds_grid: list[Thresholds],
                    posteriors: list | None = None) -> dict[Thresholds, list]:
    """Per-piece Scores for each threshold setting (posteriors computed once per piece, or given),
    the notes decoded as the model decodes them (its overtone filter included)."""
    results = {t: [] for t in thresholds_grid}
    for i, p in enumerate(pieces):
        post = posteriors[i] if posteriors is not None else model.posteriors(p.features.astype(np.float32))
        pedal = [] if post.pedal is None else spans_from_roll(post.pedal)
        ref = sounding(p.notes, p.pedal)  # offsets as MAESTRO scores them: where the pedal lets go
        for t in thresholds_grid:
            est = sounding(model.notes(post, t), pedal)
            results[t].append(score_notes(ref, est))
    return results


def _objective(scores) -> float:
    m = mean_scores(scores)
    return m.note_f1 + m.note_offset_f1 + m.frame_f1


FILTER_TRAIN_PIECES = 300  # the overtone filter learns from this many train renditions (a few hours)
PIANO_ARCHITECTURE = {"base": 24, "pedal": True}  # more capacity and a sustain-pedal head


def train(corpus: Path, run_dir: Path, minutes: float, *, batch: int = 16, patch_frames: int = 128,
          steps_per_epoch: int = 300, architecture: dict | None = None, seed: int = 0, val_limit: int | None = 60,
          epochs: int | None = None, init_weights: Path | None = None, on_epoch=None, peak_lr: float = 1e-3,
          instrument: Instrument = Instrument.ENSEMBLE, only: tuple[str, ...] = (), log=print) -> tuple[TranscriptionModel, dict]:
    """Train until `minutes` have passed or `epochs` are done (resuming from run_dir's last checkpoint
    if present, else starting from `init_weights` if given); returns the best model by validation
    note F1 + note-with-offset F1 + frame F1, and the training history. `only` names the outputs
    whose heads alone learn over the body of `init_weights` (tunescribe.model.train_only; with
    (PEDAL,) the notes stay that model's). `on_epoch(row)` sees each epoch's row (epoch, loss,
    val_note_f1, ...) after its checkpoint is written; False stops training."""
    import keras

    run_dir.mkdir(parents=True, exist_ok=True)
    architecture = architecture or (PIANO_ARCHITECTURE if instrument == Instrument.PIANO else {})
    state_path, best = run_dir / "state.json", run_dir / "best.weights.h5"
    last, last_opt = run_dir / "last.weights.h5", run_dir / "last.optimizer.npz"
    fresh = {"epoch": 0, "elapsed_s": 0.0, "history": [], "best_objective": -1.0, "architecture": architecture,
             "instrument": instrument, "train_only": list(only), "init": str(init_weights) if init_weights else None}
    state = json.loads(state_path.read_text()) if state_path.is_file() else fresh
    sampler = PatchSampler(load_split(corpus, "train"), patch_frames, seed, pedal=state["architecture"].get("pedal", False))
    val = load_split(corpus, "validation", val_limit)
    keras.utils.set_random_seed(seed + state["epoch"])
    model = build_model(**state["architecture"])
    model = compile_model(train_only(model, tuple(state["train_only"])) if state.get("train_only") else model)
    if last.is_file():
        model.load_weights(last)
        model.optimizer.build(model.trainable_variables)
        with np.load(last_opt) as z:
            for v, a in zip(model.optimizer.variables, [z[k] for k in sorted(z.files, key=int)]):
                v.assign(a)
        log(f"resumed after epoch {state['epoch']} ({state['elapsed_s'] / 60:.1f} min)")
    elif init_weights is not None:  # layers the other model lacks (a new pedal head) start fresh
        model.load_weights(init_weights, skip_mismatch=True)
        log(f"starting from {init_weights}")
    log(f"train {sampler.hours:.2f} h in {len(sampler.features)} pieces, validation {len(val)} pieces, "
        f"{model.count_params()} parameters")
    wrapped = TranscriptionModel(model, {}, run_dir)
    budget = minutes * 60
    while state["elapsed_s"] < budget and (epochs is None or state["epoch"] < epochs):
        t0 = time.time()
        progress = max(state["elapsed_s"] / budget, state["epoch"] / epochs if epochs else 0.0)
        lr = peak_lr * (1.0 if progress < 0.6 else 0.3 if progress < 0.85 else 0.1)
        model.optimizer.learning_rate.assign(lr)
        losses = []
        for _ in range(steps_per_epoch):
            x, ys = sampler.batch(batch)
            result = model.train_on_batch(x, ys)
            losses.append(float(result[0] if isinstance(result, (list, tuple)) else result))
        scores = max(evaluate_pieces(wrapped, val, list(EPOCH_GRID)).values(), key=_objective)
        m = mean_scores(scores)
        state["epoch"] += 1
        state["elapsed_s"] += time.time() - t0
        row = {"epoch": state["epoch"], "loss": float(np.mean(losses)), "lr": lr, "val_note_f1": m.note_f1,
               "val_note_offset_f1": m.note_offset_f1, "val_frame_f1": m.frame_f1, "minutes": state["elapsed_s"] / 60}
        state["history"].append(row)
        log(json.dumps(row))
        if _objective(scores) > state["best_objective"]:  # the same objective that picks the thresholds
            state["best_objective"] = _objective(scores)
            model.save_weights(best)
        model.save_weights(last)
        np.savez(last_opt, **{str(i): v.numpy() for i, v in enumerate(model.optimizer.variables)})
        state_path.write_text(json.dumps(state, indent=1))
        if on_epoch is not None and on_epoch(row) is False:
            break
    if best.is_file():
        model.load_weights(best)
    return wrapped, state


def choose_thresholds(model: TranscriptionModel, val: list[Piece]) -> tuple[Thresholds, dict]:
    """The onset/frame/re-onset thresholds that maximise note F1 + note-with-offset F1 + frame F1
    on validation (never on test)."""
    grid = [Thresholds(o, f, r) for o, f, r in itertools.product(ONSET_GRID, FRAME_GRID, REONSET_GRID) if r == 0 or r > o]
    results = evaluate_pieces(model, val, grid)
    chosen = max(grid, key=lambda t: _objective(results[t]))
    return chosen, mean_scores(results[chosen]).as_dict()


def test_metrics(model: TranscriptionModel, test: list[Piece]) -> dict:
    """Mean scores on the test split, overall and per ensemble kind."""
    scores = evaluate_pieces(model, test, [model.thresholds])[model.thresholds]
    by_kind: dict[str, list] = {}
    for piece, s in zip(test, scores):
        by_kind.setdefault(piece.kind, []).append(s)
    out = {"all": {**mean_scores(scores).as_dict(), "pieces": len(scores)}}
    for kind, ss in sorted(by_kind.items()):
        out[kind] = {**mean_scores(ss).as_dict(), "pieces": len(ss)}
    return out


SYNTHETIC_CORPUS = (
    "music21 corpus works and generated keyboard material, rendered expressively with FluidSynth "
    "through Debian GM soundfonts (FluidR3_GM, FluidR3_GS, FluidR3Mono_GM, TimGM6mb, csound GM), "
    "augmented (simulated rooms, EQ, compression, noise, gain); onset labels moved to where each "
    "stem's pitch is established; split by work; test split rendered through MuseScore General "
    "(a soundfont never used for training or tuning)")


PIANO_CORPUS = (
    "the piano corpus (services/trainer/piano.py): keyboard works of the music21 corpus, other works as "
    "piano reductions and generated piano textures over 88 keys, performed with rubato, voicing, rolled "
    "chords, legato overlap and the sustain pedal (CC64), rendered with FluidSynth through every acoustic "
    "piano preset of the Debian GM soundfonts, detuned up to 20 cents, augmented (rooms, EQ, compression, "
    "noise); split by work; test split through MuseScore General's piano (never used for training or tuning)")


def _describe(corpus: Path, instrument: str = Instrument.ENSEMBLE) -> str:
    """What the corpus is, for the model card: its description.txt (MusicNet writes one), else the
    piano or the synthetic corpus."""
    described = corpus / "description.txt"
    if described.is_file():
        return described.read_text().strip()
    return PIANO_CORPUS if instrument == Instrument.PIANO else SYNTHETIC_CORPUS


def finish(model: TranscriptionModel, state: dict, corpus: Path, out_dir: Path, version: str, log=print) -> dict:
    """Pick thresholds on validation, measure the test split, write weights and card to out_dir."""
    from services.trainer.overtones import fit_filter

    val = load_split(corpus, "validation")
    if state.get("train_only") == [PEDAL]:  # the notes are the init model's, and so are their thresholds and filter
        init = load_model(Path(state["init"]).parent)
        model.thresholds, model.overtones = init.thresholds, init.overtones
        val_scores = mean_scores(evaluate_pieces(model, val, [model.thresholds])[model.thresholds]).as_dict()
        log(f"{init.path.name}'s thresholds {model.thresholds} and overtone filter: {val_scores}")
    else:
        model.thresholds, val_scores = choose_thresholds(model, val)
        log(f"thresholds {model.thresholds} on {len(val)} validation pieces: {val_scores}")
        with_filter = fit_filter(model, load_split(corpus, "train", FILTER_TRAIN_PIECES), val, log)
        if model.overtones:
            val_scores = with_filter
            log(f"with the overtone filter (cut {model.overtones.cut}): {val_scores}")
    test = load_split(corpus, "test")
    metrics = test_metrics(model, test) if test else {}
    log(f"test: {json.dumps(metrics.get('all', {}))}")
    rows = read_manifest(corpus)
    data = {split: {"renditions": sum(r["split"] == split for r in rows),
                    "hours": round(sum(r["seconds"] for r in rows if r["split"] == split) / 3600, 2)}
            for split in SPLITS}
    card = {
        "version": version,
        "instrument": state.get("instrument", Instrument.ENSEMBLE),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "architecture": state["architecture"],
        "parameters": model.keras_model.count_params(),
        "thresholds": asdict(model.thresholds),
        "overtones": model.overtones.as_card() if model.overtones else None,
        "pitch_shifts": list(model.pitch_shifts),
        "data": {"corpus": _describe(corpus, state.get("instrument", Instrument.ENSEMBLE)), **data},
        "training": {"epochs": state["epoch"], "minutes": round(state["elapsed_s"] / 60, 1),
                     "train_only": state.get("train_only", []),
                     "history": state["history"], "machine": "2 CPU cores"},
        "validation": val_scores,
        "test": metrics,
    }
    save_model(model.keras_model, out_dir, card)
    return card


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    ap.add_argument("--version", required=True, help="model version, written to models/<version>/")
    ap.add_argument("--models-dir", type=Path, default=Path("models"))
    ap.add_argument("--run-dir", type=Path, default=None, help="checkpoints (default runs/<version>); resumes if present")
    ap.add_argument("--minutes", type=float, default=60.0, help="training time budget")
    ap.add_argument("--epochs", type=int, default=None,
                    help="stop after this many epochs (the learning-rate schedule follows them when they end first)")
    ap.add_argument("--steps-per-epoch", type=int, default=300)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--base", type=int, default=None, help="U-Net width (default 16; 24 for piano)")
    ap.add_argument("--instrument", choices=[Instrument.ENSEMBLE, Instrument.PIANO], default=Instrument.ENSEMBLE,
                    help="piano: a model with a sustain-pedal head, registered as the piano model")
    ap.add_argument("--init", type=Path, default=None,
                    help="start from this model folder's weights (same width; a pedal head it lacks starts fresh)")
    ap.add_argument("--lr", type=float, default=1e-3, help="the first learning rate (0.3x after 60 %% of the run, 0.1x after 85 %%)")
    ap.add_argument("--pedal-fine", action="store_true", help="piano: the pedal head also sees the decoder at the frame rate")
    ap.add_argument("--onset-refine", action="store_true",
                    help="a head that corrects the onsets from their neighbours in time and on the keyboard")
    ap.add_argument("--onset-attack", action="store_true",
                    help="the onset refinement also reads how each key's partials rose in the input (implies --onset-refine)")
    ap.add_argument("--train-only", choices=[PEDAL, "onset"], action="append", default=[],
                    help="train only this output's head over --init's frozen body (pedal: the notes stay --init's)")
    ap.add_argument("--make-default", action="store_true",
                    help="point models/DEFAULT (a piano model: models/DEFAULT-piano) at the new model")
    ap.add_argument("--finish-only", action="store_true",
                    help="skip training: take the run's best checkpoint (with no run, --init's weights) to "
                         "threshold choice, overtone filter, test and card")
    ap.add_argument("--pitch-shifts", type=int, nargs="+", default=[0],
                    help="semitones the network hears the features moved by, its posteriors averaged over them "
                         "(0 1: a second hearing a semitone up, twice the network's time)")
    args = ap.parse_args(argv)
    if args.train_only and not args.init:
        ap.error("--train-only trains heads over the body of a model: name it with --init")
    run_dir = args.run_dir or Path("runs") / args.version
    if args.finish_only and not (run_dir / "state.json").is_file() and args.init:
        init = load_model(args.init)  # a new decoding of a trained model: its weights, nothing trained
        state = {"architecture": init.card["architecture"], "instrument": init.card["instrument"], "epoch": 0,
                 "elapsed_s": 0.0, "history": [], "init": str(args.init / "model.weights.h5"), "train_only": []}
        model = TranscriptionModel(init.keras_model, {}, args.init)
    elif args.finish_only:
        state = json.loads((run_dir / "state.json").read_text())
        keras_model = build_model(**state["architecture"])
        keras_model.load_weights(run_dir / "best.weights.h5")
        model = TranscriptionModel(keras_model, {}, run_dir)
    else:
        architecture = {"base": args.base} if args.base else {}
        if args.pedal_fine:
            architecture["pedal_fine"] = True
        if args.onset_refine:
            architecture["onset_refine"] = True
        if args.onset_attack:
            architecture["onset_refine"] = architecture["onset_attack"] = True
        if architecture and args.instrument == Instrument.PIANO:
            architecture = {**PIANO_ARCHITECTURE, **architecture}
        architecture = architecture or None
        model, state = train(args.corpus, run_dir, args.minutes, epochs=args.epochs, batch=args.batch,
                             instrument=Instrument(args.instrument), only=tuple(args.train_only),
                             steps_per_epoch=args.steps_per_epoch, architecture=architecture, peak_lr=args.lr,
                             init_weights=args.init / "model.weights.h5" if args.init else None)
    model.pitch_shifts = tuple(args.pitch_shifts)
    card = finish(model, state, args.corpus, args.models_dir / args.version, args.version)
    if args.make_default:
        pointer = "DEFAULT-piano" if state.get("instrument") == Instrument.PIANO else "DEFAULT"
        (args.models_dir / pointer).write_text(args.version + "\n")
    print(json.dumps(card["test"], indent=1))


if __name__ == "__main__":
    main()
