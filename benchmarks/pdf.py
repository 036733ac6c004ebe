"""How long the PDF of a 3-minute piano score takes: Joplin's Maple Leaf Rag (known_scores.py's
maple_leaf_rag, 2834 notes) as the notation stage writes it, then engraved by
tunescribe.notation.engrave.write_pdf, the call the worker makes; three runs, the median kept.
Target: under 5 s.

    .venv/bin/python benchmarks/pdf.py

Writes benchmarks/results/pdf.json and .md.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))  # run as a script: its sibling modules
RUNS, TARGET_S = 3, 5.0


def main() -> None:
    from known_scores import maple_leaf_rag
    from transcription import machine
    from tunescribe.notation.engrave import write_pdf
    from tunescribe.notation.score import build_score, write_musicxml

    info = machine()
    notes = maple_leaf_rag()
    score = build_score(notes)
    with tempfile.TemporaryDirectory() as tmp:
        xml = write_musicxml(score, Path(tmp) / "maple.musicxml", "Maple Leaf Rag")
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            pdf = write_pdf(xml, Path(tmp) / "maple.pdf")
            times.append(time.perf_counter() - t0)
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        info_lines = dict(line.split(":", 1) for line in pages.splitlines())
        row = {"notes": len(notes), "measures": score.n_measures, "meter": score.meter,
               "musicxml_kb": round(xml.stat().st_size / 1024), "pdf_kb": round(pdf.stat().st_size / 1024),
               "pages": int(info_lines["Pages"]), "page_size": info_lines["Page size"].strip(),
               "runs_s": [round(t, 2) for t in times], "median_s": round(statistics.median(times), 2)}
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": info, "run": row,
              "target_s": TARGET_S, "command": ".venv/bin/python benchmarks/pdf.py"}
    out = REPO / "benchmarks" / "results"
    (out / "pdf.json").write_text(json.dumps(report, indent=1) + "\n")
    met = "met" if row["median_s"] < TARGET_S else "missed"
    lines = ["# PDF of a 3-minute piano score", "",
             f"`{report['command']}` on {report['date']} ({info['cores']} cores, {info['cpu']}, load "
             f"{info['load_avg_1min_at_start']:.1f} at start): Maple Leaf Rag, 3 minutes ({row['notes']} notes, "
             f"{row['measures']} measures of {row['meter']}, {row['musicxml_kb']} KB of MusicXML) engraved by "
             f"MuseScore 3 through `tunescribe.notation.engrave.write_pdf`, {RUNS} runs.", "",
             "| pages | page size | PDF | runs | median | target |", "|---|---|---|---|---|---|",
             f"| {row['pages']} | {row['page_size']} | {row['pdf_kb']} KB | {', '.join(f'{t} s' for t in row['runs_s'])} "
             f"| **{row['median_s']} s** | < {TARGET_S:g} s: {met} |"]
    (out / "pdf.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
