"""The synthetic training corpora: music21 scores (and generated keyboard material) performed,
rendered with FluidSynth, augmented, and stored as features plus notes, split by work. The
ensemble corpus plays them on instruments together; the piano corpus (--piano) on one piano with
the sustain pedal, every acoustic piano preset of the training soundfonts detuned by up to 20 cents.

    python -m services.trainer.corpus --out data/corpus --hours 10
    python -m services.trainer.corpus --piano --out data/piano-corpus --hours 10 --processes 16

Deterministic: every rendition comes from a seed derived from the build seed and the work, so the
same command makes the same corpus; a build run again into the same folder keeps the renditions
its manifest already lists. Which works and splits: services.trainer.works; how a score is
played: services.trainer.perform and services.trainer.piano; the files written:
services.trainer.renditions.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.trainer.augment import augment
from services.trainer.perform import Excerpt, assign_instruments, generated_keyboard, perform_excerpt, window
from services.trainer.piano import perform_piano, window_performance, work_score
from services.trainer.piano_textures import generated_score
from services.trainer.render import PIANOS, SOUNDFONTS, Part, Renderer, piano, speaking_delays
from services.trainer.renditions import ENSEMBLE, PIANO, read_manifest, write_manifest, write_rendition
from services.trainer.works import KEYBOARD_WORKS, SPLITS, TUNE_BOOKS, list_works, split_of
from tunescribe.constants import SAMPLE_RATE
from tunescribe.features import compute_features
from tunescribe.notes import Note

# Evaluation-only timbre: the test split is rendered through a soundfont the model never hears
# (never in training: no rendition of the train or validation split uses it).
EVAL_SOUNDFONT = "/usr/share/sounds/sf3/MuseScore_General_Full.sf3"
TRAIN_SOUNDFONTS = list(SOUNDFONTS)
PIANO_SHARES = {"keyboard": 0.25, "reduction": 0.25, "generated": 0.5}  # of a piano build's hours
PLANNED_S = 75.0  # a typical rendition's length, for planning how many to make


@dataclass
class Job:
    work: str  # corpus-relative path, or "generated/<n>"
    split: str
    seed: int
    kind: str | None = None  # forced ensemble kind, or PIANO for the piano corpus

    @property
    def rendition_id(self) -> str:
        key = f"{self.work}|{self.seed}" + ("|piano" if self.kind == PIANO else "")
        return hashlib.sha1(key.encode()).hexdigest()[:12]


_renderer: Renderer | None = None


def start_renderer(with_eval_font: bool) -> None:
    """The renderer of this process (a pool worker's initializer), with the evaluation soundfont
    loaded when `with_eval_font`."""
    global _renderer
    warnings.filterwarnings("ignore")
    _renderer = Renderer()
    if with_eval_font:
        _renderer.sfids["eval"] = _renderer.synth.sfload(EVAL_SOUNDFONT)


def render_job(job: Job, out_dir: Path) -> dict | None:
    """Perform, render, label, augment and featurize one rendition; returns its summary row."""
    if job.kind == PIANO:
        return render_piano_job(job, out_dir)
    rng = np.random.default_rng(job.seed)
    excerpt: Excerpt | None = None  # a corpus work's, which knows each performed note's place in the score
    try:
        if job.work.startswith("generated/"):
            parts, kind = generated_keyboard(rng), "keyboard"
            parts, _ = window(parts, rng)
            parts = [p for p in parts if p]
        else:
            excerpt = perform_excerpt(job.work, job.kind, rng)
            if excerpt is None:
                return None
            kind, parts = excerpt.kind, excerpt.parts
        if not parts:
            return None
        players = assign_instruments(parts, kind, rng)
        _renderer.reset()
        font = "eval" if job.split == "test" else TRAIN_SOUNDFONTS[rng.integers(len(TRAIN_SOUNDFONTS))]
        stems, labels = [], []
        for player in players:
            if not player.notes:
                continue
            stem = _renderer.render_part(player, font, rng)
            delays = speaking_delays(stem, player.notes)
            labels += [(Note(n.pitch, min(n.start_s + d, n.end_s - 0.03) if n.end_s - n.start_s > 0.06 else n.start_s,
                             n.end_s, n.velocity), n) for n, d in zip(player.notes, delays)]
            stems.append(stem * rng.uniform(0.6, 1.0))
        if not stems:
            return None
        mix = np.zeros(max(len(s) for s in stems), np.float32)
        for s in stems:
            mix[: len(s)] += s
        audio = augment(mix, SAMPLE_RATE, rng)
        feats = compute_features(audio)
    except Exception as e:  # a score music21 cannot read is skipped, not fatal
        return {"work": job.work, "error": f"{type(e).__name__}: {e}"[:300]}
    labels.sort(key=lambda pair: (pair[0].start_s, pair[0].pitch))
    labels, played = [a for a, _ in labels], [b for _, b in labels]
    name = job.rendition_id
    # audio and reference MIDI for evaluation and the benchmark outside the train split; for a corpus
    # work the true score of the rendition in every split (the notation benchmark's truth, the beat
    # network's targets)
    write_rendition(out_dir / job.split, name, feats, labels, audio if job.split != "train" else None,
                    excerpt.true_score(played) if excerpt is not None else None)
    return {"id": name, "work": job.work, "split": job.split, "instrument": ENSEMBLE, "kind": kind, "soundfont": font,
            "instruments": sorted({p.instrument.name for p in players}), "seconds": len(audio) / SAMPLE_RATE,
            "notes": len(labels)}


def render_piano_job(job: Job, out_dir: Path) -> dict | None:
    """One piano rendition: a work (transposed by up to 3 semitones) or generated textures
    performed with the pedal, rendered through a training piano preset (the test split: the
    evaluation soundfont's grand) detuned by up to 20 cents, augmented; returns its summary row."""
    rng = np.random.default_rng(job.seed)
    try:
        score = (generated_score(rng) if job.work.startswith("generated/")
                 else work_score(job.work, int(rng.integers(-3, 4))))
        if score is None or not score.notes:
            return None
        perf, _ = window_performance(perform_piano(score, rng), rng)
        if not perf.notes:
            return None
        _renderer.reset()
        font, bank, program = ("eval", 0, 0) if job.split == "test" else PIANOS[rng.integers(len(PIANOS))]
        cents = float(rng.uniform(-20, 20))
        stem = _renderer.render_part(Part(piano(bank, program), perf.notes, perf.pedal, cents), font, rng)
        audio = augment(stem, SAMPLE_RATE, rng)
        feats = compute_features(audio)
    except Exception as e:  # a score music21 cannot read is skipped, not fatal
        return {"work": job.work, "error": f"{type(e).__name__}: {e}"[:300]}
    write_rendition(out_dir / job.split, job.rendition_id, feats, perf.notes,
                    audio if job.split != "train" else None, pedal=perf.pedal)
    return {"id": job.rendition_id, "work": job.work, "split": job.split, "instrument": PIANO, "kind": PIANO,
            "soundfont": font, "preset": [int(bank), int(program)], "detune_cents": round(cents, 1),
            "seconds": len(audio) / SAMPLE_RATE, "notes": len(perf.notes), "pedal_spans": len(perf.pedal)}


def _run(args) -> dict | None:
    job, out_dir, done = args
    return done if done is not None else render_job(job, out_dir)


def plan_jobs(seed: int, generated_share: float, hours: float) -> list[Job]:
    """Every rendition of a full build, in the order they are rendered."""
    works = list_works(seed)
    jobs = [Job(w, split_of(w), seed * 1_000_003 + i) for i, w in enumerate(works)]
    # keyboard music is thin in the corpus: a second, keyboard rendition of many works,
    # and generated material (train only)
    jobs += [Job(j.work, j.split, j.seed + 500_000, "keyboard") for j in jobs[::3]]
    n_generated = int(hours * 3600 * generated_share / 60)
    jobs += [Job(f"generated/{i}", "train", seed * 7 + i) for i in range(n_generated)]
    order = np.random.default_rng(seed).permutation(len(jobs))
    return [jobs[i] for i in order]


def plan_piano_jobs(seed: int, hours: float) -> list[Job]:
    """Every rendition of a full piano build, in the order they are rendered: by PIANO_SHARES, the
    keyboard works again and again, other works (not single-line tunes) as piano reductions, and
    generated textures (one in twenty for validation)."""
    n = {k: max(1, int(hours * 3600 * share / PLANNED_S)) for k, share in PIANO_SHARES.items()}
    base = seed * 1_000_003
    jobs = [Job(w, split_of(w), base + 1000 * i + k, PIANO) for i in range(-(-n["keyboard"] // len(KEYBOARD_WORKS)))
            for k, w in enumerate(KEYBOARD_WORKS)]
    reductions = [w for w in list_works(seed) if w.split("/")[0] not in TUNE_BOOKS and w not in KEYBOARD_WORKS]
    jobs += [Job(w, split_of(w), base + 200_000 + i, PIANO) for i, w in enumerate(reductions[: n["reduction"]])]
    jobs += [Job(f"generated/{i}", "validation" if i % 20 == 0 else "train", base + 500_000 + i, PIANO)
             for i in range(n["generated"])]
    order = np.random.default_rng(seed).permutation(len(jobs))
    return [jobs[i] for i in order]


def build(out_dir: Path, hours: float, seed: int = 0, processes: int = 2, generated_share: float = 0.15,
          works: list[str] | None = None, splits: tuple[str, ...] | None = None, piano: bool = False) -> list[dict]:
    """Render until the train split holds `hours` of audio (jobs in a fixed order, so the result
    is the same every time); the piano corpus with `piano`. `works` restricts the build to those
    corpus works (for tests); `splits` to those splits' renditions (without "train": every planned
    rendition of them, a superset of those a full build keeps before its cut). Renditions that the
    folder's manifest lists and whose files are there are kept, not rendered again."""
    out_dir.mkdir(parents=True, exist_ok=True)
    kind = PIANO if piano else None
    jobs = ([Job(w, split_of(w), seed + i, kind) for i, w in enumerate(works)] if works is not None
            else plan_piano_jobs(seed, hours) if piano else plan_jobs(seed, generated_share, hours))
    if splits is not None:
        jobs = [j for j in jobs if j.split in splits]
    before = read_manifest(out_dir)
    made = {r["id"]: r for r in before if (out_dir / r["split"] / f"{r['id']}.npz").is_file()}
    built = set(splits or SPLITS)
    others = [r for r in before if r["split"] not in built]  # the splits not rebuilt stay as they were
    rows, train_s, t0 = [], 0.0, time.time()
    with mp.get_context("spawn").Pool(processes, start_renderer, (Path(EVAL_SOUNDFONT).is_file(),)) as pool:
        for row in pool.imap(_run, [(j, out_dir, made.get(j.rendition_id)) for j in jobs], chunksize=1):
            if row is None:
                continue
            rows.append(row)
            if row.get("split") == "train":
                train_s += row["seconds"]
            if len(rows) % 25 == 0:
                print(f"{len(rows)} renditions, train {train_s / 3600:.2f} h, {time.time() - t0:.0f} s", flush=True)
                write_manifest(out_dir, others + rows)  # what an interrupted build resumes from
            if works is None and (splits is None or "train" in splits) and train_s >= hours * 3600:
                pool.terminate()
                break
    kept = {r["id"] for r in rows if "id" in r}
    for f in out_dir.glob("*/*"):  # renditions finished after the cut are not part of the corpus
        if f.parent.name in built and f.name.split(".")[0] not in kept:
            f.unlink()
    write_manifest(out_dir, others + rows)
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("data/corpus"))
    ap.add_argument("--hours", type=float, default=10.0, help="hours of training audio")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--piano", action="store_true", help="the piano corpus (one piano, the sustain pedal)")
    ap.add_argument("--splits", default=None,
                    help="comma-separated subset of train,validation,test (e.g. test: only the evaluation renditions)")
    args = ap.parse_args(argv)
    splits = tuple(args.splits.split(",")) if args.splits else None
    if splits and not set(splits) <= set(SPLITS):
        ap.error(f"unknown split in {args.splits}")
    rows = build(args.out, args.hours, args.seed, args.processes, splits=splits, piano=args.piano)
    done = [r for r in rows if "id" in r]
    for split in SPLITS:
        sel = [r for r in done if r["split"] == split]
        print(f"{split}: {len(sel)} renditions, {sum(r['seconds'] for r in sel) / 3600:.2f} h")
    print(f"skipped {len(rows) - len(done)} unreadable works")


if __name__ == "__main__":
    main()
