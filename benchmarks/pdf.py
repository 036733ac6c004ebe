"""How long the PDF of a 3-minute piano score takes: Joplin's Maple Leaf Rag (known_scores.py's
maple_leaf_rag, 2834 notes) as the notation stage writes it, then engraved by
tunescribe.notation.engrave.write_pdf, the call the worker makes; three runs, the median kept.
Target: under 5 s. Beside it, what a download with ?transpose=Bb costs the API (made on request):
the transposed MusicXML, and the transposed PDF.

    .venv/bin/python benchmarks/pdf.py

Writes benchmarks/results/pdf.json and .md.
"""

from __future__ import annotations

import json
import resource
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


def timed(make) -> tuple[dict, list[float]]:
    """({wall, cpu} medians, each run's wall) in seconds of RUNS calls of `make`. The CPU time (this
    process and MuseScore's) is what the call costs on an idle core, whatever else shares the machine."""
    walls, cpus = [], []
    for _ in range(RUNS):
        t0, c0 = time.perf_counter(), _cpu_s()
        make()
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu_s() - c0)
    return ({"wall": round(statistics.median(walls), 2), "cpu": round(statistics.median(cpus), 2)},
            [round(t, 2) for t in walls])


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    from known_scores import maple_leaf_rag
    from transcription import machine
    from tunescribe.notation.engrave import write_pdf
    from tunescribe.notation import build_score, write_musicxml
    from tunescribe.notation.transpose import parse_transposition, write_transposed
    from tunescribe.outputs import Output

    info = machine()
    notes = maple_leaf_rag()
    score = build_score(notes)
    with tempfile.TemporaryDirectory() as tmp:
        xml = write_musicxml(score, Path(tmp) / "maple.musicxml", "Maple Leaf Rag")
        pdf = Path(tmp) / "maple.pdf"
        median, times = timed(lambda: write_pdf(xml, pdf))
        b_flat = parse_transposition("Bb")
        transposed = {kind.name.lower(): timed(lambda k=kind: write_transposed(k, xml, Path(tmp) / f"bb{k}", b_flat))[0]
                      for kind in (Output.MUSICXML, Output.PDF)}
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        info_lines = dict(line.split(":", 1) for line in pages.splitlines())
        row = {"notes": len(notes), "measures": score.n_measures, "meter": score.meter,
               "musicxml_kb": round(xml.stat().st_size / 1024), "pdf_kb": round(pdf.stat().st_size / 1024),
               "pages": int(info_lines["Pages"]), "page_size": info_lines["Page size"].strip(),
               "runs_s": times, "median_s": median["wall"], "cpu_median_s": median["cpu"],
               "transposed_bb_median_s": transposed}
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": info, "run": row,
              "target_s": TARGET_S, "command": ".venv/bin/python benchmarks/pdf.py"}
    out = REPO / "benchmarks" / "results"
    (out / "pdf.json").write_text(json.dumps(report, indent=1) + "\n")
    met = "met" if row["median_s"] < TARGET_S else "missed"
    met_cpu = "met" if row["cpu_median_s"] < TARGET_S else "missed"
    lines = ["# PDF of a 3-minute piano score", "",
             f"`{report['command']}` on {report['date']} ({info['cores']} cores, {info['cpu']}, load "
             f"{info['load_avg_1min_at_start']:.1f} at start): Maple Leaf Rag, 3 minutes ({row['notes']} notes, "
             f"{row['measures']} measures of {row['meter']}, {row['musicxml_kb']} KB of MusicXML) engraved by "
             f"MuseScore 3 through `tunescribe.notation.engrave.write_pdf`, {RUNS} runs.", "",
             "| pages | page size | PDF | runs (wall) | median wall | median CPU | target |",
             "|---|---|---|---|---|---|---|",
             f"| {row['pages']} | {row['page_size']} | {row['pdf_kb']} KB "
             f"| {', '.join(f'{t} s' for t in row['runs_s'])} | **{row['median_s']} s** ({met}) "
             f"| **{row['cpu_median_s']} s** ({met_cpu}) | < {TARGET_S:g} s |", "",
             "CPU: MuseScore's and this process's, what the call costs on an idle core. A download written for "
             f"B♭ instruments (`?transpose=Bb`, made by the API on request), median of {RUNS}: the MusicXML "
             f"{transposed['musicxml']['wall']} s ({transposed['musicxml']['cpu']} s CPU), the PDF "
             f"{transposed['pdf']['wall']} s ({transposed['pdf']['cpu']} s CPU)."]
    (out / "pdf.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
