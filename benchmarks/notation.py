"""Sheet music from audio: TuneScribe beside what a Basic Pitch user gets (its MIDI opened as a
score with music21's default MIDI import: 120 BPM, 4/4, no key signature unless the MIDI has one).

Run with the project venv (the peer's venv comes from benchmarks/setup_peer.sh; the test split from
`python -m services.trainer.corpus --splits test`):

    .venv/bin/python benchmarks/notation.py [--systems ours,peer] [--limit N]
    .venv/bin/python benchmarks/notation.py --split validation --corpus data/corpus-val --no-peer  # to develop on
    .venv/bin/python benchmarks/notation.py --split real  # the real recordings (Bach10), beside the peer

On every rendition of the corpus test split (music21 works performed with rubato, rendered through
the evaluation-only MuseScore General soundfont), whose true score is known from the work and the
rendition's `<id>.score.json` (transposition, rubato clock, each reference note's place in the
score), each system writes MusicXML, which is re-read with music21 and scored:

- time signature: the one written first equals the work's (the one in force over most of the
  rendered excerpt); also counted "up to the beat's note value" (same beats per bar and same
  division of the beat: 2/2 = 2/4, 4/2 = 4/4, 12/8 != 6/8);
- key signature: the same number of sharps or flats as the work's, transposed as rendered
  (enharmonic signatures are equal: 6 sharps = 6 flats); none written counts as none (C / Am);
- beats: mir_eval.beat F-measure (70 ms window, first 5 s trimmed) of the system's beats against
  the true beats (the notated beat of the true meter: a quarter in 4/4, a half in 2/2, a dotted
  quarter in 6/8), each at the median onset of the reference notes struck on it (as labelled, so
  where it sounds), else on the rendition's rubato clock; also AMLt (any metrical level) and the
  downbeat F-measure (the first beat of every bar, same window);
- rhythm: reference notes are matched to the system's notes (mir_eval: same pitch, onsets within
  50 ms); each matched note's written note (same pitch, nearest place in the score) must have the
  true position in the bar and the true duration, in quarter notes, ties merged;
- rests: how often a staff of the written score falls silent between its first note and its
  last (a silence counted once however many rest symbols write it), per bar of the true score,
  against how often a part of the true score does (both the mean over staves or parts);
- tuplets: the share of written notes in a tuplet, and in a tuplet other than a triplet (as
  written, ties not merged), beside the true score's share of notes whose value needs one;
- every MusicXML file valid against the MusicXML 4.0 schema and re-readable by music21.

The metrics are tunescribe.evaluate_notation's (notation_metrics, mean_notation_metrics).

`--split real` scores the real recordings of ../shared/data/real-dev (Bach10's four chorales, the
mixes and each instrument alone) the same way, their true score being the music21 work aligned
to the recordings' hand-checked notes (`real_truths`).

Nothing here is tuned; the test split and the real recordings are evaluation data. Writes
benchmarks/results/notation.json and notation.md (notation-real.*, notation-validation.*).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import time
import warnings
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its sibling modules
from transcription import PEERS, REPO, machine, model_description  # noqa: E402

from services.trainer.truth import Truth, load_truth, truth_of  # noqa: E402
from tunescribe.evaluate_notation import mean_notation_metrics, notation_metrics, read_written  # noqa: E402
from tunescribe.notation.meter import METERS  # noqa: E402 - the time signatures TuneScribe writes
from tunescribe.notation.weights import default_path  # noqa: E402
from tunescribe.notes import Note  # noqa: E402

TARGETS = {"time_signature": 0.85, "key_signature": 0.85, "beat_f": 0.85, "position": 0.80}
SYSTEM_TITLES = {"ours": "TuneScribe", "peer": "Basic Pitch 0.4.0 + music21 MIDI import"}
PEER_PYTHON, PEER_SCRIPT, _ = PEERS["peer"]

# ---------------------------------------------------------------- the real recordings

# Bach10's chorales and the music21 works they perform; each instrument plays one voice of it
BACH10_WORKS = {"01": "bach/bwv255", "02": "bach/bwv256", "03": "bach/bwv274", "04": "bach/bwv275"}
BACH10_VOICES = ("violin", "clarinet", "saxophone", "bassoon")  # soprano, alto, tenor, bass


def real_truths(real_dir: Path) -> list[Truth]:
    """The true scores of the real recordings: every Bach10 mix and every instrument alone. Each
    instrument's hand-checked notes are aligned by pitch to its voice of the work (repeats written
    out, ties merged); the aligned notes are the reference, and the onsets of all four voices give
    the clock (quarters -> seconds) for the beats no note of the recording is struck on."""
    import music21 as m21

    from services.trainer.works import score_bars
    from tunescribe.midi import read_midi_notes

    truths = []
    for clip in json.loads((real_dir / "clips.json").read_text())["clips"]:
        if clip["kind"] != "mix":
            continue
        work = BACH10_WORKS[clip["id"].split("-")[1]]
        score = m21.corpus.parse(work).expandRepeats().stripTies()
        voices = []
        for k, (instrument, part) in enumerate(zip(BACH10_VOICES, score.parts)):
            played = sorted(read_midi_notes(real_dir / f"{clip['id']}-{instrument}.mid"), key=lambda n: n.start_s)
            written = [(float(n.offset), float(n.quarterLength), n.pitch.midi) for n in part.flatten().notes]
            pairs = align_pitches([n.pitch for n in played], [x[2] for x in written])
            voices.append([(played[i], [written[j][0], written[j][1], k]) for i, j in pairs])
        clock = onset_clock([x for v in voices for x in v])
        bars = score_bars(score)
        for rid, kind, aligned in [(clip["id"], "mix", [x for v in voices for x in v])] + [
                (f"{clip['id']}-{instrument}", "instrument", v) for instrument, v in zip(BACH10_VOICES, voices)]:
            meta = {"work": work, "transpose": 0, "notes": [place for _, place in aligned]}
            truths.append(truth_of(rid, kind, meta, [n for n, _ in aligned], bars=bars, clock=clock))
    return truths


def align_pitches(played: list[int], written: list[int]) -> list[tuple[int, int]]:
    """The pairs (i, j) with played[i] == written[j] of a least-edits alignment of two pitch
    sequences (a note played but not written, or written but not played, costs one edit)."""
    n, m = len(played), len(written)
    cost = np.add.outer(np.arange(n + 1), np.zeros(m + 1)) + np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            same = played[i - 1] == written[j - 1]
            cost[i, j] = min(cost[i - 1, j] + 1, cost[i, j - 1] + 1, cost[i - 1, j - 1] + (0 if same else 2))
    pairs, i, j = [], n, m
    while i and j:
        if played[i - 1] == written[j - 1] and cost[i, j] == cost[i - 1, j - 1]:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def onset_clock(aligned: list[tuple[Note, list]]):
    """Quarters in the score -> seconds in the recording: the median onset of the notes played at
    each written onset, linear between them."""
    at: dict[float, list[float]] = {}
    for note, (onset, _, _) in aligned:
        at.setdefault(onset, []).append(note.start_s)
    xs = np.array(sorted(at))
    ts = np.maximum.accumulate([float(np.median(at[x])) for x in xs])
    return lambda quarters: float(np.interp(quarters, xs, ts))


# ---------------------------------------------------------------- the systems


def run_ours(truths: list[Truth], corpus_dir: Path, out_dir: Path, model_dir: Path | None) -> tuple[dict, dict]:
    """TuneScribe in this process, the models loaded once (without `model_dir`, Auto's, as the CLI
    loads them): tunescribe.pipeline.transcribe_file with sheet music (MIDI, MusicXML, score MIDI,
    time map). Per-piece rows, and seconds per stage (scoring not included)."""
    from tunescribe.auto import load_models
    from tunescribe.outputs import Output, Stage
    from tunescribe.pipeline import transcribe_file

    t_start = time.perf_counter()
    model = load_models(directory=model_dir)
    stages = {"model loading": time.perf_counter() - t_start, "transcription": 0.0, "notation": 0.0}
    rows = {}
    for k, t in enumerate(truths, 1):
        out = transcribe_file(corpus_dir / f"{t.id}.flac", out_dir, t.id, model=model)
        transcribe_s = out.timings[Stage.DECODING] + out.timings[Stage.TRANSCRIBING]
        notation_s = out.timings[Stage.NOTATION]
        stages["transcription"] += transcribe_s
        stages["notation"] += notation_s
        beats, down = out.score.beats()
        heard = (beats >= 0) & (beats <= out.duration_s)
        row = notation_metrics(t, out.notes, beats[heard], beats[down & heard],
                               lambda s, r=out.score: float(r.quarters(s)), out.files[Output.MUSICXML])
        rows[t.id] = {"transcribe_s": transcribe_s, "notation_s": notation_s, **row}
        print(f"  ours {k}/{len(truths)} {t.id} {t.meter}->{row.get('meter')} key {t.fifths}->{row.get('fifths')} "
              f"beatF {row.get('beat_f', 0):.2f} pos {row.get('position_right', 0)}/{row.get('matched', 0)} "
              f"({transcribe_s:.1f} + {notation_s:.1f} s)", flush=True)
    return rows, stages


def run_peer(truths: list[Truth], corpus_dir: Path, out_dir: Path, log: Path) -> tuple[dict, dict]:
    """Basic Pitch (one process over all files), then each MIDI opened with music21's default MIDI
    import and written as MusicXML: what a user who opens Basic Pitch's MIDI as a score sees."""
    import music21 as m21

    from tunescribe.midi import read_midi_notes

    t_start = time.perf_counter()
    with log.open("w") as f:
        rc = subprocess.run([str(PEER_PYTHON), str(PEER_SCRIPT), "--out-dir", str(out_dir),
                             *(str(corpus_dir / f"{t.id}.flac") for t in truths)],
                            stdout=f, stderr=subprocess.STDOUT).returncode
    stages = {"Basic Pitch process": time.perf_counter() - t_start, "music21 MIDI import and MusicXML export": 0.0}
    rows = {}
    for k, t in enumerate(truths, 1):
        mid = out_dir / f"{t.id}.mid"
        if not mid.is_file():
            rows[t.id] = {"readable": False, "schema_errors": ["no MIDI written"], "error": f"basic-pitch exit {rc}"}
            continue
        t0 = time.perf_counter()
        xml = out_dir / f"{t.id}.musicxml"
        m21.converter.parse(str(mid)).write("musicxml", fp=str(xml))
        convert_s = time.perf_counter() - t0
        stages["music21 MIDI import and MusicXML export"] += convert_s
        tempo = next((msg.tempo for msg in mido.MidiFile(str(mid)) if msg.type == "set_tempo"), 500_000)
        spq = tempo / 1e6  # seconds per quarter note
        w_beat, w_bar = 1.0, 4
        try:
            written = read_written(xml)
            w_beat, w_bar = written.beat_quarters, written.meter_shape[0]
        except Exception:  # noqa: BLE001 - scored as unreadable below
            pass
        end_s = sf.info(str(corpus_dir / f"{t.id}.flac")).duration
        beats = np.arange(0.0, end_s + 1e-9, w_beat * spq)
        row = notation_metrics(t, read_midi_notes(mid), beats, beats[::w_bar], lambda s, spq=spq: s / spq, xml)
        rows[t.id] = {"convert_s": convert_s, **row}
        print(f"  peer {k}/{len(truths)} {t.id} {t.meter}->{row.get('meter')} key {t.fifths}->{row.get('fifths')} "
              f"beatF {row.get('beat_f', 0):.2f} pos {row.get('position_right', 0)}/{row.get('matched', 0)}", flush=True)
    return rows, stages


# ---------------------------------------------------------------- report


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _kind_cell(b: dict) -> str:
    return (f"{_pct(b['time_signature'])}, {_pct(b['key_signature'])}, {b['beat_f']:.3f}, {b['downbeat_f']:.3f}, "
            f"{_pct(b['position'])}, {_pct(b['position_in_beat'])}")


def pieces_line(report: dict) -> str:
    if report.get("split") == "real":
        kinds = Counter(t["kind"] for t in report["truth"].values())
        return (f"- pieces: {report['pieces']} real recordings, Bach10 ({kinds['mix']} four-instrument mixes and "
                f"{kinds['instrument']} of their instruments alone; {report['audio_s'] / 60:.1f} min of audio), the "
                "true score aligned to their hand-checked notes; the recordings were never trained on, but "
                "the four chorales are training works (their scores, rendered, trained both models)")
    return (f"- pieces: {report['pieces']} renditions of the corpus {report.get('split', 'test')} split "
            f"({report['audio_s'] / 60:.0f} min of audio; music21 works performed with rubato, transposed, "
            "rendered through MuseScore General, never used in training)")


def markdown(report: dict) -> str:
    systems = report["systems"]
    names = [SYSTEM_TITLES[k] for k in systems]
    s = {k: v["summary"] for k, v in systems.items()}
    m = report["machine"]
    lines = [
        "# Notation benchmark: sheet music from audio, TuneScribe vs Basic Pitch + music21", "",
        f"- command: `{report['command']}`",
        f"- date: {report['date']}; run time {report['run_s'] / 60:.1f} min",
        f"- machine: {m['cores']} cores ({m['cpu']}), load average {m['load_avg_1min_at_start']:.1f} at start",
        pieces_line(report),
        *(f"- {SYSTEM_TITLES[k]}: " + "; ".join(f"{a}: {b}" for a, b in v.items()) for k, v in report["system_info"].items()),
        "- how each number is measured: see the docstring of `benchmarks/notation.py`. "
        + ("The notation stage's parameters were chosen on this split." if report.get("split") == "validation"
           else "Nothing was tuned on these pieces."),
        "",
        "| metric | target | " + " | ".join(names) + " | TuneScribe against the target |",
        "|---|---|" + "---|" * len(names) + "---|",
    ]

    def target_cell(key, fmt):
        if "ours" not in s:
            return "—"
        got, want = s["ours"][key], TARGETS[key]
        return "met" if got >= want else f"missed by {fmt(want - got)}"

    rows = [("time signature right (pieces)", "time_signature", _pct, lambda d: f"{100 * d:.1f} points"),
            ("key signature right (pieces)", "key_signature", _pct, lambda d: f"{100 * d:.1f} points"),
            ("beat F-measure (mean over pieces)", "beat_f", lambda x: f"{x:.3f}", lambda d: f"{d:.3f}"),
            ("position in bar right (matched notes)", "position", _pct, lambda d: f"{100 * d:.1f} points")]
    for title, key, fmt, dfmt in rows:
        want = f"≥ {fmt(TARGETS[key])}"
        lines.append(f"| {title} | {want} | " + " | ".join(fmt(s[k][key]) for k in systems) + f" | {target_cell(key, dfmt)} |")
    valid = " | ".join(f"{s[k]['schema_valid']}/{s[k]['pieces']} valid, {s[k]['readable']}/{s[k]['pieces']} re-read"
                       for k in systems)
    all_ok = "ours" in s and s["ours"]["schema_valid"] == s["ours"]["readable"] == s["ours"]["pieces"]
    lines.append(f"| MusicXML 4.0 schema / music21 re-read | all | {valid} | {'met' if 'ours' in s and all_ok else 'missed'} |")
    kinds = sorted(next(iter(systems.values())).get("by_kind", {}))
    if len(kinds) > 1:
        lines += ["", "By kind of piece (time signature, key signature, beat F, downbeat F, position in bar, in beat):", "",
                  "| kind | pieces | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
        for kind in kinds:
            cells = [_kind_cell(systems[k]["by_kind"][kind]) for k in systems]
            lines.append(f"| {kind} | {systems[next(iter(systems))]['by_kind'][kind]['pieces']} | " + " | ".join(cells) + " |")
    lines += ["", "Other views of the same runs:", "",
              "| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    extra = [("time signature right up to the beat's note value (2/2 = 2/4, 4/2 = 4/4)", "time_signature_equivalent", _pct),
             ("beats at any metrical level (AMLt, mean)", "beat_amlt", lambda x: f"{x:.3f}"),
             ("downbeat F-measure (the bars' first beats, mean)", "downbeat_f", lambda x: f"{x:.3f}"),
             ("position within the beat right, whatever the bar (matched notes)", "position_in_beat", _pct),
             ("duration right (matched notes)", "duration", _pct),
             ("position and duration right (matched notes)", "position_and_duration", _pct),
             ("rests per bar: a staff's silences per bar of the true score (issue 28: within 20 % of the true score's)",
              "rests_per_bar", lambda x: f"{x:.3f}"),
             ("the true score's rests per bar (a part's)", "true_rests_per_bar", lambda x: f"{x:.3f}"),
             ("written notes in tuplets", "in_tuplets", lambda x: f"{100 * x:.2f} %"),
             ("written notes in tuplets other than triplets (issue 28: ≤ 0.2 %)", "in_other_tuplets",
              lambda x: f"{100 * x:.2f} %"),
             ("the true score's notes in tuplets", "true_in_tuplets", lambda x: f"{100 * x:.2f} %"),
             ("note F1, onsets within 50 ms (mean)", "note_f1", lambda x: f"{x:.3f}"),
             ("matched notes", "matched_notes", str)]
    for title, key, fmt in extra:
        lines.append(f"| {title} | " + " | ".join(fmt(s[k][key]) for k in systems) + " |")
    times = "; ".join(f"{SYSTEM_TITLES[k]} {sum(v['stage_s'].values()):.0f} s ("
                      + ", ".join(f"{a} {b:.0f} s" for a, b in v["stage_s"].items()) + ")" for k, v in systems.items())
    lines += ["", f"Time for the whole split, scoring not included: {times}."]
    if "ours" in systems:
        stage = [r["notation_s"] for r in systems["ours"]["pieces"].values() if "notation_s" in r]
        lines[-1] += (f" TuneScribe's notation stage (beats to MusicXML, score MIDI and time map): {np.mean(stage):.2f} s "
                      f"per piece on average, {max(stage):.1f} s at most.")
    lines.append("")
    # per true meter
    by_meter: dict[str, list[str]] = {}
    for tid, tr in report["truth"].items():
        by_meter.setdefault(tr["meter"], []).append(tid)
    lines += [f"Time signature by the work's meter (TuneScribe writes {', '.join(METERS)} only):", "",
              "| true meter | pieces | " + " | ".join(f"{n}: right" for n in names) + " | TuneScribe wrote |",
              "|---|---|" + "---|" * len(names) + "---|"]
    for meter, ids in sorted(by_meter.items(), key=lambda kv: -len(kv[1])):
        cells = [str(sum(bool(systems[k]["pieces"][i].get("meter_right")) for i in ids)) for k in systems]
        wrote = Counter(systems["ours"]["pieces"][i].get("meter", "—") for i in ids) if "ours" in systems else {}
        lines.append(f"| {meter} | {len(ids)} | " + " | ".join(cells) + " | "
                     + ", ".join(f"{a} ×{b}" for a, b in wrote.most_common()) + " |")
    in_vocab = [i for i, tr in report["truth"].items() if tr["meter"] in METERS]
    if "ours" in systems and in_vocab:
        right = sum(bool(systems["ours"]["pieces"][i].get("meter_right")) for i in in_vocab)
        lines += ["", f"On the {len(in_vocab)} pieces whose meter TuneScribe can write, its time signature is right on "
                  f"{right} ({_pct(right / len(in_vocab))})."]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--systems", default="ours,peer", help="comma-separated: ours, peer")
    ap.add_argument("--no-peer", action="store_true", help="TuneScribe only (no Basic Pitch run): for development")
    ap.add_argument("--limit", type=int, default=None, help="the first N renditions only (a quick run)")
    ap.add_argument("--model", type=Path, default=None, help="TuneScribe model directory (default: the shipped one)")
    ap.add_argument("--corpus", type=Path, default=REPO / "data" / "corpus")
    ap.add_argument("--split", default="test", choices=("test", "validation", "real"),
                    help="validation: the split to develop on (results are written to notation-validation.*); "
                         "real: the real recordings in --real-dev (notation-real.*)")
    ap.add_argument("--real-dev", type=Path, default=REPO.parent / "shared" / "data" / "real-dev")
    ap.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work" / "notation")
    ap.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")  # music21's import and export warnings are not results

    systems = [x for x in args.systems.split(",") if x and not (args.no_peer and x == "peer")]
    if unknown := [x for x in systems if x not in SYSTEM_TITLES]:
        ap.error(f"unknown system: {', '.join(unknown)}")
    split_dir = args.real_dev if args.split == "real" else args.corpus / args.split
    manifest = args.corpus / "manifest.json"
    if args.split == "real":
        listed = [{"id": c["id"]} for c in json.loads((split_dir / "clips.json").read_text())["clips"]]
    elif manifest.is_file():
        listed = [r for r in json.loads(manifest.read_text()) if r.get("split") == args.split and "id" in r]
    else:  # a split still being rendered: the renditions finished so far
        listed = [{"id": p.name.split(".")[0], "kind": "?"} for p in split_dir.glob("*.score.json")]
    rows = sorted((r for r in listed if args.split == "real" or (split_dir / f"{r['id']}.score.json").is_file()),
                  key=lambda r: r["id"])[: args.limit]
    if not rows:
        sys.exit(f"error: no {args.split} rendition with a .score.json in {split_dir}: "
                 f"python -m services.trainer.corpus --out {args.corpus} --splits {args.split}")
    if "peer" in systems and not PEER_PYTHON.is_file():
        sys.exit(f"error: {PEER_PYTHON} is missing: run benchmarks/setup_peer.sh")

    t_start = time.perf_counter()
    exe = Path(sys.executable)
    command = shlex.join([str(exe.relative_to(REPO)) if exe.is_relative_to(REPO) else str(exe), *sys.argv])
    report = {"command": command, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine()}
    print(f"reading the true scores of {len(rows)} renditions", flush=True)
    if args.split == "real":
        by_id = {t.id: t for t in real_truths(split_dir)}
        truths = [by_id[r["id"]] for r in rows]
    else:
        truths = [load_truth(split_dir, r) for r in rows]
    report["split"] = args.split
    report["pieces"] = len(truths)
    report["audio_s"] = sum(sf.info(str(split_dir / f"{t.id}.flac")).duration for t in truths)
    report["truth"] = {t.id: {"work": t.work, "kind": t.kind, "meter": t.meter, "meters_in_excerpt": t.meters_in_excerpt,
                              "fifths": t.fifths, "beats": len(t.beats_s), "notes": len(t.notes)} for t in truths}
    report["system_info"] = {}
    if "ours" in systems:
        report["system_info"]["ours"] = {**model_description(args.model), "notation_model": str(default_path())}
    if "peer" in systems:
        report["system_info"]["peer"] = {"package": "basic-pitch 0.4.0 (ONNX, default thresholds)",
                                         "score": "music21.converter.parse(MIDI) -> .write('musicxml'), defaults"}
    report["systems"] = {}
    for system in systems:
        out_dir = args.work / system
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        print(f"{system}: {len(truths)} pieces", flush=True)
        per_piece, stages = (run_ours(truths, split_dir, out_dir, args.model) if system == "ours"
                             else run_peer(truths, split_dir, out_dir, args.work / "peer.log"))
        report["systems"][system] = {"stage_s": stages, "summary": mean_notation_metrics(per_piece), "pieces": per_piece,
                                     "by_kind": {kind: mean_notation_metrics({t.id: per_piece[t.id] for t in truths if t.kind == kind})
                                                 for kind in sorted({t.kind for t in truths})}}
        print(f"  {json.dumps(report['systems'][system]['summary'])}", flush=True)
    report["run_s"] = time.perf_counter() - t_start
    args.results.mkdir(parents=True, exist_ok=True)
    stem = "notation" if args.split == "test" else f"notation-{args.split}"
    (args.results / f"{stem}.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    (args.results / f"{stem}.md").write_text(markdown(report))
    print(f"wrote {args.results / f'{stem}.json'} and {args.results / f'{stem}.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
