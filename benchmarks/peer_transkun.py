"""Transkun V2 (transkun 2.0.1, its shipped 2.0 checkpoint) over audio files, on the CPU, as its own
`transkun` command transcribes: default segments (16 s, hop 8 s), audio resampled to 44.1 kHz.

Run inside benchmarks/.venv-transkun (made by setup_transkun.sh), not the project venv:

    benchmarks/.venv-transkun/bin/python benchmarks/peer_transkun.py --out-dir DIR AUDIO...

Writes DIR/<stem>.mid per input: the notes (end = key release, not pedal-extended) and the sustain
pedal as CC64 on/off. The model is loaded once; nothing is tuned.
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
import time
import warnings
from pathlib import Path

import moduleconf
import numpy as np
import soundfile as sf
import torch
from transkun.Data import writeMidi

# transkun's layers call torch.utils.checkpoint even at inference; torch warns about it on every
# segment (no use_reentrant, no input needing grad), which would bury the benchmark's logs
warnings.filterwarnings("ignore", message=".*use_reentrant.*")
warnings.filterwarnings("ignore", message="None of the inputs have requires_grad=True")

WEIGHTS = "2.0.pt"  # the checkpoint and its config inside the package (what `transkun` uses by default)
CONFIG = "2.0.conf"


def load_model(device: str = "cpu") -> torch.nn.Module:
    """The packaged Transkun V2 model in eval mode."""
    pretrained = importlib.resources.files("transkun") / "pretrained"
    conf = moduleconf.parseFromFile(str(pretrained / CONFIG))["Model"]
    model = conf.module.TransKun(conf=conf.config).to(device)
    checkpoint = torch.load(str(pretrained / WEIGHTS), map_location=device)
    model.load_state_dict(checkpoint.get("best_state_dict", checkpoint.get("state_dict")), strict=False)
    return model.eval()


def read_audio(path: Path, fs: int) -> np.ndarray:
    """(samples, channels) float32 in [-1, 1] at `fs` Hz; channels are kept, as the CLI keeps them."""
    audio, file_fs = sf.read(str(path), dtype="float32", always_2d=True)
    if file_fs != fs:
        import soxr

        audio = soxr.resample(audio, file_fs, fs)
    return np.ascontiguousarray(audio, dtype=np.float32)


def main(argv: list[str] | None = None) -> int:
    """Transcribe every AUDIO to --out-dir; exit 1 if any file failed."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("audio", nargs="+", type=Path)
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    torch.set_grad_enabled(False)
    model = load_model()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in args.audio:
        t0 = time.perf_counter()
        try:
            x = torch.from_numpy(read_audio(path, model.fs))
            events = model.transcribe(x, discardSecondHalf=False)  # the CLI's call, default segments
        except Exception as e:  # a bad file must not stop the run
            print(f"error: {path.name}: {e}", file=sys.stderr)
            failed += 1
            continue
        out = args.out_dir / f"{path.stem}.mid"
        writeMidi(events).write(str(out))  # pitch > 0: notes; pitch < 0: -CC number (64: sustain pedal)
        notes = sum(e.pitch > 0 for e in events)
        pedals = sum(e.pitch == -64 for e in events)
        print(f"{out}: {notes} notes, {pedals} pedal presses in {time.perf_counter() - t0:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
