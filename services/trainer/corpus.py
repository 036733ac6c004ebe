"""The synthetic training corpus: music21 scores (and generated keyboard material) performed,
rendered with FluidSynth, augmented, and stored as features plus notes, split by work.

    python -m services.trainer.corpus --out data/corpus --hours 10

Deterministic: a work's split comes from a hash of its corpus path, and every rendition from a
seed derived from the build seed and the work, so the same command makes the same corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import time
import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf

from services.trainer.augment import augment
from services.trainer.render import INSTRUMENTS, SOUNDFONTS, Instrument, Part, Renderer, speaking_delays
from tunescribe.constants import SAMPLE_RATE
from tunescribe.features import compute_features
from tunescribe.midi import write_midi
from tunescribe.notes import Note

# Evaluation-only timbre: the test split is rendered through a soundfont the model never hears.
EVAL_SOUNDFONT = "/usr/share/sounds/sf3/MuseScore_General_Full.sf3"
TRAIN_SOUNDFONTS = list(SOUNDFONTS)
SOURCES = {  # corpus folder -> number of works taken (in a seeded order)
    "bach": 433, "palestrina": 260, "ryansMammoth": 220, "monteverdi": 97, "trecento": 103,
    "beethoven": 8, "mozart": 6, "haydn": 4, "schumann_robert": 3, "schumann_clara": 3,
    "oneills1850": 39, "josquin": 8, "corelli": 1, "handel": 1, "joplin": 1, "chopin": 1,
    "schubert": 1, "cpebach": 1, "beach": 1, "weber": 1, "verdi": 1, "airdsAirs": 6,
}
MAX_WINDOW_S = 90.0
SCALES = ([0, 2, 4, 5, 7, 9, 11], [0, 2, 3, 5, 7, 8, 10], list(range(12)))  # major, minor, chromatic


def split_of(work: str) -> str:
    """train / validation / test by work, from a stable hash of the work's name."""
    h = int(hashlib.sha1(work.encode()).hexdigest(), 16) % 100
    return "test" if h < 8 else "validation" if h < 14 else "train"


@dataclass
class Job:
    work: str  # corpus-relative path, or "generated/<n>"
    split: str
    seed: int
    kind: str | None = None  # forced ensemble kind


def list_works(seed: int = 0) -> list[str]:
    from music21 import corpus

    rng = np.random.default_rng(seed)
    by_source: dict[str, list[str]] = {}
    for p in sorted(map(str, corpus.getPaths())):
        parts = Path(p).parts
        source = parts[parts.index("corpus") + 1]
        if source in SOURCES:
            by_source.setdefault(source, []).append("/".join(parts[parts.index("corpus") + 1:]))
    picked = []
    for source, paths in sorted(by_source.items()):
        picked += list(rng.permutation(paths)[: SOURCES[source]])
    return list(rng.permutation(picked))


# ---------------------------------------------------------------- scores to performances

@dataclass
class Bar:
    start: float  # offset in the part, quarters
    pad: float  # quarters missing at the bar's start (a pickup)
    length: float  # quarters
    meter: object  # music21 TimeSignature in force
    sharps: int  # key signature in force


@lru_cache(maxsize=None)
def bars_of(work: str) -> list[Bar]:
    """The bars of a corpus work's first part, with the time and key signature in force in each
    (the score that score_parts performs); cached per work."""
    import music21 as m21

    s = m21.corpus.parse(work)
    return score_bars(s.scores[0] if isinstance(s, m21.stream.Opus) else s)


def score_bars(score) -> list[Bar]:
    """The bars of a music21 score's first part, with the time and key signature in force in each."""
    import music21 as m21

    part = score.parts[0] if score.parts else score
    measures = list(part.getElementsByClass(m21.stream.Measure))
    if not measures:  # a score without barlines (some ABC files): bars from its time signature
        measures = list(part.makeMeasures().getElementsByClass(m21.stream.Measure))
    ts, sharps, bars = m21.meter.TimeSignature("4/4"), 0, []
    for i, m in enumerate(measures):
        ts = m.timeSignature or ts
        if m.keySignature is not None:
            sharps = m.keySignature.sharps
        end = measures[i + 1].offset if i + 1 < len(measures) else m.offset + m.duration.quarterLength
        bars.append(Bar(float(m.offset), float(m.paddingLeft), float(end - m.offset), ts, sharps))
    return bars


def score_parts(work: str) -> list[list[tuple[float, float, int]]]:
    """Each part of a corpus work as (onset, duration, pitch) in quarter notes, ties merged."""
    from music21 import corpus, stream

    s = corpus.parse(work)
    if isinstance(s, stream.Opus):
        s = s.scores[0]
    s = s.stripTies()
    parts = []
    for part in (s.parts if s.parts else [s]):
        notes = []
        for el in part.flatten().notes:
            ql = float(el.quarterLength)
            if ql <= 0:
                continue
            for p in el.pitches:
                notes.append((float(el.offset), ql, int(p.midi)))
        if notes:
            parts.append(sorted(notes))
    return parts


@dataclass(frozen=True)
class Rubato:
    """A performance's timing: score time (quarter notes) -> seconds, a tempo that swells and
    relaxes sinusoidally (by up to 8 %) around a base tempo."""
    seconds_per_quarter: float
    amplitude: float  # relative tempo deviation
    period_q: float  # quarter notes per swing
    phase: float  # radians

    def seconds(self, q):
        """Quarter-note position(s) -> seconds from the performance's start (q = 0 at 0 s)."""
        spq, amp, period, phase = self.seconds_per_quarter, self.amplitude, self.period_q, self.phase
        return spq * (q - amp * period / (2 * np.pi) * (np.cos(2 * np.pi * q / period + phase) - np.cos(phase)))


def draw_rubato(parts: list[list[tuple[float, float, int]]], rng: np.random.Generator) -> Rubato:
    """A base tempo of 55-130 BPM (slower when the score's short notes would go under 90 ms) and a swing."""
    all_ql = [d for p in parts for _, d, _ in p]
    shortest = np.percentile(all_ql, 10) if all_ql else 1.0
    bpm = rng.uniform(55, 130)
    bpm = min(bpm, 60 * shortest / 0.09)  # keep the fast notes playable (>= 90 ms)
    amp, period, phase = rng.uniform(0, 0.08), rng.uniform(8, 32), rng.uniform(0, 2 * np.pi)
    return Rubato(60.0 / bpm, float(amp), float(period), float(phase))


def perform(parts: list[list[tuple[float, float, int]]], rng: np.random.Generator,
            rubato: Rubato | None = None, downbeats=()) -> list[list[Note]]:
    """Quarter-note parts -> notes in seconds (one per score note, in the same order), played with
    rubato, articulation, uneven dynamics and players who are not exactly together, a little
    louder on the bars' first beats (`downbeats`, quarter-note offsets)."""
    seconds = (rubato or draw_rubato(parts, rng)).seconds
    stressed = {round(float(x), 3) for x in downbeats}
    performed = []
    for part in parts:
        phrase_len = rng.choice([4.0, 8.0])
        n_phrases = int(max(q for q, _, _ in part) // phrase_len) + 2
        dynamics = np.clip(80 + np.cumsum(rng.normal(0, 10, n_phrases)), 40, 118)
        legato = rng.random(n_phrases) < 0.6
        ratio = np.where(legato, rng.uniform(0.93, 1.02, n_phrases), rng.uniform(0.5, 0.85, n_phrases))
        jitter = rng.uniform(0.0, 0.015)
        notes = []
        for q, d, pitch in part:
            ph = int(q // phrase_len)
            start = max(0.0, seconds(q) + rng.normal(0, jitter))
            end = start + max(0.05, (seconds(q + d) - seconds(q)) * ratio[ph])
            vel = int(np.clip(dynamics[ph] + rng.normal(0, 8) + (6 if round(q, 3) in stressed else 0), 15, 127))
            notes.append(Note(pitch, start, end, vel))
        performed.append(notes)
    return performed


def generated_keyboard(rng: np.random.Generator, seconds: float = 60.0) -> list[list[Note]]:
    """Scales, arpeggios and chords across all 88 keys, for the keyboard music the corpus lacks."""
    right, left, t = [], [], 0.0
    while t < seconds:
        kind = rng.choice(["scale", "arpeggio", "chords", "melody_chords"])
        root = int(rng.integers(21, 100))
        step = rng.uniform(0.07, 0.3)
        vel = int(rng.integers(35, 120))
        mode = SCALES[rng.integers(len(SCALES))]
        if kind == "scale":
            n = int(rng.integers(8, 25))
            degrees = np.arange(n) if rng.random() < 0.5 else np.arange(n)[::-1]
            for i, dgr in enumerate(degrees):
                pitch = root + 12 * (dgr // len(mode)) + mode[dgr % len(mode)]
                if 21 <= pitch <= 108:
                    right.append(Note(pitch, t + i * step, t + (i + rng.uniform(0.8, 1.0)) * step, vel))
            t += n * step
        elif kind == "arpeggio":
            chord = [0, 4, 7] if rng.random() < 0.5 else [0, 3, 7, 10]
            n = int(rng.integers(6, 20))
            for i in range(n):
                pitch = root + 12 * (i // len(chord)) + chord[i % len(chord)]
                if 21 <= pitch <= 108:
                    left.append(Note(pitch, t + i * step, t + i * step + rng.uniform(step, 4 * step), vel))
            t += n * step
        else:
            for _ in range(int(rng.integers(2, 8))):
                dur = rng.uniform(0.15, 1.2)
                size = int(rng.integers(2, 7))
                pitches = set(int(p) for p in rng.integers(21, 109, size)) if rng.random() < 0.3 else {
                    root + int(x) for x in rng.choice([0, 3, 4, 7, 10, 12, 16, 19, 24], size, replace=False)}
                for p in pitches:
                    if 21 <= p <= 108:
                        left.append(Note(p, t, t + dur * rng.uniform(0.6, 1.0), int(np.clip(vel + rng.normal(0, 10), 10, 127))))
                if kind == "melody_chords":
                    for i in range(int(rng.integers(1, 4))):
                        p = int(rng.integers(60, 100))
                        s = t + i * dur / 3
                        right.append(Note(p, s, s + dur / 3, vel))
                t += dur
        t += rng.uniform(0.0, 0.5)
    return [right, left]


def assign_instruments(parts: list[list[Note]], kind: str, rng: np.random.Generator) -> list[Part]:
    """Choose an instrument per part for the ensemble kind and move each part by octaves into its range."""
    order = np.argsort([-np.median([n.pitch for n in p]) for p in parts])  # highest part first
    keyboard = INSTRUMENTS[rng.choice(["piano"] * 8 + ["harpsichord", "organ"])]
    melodic = ["violin", "flute", "clarinet", "oboe", "alto_sax", "tenor_sax", "cello", "bassoon",
               "french_horn", "trumpet", "viola", "choir", "trombone"]
    out = []
    for rank, idx in enumerate(order):
        if kind == "keyboard":
            inst = keyboard
        elif kind == "strings":
            inst = INSTRUMENTS[["violin", "violin", "viola", "cello", "contrabass"][min(rank, 4) if rank < len(order) - 1 or rank < 3 else 3]]
        elif kind == "melody":
            inst = INSTRUMENTS[rng.choice(melodic)]
        else:
            median = np.median([n.pitch for n in parts[idx]])
            fits = [i for i in INSTRUMENTS.values() if i.low + 4 <= median <= i.high - 6 and i.name != "organ"]
            inst = fits[rng.integers(len(fits))] if fits else keyboard
        out.append(Part(inst, _fit_range(parts[idx], inst)))
    return out


def _fit_range(notes: list[Note], inst: Instrument) -> list[Note]:
    median = float(np.median([n.pitch for n in notes]))
    shift = 0
    while median + shift > inst.high - 6:
        shift -= 12
    while median + shift < inst.low + 4:
        shift += 12
    return [Note(n.pitch + shift, n.start_s, n.end_s, n.velocity) for n in notes if 21 <= n.pitch + shift <= 108]


def _window(parts: list[list[Note]], rng: np.random.Generator) -> tuple[list[list[Note]], float]:
    """At most MAX_WINDOW_S of the performance, and where it starts (seconds)."""
    end = max(n.end_s for p in parts for n in p)
    if end <= MAX_WINDOW_S:
        return parts, 0.0
    t0 = float(rng.uniform(0, end - MAX_WINDOW_S))
    return [[Note(n.pitch, n.start_s - t0, n.end_s - t0, n.velocity) for n in p if t0 <= n.start_s < t0 + MAX_WINDOW_S - 1]
            for p in parts], t0


# ---------------------------------------------------------------- building

_renderer: Renderer | None = None


def _init_worker(with_eval_font: bool) -> None:
    global _renderer
    warnings.filterwarnings("ignore")
    _renderer = Renderer()
    if with_eval_font:
        _renderer.sfids["eval"] = _renderer.synth.sfload(EVAL_SOUNDFONT)


def perform_excerpt(work: str, kind: str | None, rng: np.random.Generator):
    """A corpus work performed and windowed: (ensemble kind, parts, the score.json fields but
    "notes", each performed note's place in the score by `_score_key`); None for an empty score."""
    quarters = score_parts(work)
    if not quarters:
        return None
    kind = kind or (rng.choice(["melody", "melody", "keyboard"]) if len(quarters) == 1
                    else rng.choice(["keyboard", "strings", "mixed", "mixed"]))
    shift = int(rng.integers(-3, 4))
    rubato = draw_rubato(quarters, rng)
    performed = perform(quarters, rng, rubato, [b.start for b in bars_of(work) if b.pad == 0])
    parts = [[Note(n.pitch + shift, n.start_s, n.end_s, n.velocity) for n in p] for p in performed]
    parts, t0 = _window(parts, rng)
    in_score = {_score_key(n.start_s - t0, n.end_s - t0, n.velocity, n.pitch + shift): [q, d, i]
                for i, (part_q, part_n) in enumerate(zip(quarters, performed))
                for (q, d, _), n in zip(part_q, part_n)}
    meta = {"work": work, "transpose": shift, "window_start_s": t0, "rubato": asdict(rubato)}
    return str(kind), [p for p in parts if p], meta, in_score


def render_job(job: Job, out_dir: Path) -> dict | None:
    """Perform, render, label, augment and featurize one rendition; returns its summary row."""
    rng = np.random.default_rng(job.seed)
    in_score: dict | None = None  # corpus works: each windowed performed note -> its place in the score
    try:
        if job.work.startswith("generated/"):
            parts, kind = generated_keyboard(rng), "keyboard"
            parts, t0 = _window(parts, rng)
            parts = [p for p in parts if p]
        else:
            excerpt = perform_excerpt(job.work, job.kind, rng)
            if excerpt is None:
                return None
            kind, parts, meta, in_score = excerpt
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
    name = hashlib.sha1(f"{job.work}|{job.seed}".encode()).hexdigest()[:12]
    split_dir = out_dir / job.split
    split_dir.mkdir(parents=True, exist_ok=True)
    notes = np.array([[n.pitch, n.start_s, n.end_s, n.velocity] for n in labels], np.float32).reshape(-1, 4)
    np.savez(split_dir / f"{name}.npz", features=feats.astype(np.float16), notes=notes)
    if job.split != "train":  # audio and reference MIDI for evaluation and the benchmark
        sf.write(split_dir / f"{name}.flac", audio, SAMPLE_RATE)
        write_midi(labels, split_dir / f"{name}.mid")
        if in_score is not None:  # the true score of the rendition, for the notation benchmark
            truth = {**meta, "notes": [in_score[_score_key(n.start_s, n.end_s, n.velocity, n.pitch)] for n in played]}
            (split_dir / f"{name}.score.json").write_text(json.dumps(truth))
    return {"id": name, "work": job.work, "split": job.split, "kind": kind, "soundfont": font,
            "instruments": sorted({p.instrument.name for p in players}), "seconds": len(audio) / SAMPLE_RATE,
            "notes": len(labels)}


def _score_key(start_s: float, end_s: float, velocity: int, pitch: int) -> tuple:
    """Identifies a performed note through windowing and octave moves (its times and velocity are
    drawn at random, so they are unique; the pitch class survives a move into an instrument's range)."""
    return start_s, end_s, velocity, pitch % 12


def _run(args) -> dict | None:
    return render_job(*args)


def plan_jobs(seed: int, generated_share: float, hours: float) -> list[Job]:
    works = list_works(seed)
    jobs = [Job(w, split_of(w), seed * 1_000_003 + i) for i, w in enumerate(works)]
    # keyboard music is thin in the corpus: a second, keyboard rendition of many works,
    # and generated material (train only)
    jobs += [Job(j.work, j.split, j.seed + 500_000, "keyboard") for j in jobs[::3]]
    n_generated = int(hours * 3600 * generated_share / 60)
    jobs += [Job(f"generated/{i}", "train", seed * 7 + i) for i in range(n_generated)]
    order = np.random.default_rng(seed).permutation(len(jobs))
    return [jobs[i] for i in order]


def build(out_dir: Path, hours: float, seed: int = 0, processes: int = 2, generated_share: float = 0.15,
          works: list[str] | None = None, splits: tuple[str, ...] | None = None) -> list[dict]:
    """Render until the train split holds `hours` of audio (jobs in a fixed order, so the result
    is the same every time). `works` restricts the build to those corpus works (for tests);
    `splits` to those splits' renditions (without "train": every planned rendition of them, a
    superset of those a full build keeps before its cut)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = ([Job(w, split_of(w), seed + i) for i, w in enumerate(works)] if works is not None
            else plan_jobs(seed, generated_share, hours))
    if splits is not None:
        jobs = [j for j in jobs if j.split in splits]
    rows, train_s, t0 = [], 0.0, time.time()
    with mp.get_context("spawn").Pool(processes, _init_worker, (Path(EVAL_SOUNDFONT).is_file(),)) as pool:
        for row in pool.imap(_run, [(j, out_dir) for j in jobs], chunksize=1):
            if row is None:
                continue
            rows.append(row)
            if row.get("split") == "train":
                train_s += row["seconds"]
            if len(rows) % 25 == 0:
                print(f"{len(rows)} renditions, train {train_s / 3600:.2f} h, {time.time() - t0:.0f} s", flush=True)
            if works is None and (splits is None or "train" in splits) and train_s >= hours * 3600:
                pool.terminate()
                break
    kept = {r["id"] for r in rows if "id" in r}
    built = set(splits or ("train", "validation", "test"))
    for f in out_dir.glob("*/*"):  # renditions finished after the cut are not part of the corpus
        if f.parent.name in built and f.name.split(".")[0] not in kept:
            f.unlink()
    manifest, others = out_dir / "manifest.json", []
    if splits is not None and manifest.is_file():  # the splits not rebuilt stay as they were
        others = [r for r in json.loads(manifest.read_text()) if "id" in r and r["split"] not in built]
    manifest.write_text(json.dumps(others + rows, indent=1))
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("data/corpus"))
    ap.add_argument("--hours", type=float, default=10.0, help="hours of training audio")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--splits", default=None,
                    help="comma-separated subset of train,validation,test (e.g. test: only the evaluation renditions)")
    args = ap.parse_args(argv)
    splits = tuple(args.splits.split(",")) if args.splits else None
    if splits and not set(splits) <= {"train", "validation", "test"}:
        ap.error(f"unknown split in {args.splits}")
    rows = build(args.out, args.hours, args.seed, args.processes, splits=splits)
    done = [r for r in rows if "id" in r]
    for split in ("train", "validation", "test"):
        sel = [r for r in done if r["split"] == split]
        print(f"{split}: {len(sel)} renditions, {sum(r['seconds'] for r in sel) / 3600:.2f} h")
    print(f"skipped {len(rows) - len(done)} unreadable works")


if __name__ == "__main__":
    main()
