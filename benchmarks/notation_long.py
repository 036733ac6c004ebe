"""How long the notation stage takes on long pieces, and its memory: notes in seconds -> score,
MusicXML and its schema check, for 2, 10 and 20 minutes of dense piano music (known_scores.py's
long_piece: 4 melody notes and 2 bass notes a second), each in a fresh process so that its peak
memory is its own.

    .venv/bin/python benchmarks/notation_long.py

Writes benchmarks/results/notation-long.json and .md.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))  # run as a script: its sibling modules
MINUTES = (2, 10, 20)


def one(minutes: float) -> dict:
    """Time each step on `minutes` of music, in this process."""
    from known_scores import long_piece
    from tunescribe.notation import build_score, write_musicxml
    from tunescribe.notation.validate import schema_errors

    notes = long_piece(minutes)
    t0 = time.perf_counter()
    result = build_score(notes)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_musicxml(result, Path(tmp) / "long.musicxml")
        t2 = time.perf_counter()
        errors = schema_errors(path)
        t3 = time.perf_counter()
        size_kb = path.stat().st_size / 1024
    return {"minutes": minutes, "notes": len(notes), "measures": result.n_measures, "meter": result.meter,
            "score_s": round(t1 - t0, 2), "musicxml_s": round(t2 - t1, 2), "schema_check_s": round(t3 - t2, 2),
            "musicxml_kb": round(size_kb), "schema_errors": len(errors),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one(float(sys.argv[2]))))
        return
    from transcription import machine

    info = machine()
    rows = [json.loads(subprocess.run([sys.executable, __file__, "--one", str(m)], check=True, capture_output=True,
                                      text=True).stdout.splitlines()[-1]) for m in MINUTES]
    out = REPO / "benchmarks" / "results"
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": info, "runs": rows,
              "command": ".venv/bin/python benchmarks/notation_long.py"}
    (out / "notation-long.json").write_text(json.dumps(report, indent=1) + "\n")
    lines = ["# Notation stage on long pieces", "",
             f"`{report['command']}` on {report['date']} ({info['cores']} cores, {info['cpu']}, load "
             f"{info['load_avg_1min_at_start']:.1f} at start); notes in seconds -> score -> MusicXML -> "
             "MusicXML 4.0 schema check, each length in a fresh process.", "",
             "| minutes | notes | measures | meter | score | MusicXML | schema check | file | schema errors "
             "| peak memory |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['minutes']:g} | {r['notes']} | {r['measures']} | {r['meter']} | {r['score_s']} s "
              f"| {r['musicxml_s']} s | {r['schema_check_s']} s | {r['musicxml_kb']} KB | {r['schema_errors']} "
              f"| {r['peak_rss_mb']} MB |" for r in rows]
    (out / "notation-long.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
