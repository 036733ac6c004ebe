"""TuneScribe beside Spotify's Basic Pitch and the piano specialist Transkun V2: accuracy and
speed on the same files.

Run with the project venv (the peers' venvs come from benchmarks/setup_peer.sh and
benchmarks/setup_transkun.sh):

    .venv/bin/python benchmarks/transcription.py [--sets synthetic,real,piano]
        [--systems ours,peer,transkun] [--limit N] [--model DIR] [--memory]

Sets: `synthetic` (the corpus test split, per ensemble kind), `real-mix` (Bach10 four-instrument
mixes), `real-instrument` (Bach10 single instruments; `real` names both real sets) and `piano` (the
piano corpus's test split, rendered through MuseScore General's piano, per composer; rendered first
if missing). Each system runs as ONE process over all of a set's files, timed by the wall clock, so
model loading and start-up count. Scores come from tunescribe.evaluate: note F1 (onsets within
50 ms), note F1 with offsets, frame F1 (10 ms grid), each the mean over files. Offsets and frames
are scored as MAESTRO does: the reference's notes and each estimate's notes sound on while their
own MIDI's sustain pedal (CC64) holds them (a file without pedal is scored as it is). Pedal F1:
frame F1 of pedal-down on the 10 ms grid, over the files whose reference has a pedal, for a system
that writes one. A file a system fails on scores as an empty transcription. Writes
benchmarks/results/transcription.json and .md.

`--memory` also transcribes a 10-minute recording (the real mixes looped, written to a temp dir)
under /usr/bin/time -v and records each system's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import soundfile as sf

from tunescribe.evaluate import FRAME_GRID_S, Scores, mean_scores, score_notes
from tunescribe.midi import read_midi_notes, read_midi_pedal
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan, sounding

REPO = Path(__file__).resolve().parent.parent
# each peer: its venv's python, its script, the script that makes the venv
PEERS = {
    "peer": (REPO / "benchmarks" / ".venv-basic-pitch" / "bin" / "python", REPO / "benchmarks" / "peer_basic_pitch.py",
             "benchmarks/setup_peer.sh"),
    "transkun": (REPO / "benchmarks" / ".venv-transkun" / "bin" / "python", REPO / "benchmarks" / "peer_transkun.py",
                 "benchmarks/setup_transkun.sh"),
}
GNU_TIME = Path("/usr/bin/time")
SET_TITLES = {
    "synthetic": "synthetic test split",
    "real-mix": "real mixes (Bach10)",
    "real-instrument": "real single instruments (Bach10)",
    "piano": "piano renditions of the test split (MuseScore General's piano, sustain pedal)",
}
SYSTEM_TITLES = {"ours": "TuneScribe", "peer": "Basic Pitch 0.4.0",
                 "transkun": "Transkun V2 (transkun 2.0.1, 2.0 checkpoint, CPU)"}


@dataclass
class Item:
    id: str
    audio: Path
    ref: Path
    category: str


@dataclass
class Run:
    wall_s: float  # wall-clock seconds of the whole process
    max_rss_mib: float  # peak resident memory of the process, MiB
    returncode: int


# ---------------------------------------------------------------- file sets


def synthetic_items(corpus: Path, piano: bool = False) -> list[Item]:
    """A corpus's test split; category = the rendition's ensemble kind from manifest.json, or for the
    piano corpus the work's composer (its folder in the music21 corpus)."""
    manifest = corpus / "manifest.json"
    if not manifest.is_file():
        sys.exit(f"error: {manifest} is missing (is the corpus build finished?)")
    rows = [r for r in json.loads(manifest.read_text()) if "id" in r and r.get("split") == "test"]
    items = [Item(r["id"], corpus / "test" / f"{r['id']}.flac", corpus / "test" / f"{r['id']}.mid",
                  r.get("work", r["kind"]).split("/")[0] if piano else r["kind"])
             for r in sorted(rows, key=lambda r: r["id"])]
    return [it for it in items if it.audio.is_file() and it.ref.is_file()]


def real_items(real_dev: Path, mixes: bool) -> list[Item]:
    """Bach10 clips from clips.json, read in place: the mixes (category "mix"), or the single
    instruments (category = the instrument)."""
    clips = json.loads((real_dev / "clips.json").read_text())["clips"]
    return [Item(c["id"], real_dev / f"{c['id']}.flac", real_dev / f"{c['id']}.mid", c["kind"])
            for c in sorted(clips, key=lambda c: c["id"]) if (c["kind"] == "mix") == mixes]


def audio_seconds(path: Path) -> float:
    """Duration of an audio file in seconds (from its header)."""
    return sf.info(str(path)).duration


# ---------------------------------------------------------------- running the systems


def system_command(system: str, files: list[Path], out_dir: Path, model: Path | None) -> list[str]:
    """The command line that transcribes `files` into out_dir/<stem>.mid."""
    if system == "ours":
        cmd = [str(Path(sys.executable).parent / "tunescribe"), "transcribe", *map(str, files), "--out-dir", str(out_dir)]
        return cmd + (["--model", str(model)] if model else [])
    python, script, _ = PEERS[system]
    return [str(python), str(script), "--out-dir", str(out_dir), *map(str, files)]


def run_measured(cmd: list[str], log: Path) -> Run:
    """Run cmd under GNU time -v; stdout and stderr go to `log`. Returns wall seconds and peak RSS."""
    if not GNU_TIME.is_file():
        sys.exit("error: /usr/bin/time is missing (apt-get install time)")
    rusage = log.with_suffix(".time")
    t0 = time.perf_counter()
    with log.open("w") as f:
        rc = subprocess.run([str(GNU_TIME), "-v", "-o", str(rusage), *cmd], stdout=f, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - t0
    rss_kib = next((int(line.rsplit(":", 1)[1]) for line in rusage.read_text().splitlines()
                    if "Maximum resident set size" in line), 0)
    return Run(wall, rss_kib / 1024, rc)


def model_description(model: Path | None) -> dict:
    """Which TuneScribe model the run used: its directory and the version in its card; without
    --model, Auto (the CLI's default) and the two models it chooses between."""
    from tunescribe.cards import Instrument, ModelError, default_model_dir, read_card, shipped_piano_model

    if model is None and shipped_piano_model() is not None:
        return {"models": "Auto (models/auto-v1) picks per file: piano "
                          f"{model_description(default_model_dir(Instrument.PIANO))['model_version']}, ensemble "
                          f"{model_description(default_model_dir())['model_version']}"}
    try:
        directory = model or default_model_dir()
    except ModelError as e:
        sys.exit(f"error: {e} (pass --model DIR, or --systems peer)")
    try:
        version = read_card(directory).get("version", directory.name)
    except ModelError:
        version = directory.name
    return {"model_dir": str(directory), "model_version": version}


# ---------------------------------------------------------------- scoring


def pedal_f1(ref: list[PedalSpan], est: list[PedalSpan], grid_s: float = FRAME_GRID_S) -> float:
    """Frame F1 of pedal-down (any depth) on a `grid_s` grid (seconds); 1.0 when neither has a pedal."""
    n = int(np.ceil(max((s.end_s for s in [*ref, *est]), default=0.0) / grid_s)) + 1
    rolls = np.zeros((2, n), bool)
    for roll, spans in zip(rolls, (ref, est)):
        for s in spans:
            roll[int(round(s.start_s / grid_s)):int(round(s.end_s / grid_s))] = True
    both, total = np.sum(rolls[0] & rolls[1]), rolls.sum()
    return 2 * float(both) / float(total) if total else 1.0


def read_sounding(path: Path) -> tuple[list[Note], list[PedalSpan]]:
    """A MIDI file's notes as they sound under its own sustain pedal (MAESTRO's evaluation), and the pedal."""
    pedal = read_midi_pedal(path)
    return sounding(read_midi_notes(path), pedal), pedal


def score_dir(items: list[Item], est_dir: Path) -> tuple[dict, list[str]]:
    """Per-file scores (and note and pedal counts) of est_dir/<id>.mid against each reference, both
    pedal-extended; pedal F1 where the reference has a pedal (else None). A missing estimate scores
    as an empty transcription and is listed."""
    per_file, missing = {}, []
    for it in items:
        est_path = est_dir / f"{it.id}.mid"
        ref, ref_pedal = read_sounding(it.ref)
        est, est_pedal = read_sounding(est_path) if est_path.is_file() else ([], [])
        if not est_path.is_file():
            missing.append(it.id)
        per_file[it.id] = {"category": it.category, "n_ref": len(ref), "n_est": len(est),
                           "n_ref_pedal": len(ref_pedal), "n_est_pedal": len(est_pedal),
                           **score_notes(ref, est).as_dict(),
                           "pedal_f1": pedal_f1(ref_pedal, est_pedal) if ref_pedal else None}
    return per_file, missing


def summarise(per_file: dict) -> dict:
    """Mean scores over all files ("all") and over each category's files; pedal_f1 is the mean over
    the files whose reference has a pedal, or None where there are none or the system wrote no pedal
    in the whole set."""
    writes_pedal = any(row["n_est_pedal"] for row in per_file.values())
    by_cat: dict[str, list[dict]] = {}
    for row in per_file.values():
        by_cat.setdefault("all", []).append(row)
        by_cat.setdefault(row["category"], []).append(row)
    ordered = sorted(by_cat.items(), key=lambda kv: kv[0] != "all")  # "all" first, then as met
    out = {}
    for cat, rows in ordered:
        pedal = [r["pedal_f1"] for r in rows if r["pedal_f1"] is not None]
        scores = mean_scores([Scores(*(r[k] for k in Scores.__dataclass_fields__)) for r in rows])
        out[cat] = {"files": len(rows), **scores.as_dict(),
                    "pedal_f1": float(np.mean(pedal)) if pedal and writes_pedal else None}
    return out


def benchmark_set(name: str, items: list[Item], systems: list[str], model: Path | None, work: Path) -> dict:
    """Run each system once over the set's files, time it, score it."""
    audio_s = sum(audio_seconds(it.audio) for it in items)
    result = {"title": SET_TITLES[name], "files": len(items), "audio_s": audio_s, "systems": {}}
    for system in systems:
        out_dir = work / name / system
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        print(f"[{name}] {system}: {len(items)} files, {audio_s:.0f} s of audio", flush=True)
        log = work / f"{name}-{system}.log"
        run = run_measured(system_command(system, [it.audio for it in items], out_dir, model), log)
        per_file, missing = score_dir(items, out_dir)
        if len(missing) == len(items):
            sys.exit(f"error: {system} wrote no MIDI for {name} (exit {run.returncode}); see {log}")
        result["systems"][system] = {
            "process_s": run.wall_s, "x_real_time": audio_s / run.wall_s, "max_rss_mib": run.max_rss_mib,
            "returncode": run.returncode, "missing": missing, "scores": summarise(per_file), "per_file": per_file,
        }
        s = result["systems"][system]["scores"]["all"]
        print(f"  note F1 / w/ offsets / frame F1: {_f1s(s)}, pedal F1 {_pedal(s)}, {run.wall_s:.1f} s "
              f"({audio_s / run.wall_s:.2f}x real time), peak RSS {run.max_rss_mib:.0f} MiB", flush=True)
    return result


def memory_test(real_dev: Path, minutes: float, systems: list[str], model: Path | None, work: Path) -> dict:
    """Loop the real mixes into one `minutes`-long file (in a temp dir) and measure each system's
    peak RSS (MiB) and wall seconds transcribing it."""
    clips = [sf.read(str(it.audio), dtype="float32", always_2d=True) for it in real_items(real_dev, mixes=True)]
    rates = {sr for _, sr in clips}
    if len(rates) != 1:
        sys.exit(f"error: the real mixes have different sample rates {rates}")
    sr = rates.pop()
    joined = np.concatenate([y.mean(axis=1) for y, _ in clips])
    n = int(round(minutes * 60 * sr))
    audio = np.tile(joined, int(np.ceil(n / len(joined))))[:n]
    result = {"audio_s": n / sr, "source": "real mixes, concatenated and looped", "systems": {}}
    with tempfile.TemporaryDirectory(prefix="tunescribe-memory-") as tmp:
        path = Path(tmp) / f"long-{minutes:g}min.flac"
        sf.write(str(path), audio, sr, subtype="PCM_16")
        del audio, joined, clips
        for system in systems:
            print(f"[memory] {system}: {n / sr:.0f} s file", flush=True)
            log = work / f"memory-{system}.log"
            run = run_measured(system_command(system, [path], Path(tmp) / system, model), log)
            if run.returncode != 0:
                sys.exit(f"error: {system} failed on the long file (exit {run.returncode}); see {log}")
            result["systems"][system] = {"max_rss_mib": run.max_rss_mib, "process_s": run.wall_s,
                                         "x_real_time": (n / sr) / run.wall_s}
            print(f"  peak RSS {run.max_rss_mib:.0f} MiB, {run.wall_s:.1f} s", flush=True)
    return result


# ---------------------------------------------------------------- report


def machine() -> dict:
    """CPU count and model, and the 1-minute load average before the run (another job sharing the
    CPUs slows both systems)."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cores": os.cpu_count(), "cpu": cpu, "load_avg_1min_at_start": os.getloadavg()[0]}


def _f1s(s: dict) -> str:
    """Note F1, note F1 with offsets and frame F1 as 'a / b / c'."""
    return f"{s['note_f1']:.3f} / {s['note_offset_f1']:.3f} / {s['frame_f1']:.3f}"


def _pedal(s: dict) -> str:
    """Pedal F1, or '—' where it is not scored."""
    return "—" if s.get("pedal_f1") is None else f"{s['pedal_f1']:.3f}"


def markdown(report: dict) -> str:
    """The JSON report as tables: per set, the systems overall, then per category."""
    m = report["machine"]
    lines = [
        "# Transcription benchmark: TuneScribe beside Basic Pitch and Transkun V2", "",
        f"- command: `{report['command']}`",
        f"- date: {report['date']}",
        f"- machine: {m['cores']} cores ({m['cpu']}), load average {m['load_avg_1min_at_start']:.1f} at start",
        *(f"- {SYSTEM_TITLES[k]}: " + "; ".join(f"{a}: {b}" for a, b in v.items())
          for k, v in report["system_info"].items()),
        "- scores: mean over files; note F1 = onsets within 50 ms; with offsets = also offsets within 20 % "
        "(at least 50 ms); frame F1 on a 10 ms grid; offsets and frames of reference and estimate alike as their "
        "own sustain pedal (CC64) holds the notes, as MAESTRO's evaluation does; pedal F1 = frame F1 of "
        "pedal-down on the 10 ms grid, over files whose reference has a pedal, for systems that write one "
        "(— otherwise). Process time = one process over the whole set, "
        "start-up and model loading included; x real time = audio seconds / process seconds.", "",
    ]
    for s in report["sets"].values():
        lines += [f"## {s['title']}: {s['files']} files, {s['audio_s']:.0f} s of audio", "",
                  "| system | note F1 | note F1 w/ offsets | frame F1 | pedal F1 | process time (s) | x real time "
                  "| peak RSS (MiB) |", "|---|---|---|---|---|---|---|---|"]
        for k, r in s["systems"].items():
            failed = f" ({len(r['missing'])} failed)" if r["missing"] else ""
            lines.append(f"| {SYSTEM_TITLES[k]}{failed} | " + _f1s(r["scores"]["all"]).replace(" / ", " | ")
                         + f" | {_pedal(r['scores']['all'])} | {r['process_s']:.1f} | {r['x_real_time']:.2f}"
                         f" | {r['max_rss_mib']:.0f} |")
        names = [SYSTEM_TITLES[k] for k in s["systems"]]
        lines += ["", "| category | files | " + " | ".join(f"{n}: note F1 / w/ offsets / frame F1" for n in names) + " |",
                  "|---|---|" + "---|" * len(names)]
        for cat, c in next(iter(s["systems"].values()))["scores"].items():
            cells = [_f1s(r["scores"][cat]) for r in s["systems"].values()]
            lines.append(f"| {cat} | {c['files']} | " + " | ".join(cells) + " |")
        lines.append("")
    if mem := report.get("memory"):
        lines += [f"## Peak memory on a {mem['audio_s'] / 60:g}-minute recording ({mem['source']})", "",
                  "| system | peak RSS (MiB) | process time (s) | x real time |", "|---|---|---|---|"]
        lines += [f"| {SYSTEM_TITLES[k]} | {r['max_rss_mib']:.0f} | {r['process_s']:.1f} | {r['x_real_time']:.2f} |"
                  for k, r in mem["systems"].items()]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="synthetic,real",
                    help="comma-separated: synthetic, real, real-mix, real-instrument, piano "
                         "('' with --memory: memory only)")
    ap.add_argument("--systems", default="ours,peer", help="comma-separated: ours, peer (Basic Pitch), transkun")
    ap.add_argument("--limit", type=int, default=None, help="at most N files per set (a quick run)")
    ap.add_argument("--model", type=Path, default=None, help="TuneScribe model directory (default: the shipped one)")
    ap.add_argument("--memory", action="store_true", help="also measure peak memory on a long recording")
    ap.add_argument("--memory-minutes", type=float, default=10.0, help="length of that recording, minutes")
    ap.add_argument("--corpus", type=Path, default=REPO / "data" / "corpus")
    ap.add_argument("--piano-corpus", type=Path, default=REPO / "data" / "piano-corpus")
    ap.add_argument("--real-dev", type=Path, default=REPO.parent / "shared" / "data" / "real-dev")
    ap.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work", help="transcriptions and logs")
    ap.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results", help="where the JSON and MD go")
    args = ap.parse_args(argv)

    systems = [s for s in args.systems.split(",") if s]
    sets = [x for s in args.sets.split(",") if s for x in (["real-mix", "real-instrument"] if s == "real" else [s])]
    if unknown := [s for s in systems if s not in SYSTEM_TITLES] + [s for s in sets if s not in SET_TITLES]:
        ap.error(f"unknown system or set: {', '.join(unknown)}")
    if not systems or not (sets or args.memory):
        ap.error("nothing to run: name a system, and a set or --memory")
    for system in set(systems) & PEERS.keys():
        if not PEERS[system][0].is_file():
            sys.exit(f"error: {PEERS[system][0]} is missing: run {PEERS[system][2]}")
    system_info = {"ours": model_description(args.model)} if "ours" in systems else {}
    if "peer" in systems:
        system_info["peer"] = {"package": "basic-pitch 0.4.0", "model": "ICASSP 2022 (nmp.onnx) on onnxruntime",
                               "thresholds": "Basic Pitch's defaults"}
    if "transkun" in systems:
        system_info["transkun"] = {"package": "transkun 2.0.1", "model": "the shipped 2.0 checkpoint on the CPU",
                                   "segments": "its CLI's defaults (16 s, hop 8 s)"}
    for system in set(system_info) & PEERS.keys():
        system_info[system]["venv"] = str(PEERS[system][0].parent.parent.relative_to(REPO))

    exe = Path(sys.executable)
    command = shlex.join([str(exe.relative_to(REPO)) if exe.is_relative_to(REPO) else str(exe), *sys.argv])
    report = {"command": command, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(), "system_info": system_info, "sets": {}}
    args.work.mkdir(parents=True, exist_ok=True)
    if "piano" in sets and not any((args.piano_corpus / "test").glob("*.mid")):
        render = [sys.executable, "-m", "services.trainer.corpus", "--piano", "--out", str(args.piano_corpus),
                  "--splits", "test", "--hours", "4"]
        print(f"{args.piano_corpus} is missing: rendering its test split ({shlex.join(render)})", flush=True)
        subprocess.run(render, cwd=REPO, check=True)
    for name in sets:
        items = (synthetic_items(args.corpus) if name == "synthetic"
                 else synthetic_items(args.piano_corpus, piano=True) if name == "piano"
                 else real_items(args.real_dev, mixes=name == "real-mix"))[: args.limit]
        if not items:
            sys.exit(f"error: set {name} has no files")
        report["sets"][name] = benchmark_set(name, items, systems, args.model, args.work)
    if args.memory:
        report["memory"] = memory_test(args.real_dev, args.memory_minutes, systems, args.model, args.work)

    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "transcription.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.results / "transcription.md").write_text(markdown(report))
    print(f"wrote {args.results / 'transcription.json'} and {args.results / 'transcription.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
