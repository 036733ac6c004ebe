"""The web app's benchmark against the real stack: the API serving the built app (frontend/dist),
one worker with the shipped model, PostgreSQL and Redis, started as benchmarks/stack.py starts
them. A 3-minute piece (Joplin's Maple Leaf Rag from music21's corpus, rendered with FluidSynth's
FluidR3 GM piano) is uploaded and transcribed, then `npm run benchmark` (frontend/scripts/benchmark.mjs)
measures the bundle and, in headless Chromium, the time from opening the finished job to its drawn score
and from saving a correction made in the piano roll to the corrected revision's score drawn (the worker
makes the revision's files in between).

    make benchmark-frontend        # or, with the app built: .venv/bin/python benchmarks/frontend.py

Needs PostgreSQL and Redis on 127.0.0.1 (`make servers`); uses Redis database
TUNESCRIBE_TEST_REDIS_DB (default 13), flushed at start, and a fresh PostgreSQL database, dropped at
the end. Writes benchmarks/results/frontend.json and .md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchmarks import stack  # noqa: E402  (the service tests' own helpers)

FRONTEND = REPO / "frontend"
REDIS_DB = int(os.environ.get("TUNESCRIBE_TEST_REDIS_DB", "13"))
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
PIECE, SECONDS, RATE = "joplin/maple_leaf_rag", 180.0, 22050


def render_piece(out: Path) -> Path:
    """The first SECONDS of PIECE as a mono 16-bit WAV at RATE Hz."""
    from music21 import corpus

    midi = out.with_suffix(".mid")
    corpus.parse(PIECE).write("midi", fp=str(midi))
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(RATE), "-F", str(raw), SOUNDFONT, str(midi)],
                   check=True, stdout=subprocess.DEVNULL)
    y, rate = sf.read(str(raw), always_2d=True)
    y = y.mean(axis=1)[: int(SECONDS * rate)]
    sf.write(str(out), y / max(1e-6, np.abs(y).max()) * 0.8, rate, subtype="PCM_16")
    return out


def main() -> None:
    import redis

    if not (FRONTEND / "dist" / "index.html").is_file():
        sys.exit("build the web app first: make frontend")
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    with tempfile.TemporaryDirectory(prefix="tunescribe-frontend-bench-") as tmp:
        root = Path(tmp)
        wav = render_piece(root / "maple-leaf-rag.wav")
        app = stack.Stack(root, f"redis://127.0.0.1:6379/{REDIS_DB}",
                          TUNESCRIBE_FRONTEND_DIR=str(FRONTEND / "dist"))
        try:
            app.add_worker("bench")
            app.wait_for_workers(1)
            user = stack.Client(app.url)
            job = user.wait(user.upload(wav, title="Maple Leaf Rag")["id"], timeout=600)
            assert job["status"] == "succeeded", job["error"]
            xml_kb = len(user.http.get(f"/api/jobs/{job['id']}/musicxml").content) / 1024
            note = (f"the real stack from this checkout (uvicorn serving frontend/dist, one Celery worker, PostgreSQL, "
                    f"Redis) on 127.0.0.1, started by benchmarks/frontend.py; the piece: {PIECE} from music21's "
                    f"corpus, its first {SECONDS:.0f} s rendered with FluidSynth (FluidR3 GM) and transcribed by "
                    f"{job['model_version']} ({job['note_count']} notes, {xml_kb:.0f} KB of MusicXML)")
            env = {**os.environ, "E2E_BASE_URL": app.url, "BENCH_EMAIL": user.email, "BENCH_PASSWORD": user.password,
                   "BENCH_JOB_ID": job["id"], "BENCH_NOTE": note,
                   "BENCH_COMMAND": "make benchmark-frontend (benchmarks/frontend.py)"}
            subprocess.run(["npm", "run", "--silent", "benchmark"], cwd=FRONTEND, env=env, check=True)
        finally:
            app.close()


if __name__ == "__main__":
    main()
