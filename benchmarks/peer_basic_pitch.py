"""Spotify's Basic Pitch (0.4.0, ICASSP 2022 model, ONNX) over audio files, default thresholds.

Run inside benchmarks/.venv-basic-pitch (made by setup_peer.sh), not the project venv:

    benchmarks/.venv-basic-pitch/bin/python benchmarks/peer_basic_pitch.py --out-dir DIR AUDIO...

Writes DIR/<stem>.mid per input. The model is loaded once; nothing is tuned.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

logging.getLogger().setLevel(logging.ERROR)  # its import warns about the backends that are absent (TF, CoreML)
from basic_pitch import ICASSP_2022_MODEL_PATH  # noqa: E402
from basic_pitch.inference import Model, predict  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Transcribe every AUDIO to --out-dir; exit 1 if any file failed."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("audio", nargs="+", type=Path)
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    model_path = Path(ICASSP_2022_MODEL_PATH)
    if model_path.suffix != ".onnx":
        print(f"error: expected the ONNX model, Basic Pitch chose {model_path}", file=sys.stderr)
        return 2
    model = Model(model_path)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in args.audio:
        t0 = time.perf_counter()
        try:
            _, midi, notes = predict(path, model)  # default thresholds
        except Exception as e:  # a bad file must not stop the run
            print(f"error: {path.name}: {e}", file=sys.stderr)
            failed += 1
            continue
        out = args.out_dir / f"{path.stem}.mid"
        midi.write(str(out))
        print(f"{out}: {len(notes)} notes in {time.perf_counter() - t0:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
