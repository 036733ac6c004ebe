"""MusicXML -> a printable PDF, engraved by MuseScore 3 headless (Debian's `musescore3`): A4 pages,
the title and "transcribed by TuneScribe" on page 1. MuseScore gave a better page in less time than
Verovio + CairoSVG on a 3-minute piano score (docs/notation.md, "Printing")."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

MUSESCORE = "mscore3"
CREDIT = "transcribed by TuneScribe"
ENGRAVE_TIMEOUT_S = 120
# A4 in MusicXML tenths at music21's scaling (7 mm = 40 tenths), margins 15 mm
_MM_PER_TENTH = 7 / 40
_PAGE_W, _PAGE_H, _MARGIN = (round(mm / _MM_PER_TENTH) for mm in (210, 297, 15))


class EngravingError(Exception):
    """The PDF could not be made; the message says why."""


def write_pdf(musicxml: str | Path, pdf: str | Path) -> Path:
    """Engrave the MusicXML file `musicxml` into `pdf` (A4), its title (work title, else movement
    title) and "transcribed by TuneScribe" heading page 1. Raises EngravingError when MuseScore is
    missing, fails or times out."""
    if shutil.which(MUSESCORE) is None:
        raise EngravingError(f"MuseScore 3 ({MUSESCORE}) is not installed; Debian's musescore3 package provides it")
    pdf = Path(pdf)
    with tempfile.TemporaryDirectory(prefix="tunescribe-engrave-") as tmp:
        page = Path(tmp) / "score.musicxml"
        _with_page_heading(Path(musicxml), page)
        # headless Qt; MuseScore keeps its runtime files in XDG_RUNTIME_DIR, which a worker may lack
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": tmp}
        out = Path(tmp) / "score.pdf"
        try:
            run = subprocess.run([MUSESCORE, "-o", str(out), str(page)], env=env, capture_output=True, text=True,
                                 timeout=ENGRAVE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise EngravingError(f"MuseScore took longer than {ENGRAVE_TIMEOUT_S} s to engrave the score") from None
        if run.returncode != 0 or not out.is_file():
            last = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
            raise EngravingError(f"MuseScore could not engrave the score ({last[0]})")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(out, pdf)
    return pdf


def _with_page_heading(src: Path, dst: Path) -> None:
    """A copy of the score with an A4 page layout and page 1's credits (title, transcriber). Only
    the copy carries them: the downloaded MusicXML keeps its title in <work>, which every reader
    shows, without print positions that would fight the web app's layout."""
    try:
        root = ET.parse(src).getroot()
    except ET.ParseError as e:
        raise EngravingError(f"{src.name} is not a MusicXML file ({e})") from None
    if root.tag != "score-partwise":
        raise EngravingError(f"{src.name} is not a partwise MusicXML score")
    title = root.findtext("work/work-title") or root.findtext("movement-title") or "Transcription"
    defaults = root.find("defaults")
    if defaults is None:
        defaults = ET.Element("defaults")
        root.insert(_after(root, "identification"), defaults)
    for old in defaults.findall("page-layout"):
        defaults.remove(old)
    layout = ET.Element("page-layout")
    _leaf(layout, "page-height", _PAGE_H)
    _leaf(layout, "page-width", _PAGE_W)
    margins = ET.SubElement(layout, "page-margins", type="both")
    for side in ("left", "right", "top", "bottom"):
        _leaf(margins, f"{side}-margin", _MARGIN)
    defaults.insert(1 if defaults.find("scaling") is not None else 0, layout)
    for old in root.findall("credit"):
        root.remove(old)
    at = _after(root, "defaults")
    root.insert(at, _credit("title", title, _PAGE_W / 2, _PAGE_H - _MARGIN, "center", "top", 22))
    root.insert(at + 1, _credit("arranger", CREDIT, _PAGE_W - _MARGIN, _PAGE_H - _MARGIN - 90, "right", "bottom", 10))
    ET.ElementTree(root).write(dst, encoding="utf-8", xml_declaration=True)


def _credit(kind: str, words: str, x: float, y: float, justify: str, valign: str, size: int) -> ET.Element:
    credit = ET.Element("credit", page="1")
    _leaf(credit, "credit-type", kind)
    text = _leaf(credit, "credit-words", words)
    text.attrib.update({"default-x": f"{x:.0f}", "default-y": f"{y:.0f}", "justify": justify, "valign": valign,
                        "font-size": str(size)})
    return credit


def _leaf(parent: ET.Element, tag: str, value) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def _after(root: ET.Element, tag: str) -> int:
    """The index just after the last child named `tag` (or after those that precede it in the schema)."""
    order = ["work", "movement-number", "movement-title", "identification", "defaults", "credit"]
    keep = order[: order.index(tag) + 1]
    return max((i + 1 for i, child in enumerate(root) if child.tag in keep), default=0)
