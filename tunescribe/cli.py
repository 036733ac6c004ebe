"""`tunescribe transcribe AUDIO... --out-dir DIR` and `tunescribe evaluate --ref DIR --est DIR`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _transcribe(args) -> int:
    from tunescribe.audio import AudioError
    from tunescribe.auto import load_models
    from tunescribe.cards import Instrument
    from tunescribe.model import ModelError
    from tunescribe.notation.engrave import EngravingError
    from tunescribe.notation.weights import NotationModelError
    from tunescribe.pipeline import Output, transcribe_file

    try:
        model = load_models(Instrument(args.instrument), args.model)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    failed = 0
    for path in args.audio:
        t0 = time.perf_counter()
        try:
            out = transcribe_file(path, args.out_dir, Path(path).stem, model=model, sheet_music=args.musicxml,
                                  pdf=args.pdf, max_duration_s=args.max_minutes * 60)
        except (AudioError, NotationModelError, EngravingError) as e:
            print(f"error: {e}", file=sys.stderr)
            failed += 1
            continue
        print(f"{out.files[Output.MIDI]}: {len(out.notes)} notes in {time.perf_counter() - t0:.1f} s ({out.model_version})")
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
    t.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model of --instrument)")
    t.add_argument("--instrument", choices=["auto", "piano", "ensemble"], default="auto",
                   help="what the recordings are: piano uses the piano model, ensemble the ensemble model, auto "
                        "picks one per recording from the audio (default: auto)")
    t.add_argument("--max-minutes", type=float, default=20.0, help="refuse longer recordings")
    t.add_argument("--musicxml", action="store_true",
                   help="also write sheet music: <stem>.musicxml, <stem>.score.mid and <stem>.timemap.json")
    t.add_argument("--pdf", action="store_true",
                   help="also write <stem>.pdf, the score engraved on A4 by MuseScore 3 (and the --musicxml files)")
    t.set_defaults(run=_transcribe)
    e = sub.add_parser("evaluate", help="mir_eval note and frame F1 of --est MIDI files against --ref")
    e.add_argument("--ref", type=Path, required=True)
    e.add_argument("--est", type=Path, required=True)
    e.set_defaults(run=_evaluate)
    args = ap.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
