"""`tunescribe transcribe AUDIO... --out-dir DIR` and `tunescribe evaluate --ref DIR --est DIR`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _transcribe(args) -> int:
    from tunescribe.audio import AudioError, load_audio
    from tunescribe.midi import write_midi
    from tunescribe.model import ModelError, load_model
    from tunescribe.transcribe import transcribe_audio

    try:
        model = load_model(args.model)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in args.audio:
        t0 = time.perf_counter()
        try:
            audio = load_audio(path, max_duration_s=args.max_minutes * 60)
        except AudioError as e:
            print(f"error: {e}", file=sys.stderr)
            failed += 1
            continue
        notes = transcribe_audio(audio, model)
        out = args.out_dir / f"{Path(path).stem}.mid"
        write_midi(notes, out)
        if args.musicxml:
            from tunescribe.notation.export import write_sheet_music

            write_sheet_music(notes, audio, args.out_dir, Path(path).stem)
        print(f"{out}: {len(notes)} notes in {time.perf_counter() - t0:.1f} s")
    return 1 if failed else 0


def _evaluate(args) -> int:
    from tunescribe.evaluate import evaluate_dirs, mean_scores

    results = evaluate_dirs(args.ref, args.est)
    if not results:
        print("error: no estimate has a reference of the same name", file=sys.stderr)
        return 2
    header = f"{'file':40s} {'note P':>7s} {'note R':>7s} {'note F1':>8s} {'+offset':>8s} {'frame F1':>9s}"
    print(header)
    for name, s in [*results.items(), ("mean", mean_scores(list(results.values())))]:
        print(f"{name[:40]:40s} {s.note_p:7.3f} {s.note_r:7.3f} {s.note_f1:8.3f} {s.note_offset_f1:8.3f} {s.frame_f1:9.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="tunescribe", description="Transcribe recordings to MIDI, and measure transcriptions.")
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("transcribe", help="audio files -> MIDI files")
    t.add_argument("audio", nargs="+", type=Path)
    t.add_argument("--out-dir", type=Path, required=True)
    t.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    t.add_argument("--max-minutes", type=float, default=20.0, help="refuse longer recordings")
    t.add_argument("--musicxml", action="store_true",
                   help="also write sheet music: <stem>.musicxml, <stem>.score.mid and <stem>.timemap.json")
    t.set_defaults(run=_transcribe)
    e = sub.add_parser("evaluate", help="mir_eval note and frame F1 of --est MIDI files against --ref")
    e.add_argument("--ref", type=Path, required=True)
    e.add_argument("--est", type=Path, required=True)
    e.set_defaults(run=_evaluate)
    args = ap.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
