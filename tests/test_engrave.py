"""The printed score: `tunescribe transcribe --pdf` on a recording rendered here engraves A4 pages
with the title and "transcribed by TuneScribe" on page 1 (read back with poppler's pdfinfo and
pdftotext); engraving failures are EngravingErrors that say why."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks import stack
from tunescribe.notation.engrave import CREDIT, EngravingError, write_pdf


def pdf_pages(path) -> tuple[int, str]:
    """(pages, page size) as poppler's pdfinfo reads the file."""
    info = dict(line.split(":", 1) for line in subprocess.run(["pdfinfo", str(path)], capture_output=True,
                                                              text=True, check=True).stdout.splitlines())
    return int(info["Pages"]), info["Page size"].strip()


def page_text(path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_cli_pdf_is_a4_with_the_title_and_the_transcriber_on_page_one(tmp_path):
    clip = stack.piano_wav(tmp_path / "Evening Song.wav", seconds=8.0, seed=3)
    run = subprocess.run([sys.executable, "-m", "tunescribe.cli", "transcribe", str(clip), "--out-dir",
                          str(tmp_path / "out"), "--pdf"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    pdf = tmp_path / "out" / "Evening Song.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages, size = pdf_pages(pdf)
    assert pages == 1 and "(A4)" in size
    first = page_text(pdf, 1)
    assert "Evening Song" in first and CREDIT in first
    assert (tmp_path / "out" / "Evening Song.musicxml").is_file()  # the PDF is engraved from it


def test_without_musescore_the_error_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "score.musicxml").write_text("<score-partwise/>")
    monkeypatch.setenv("PATH", str(tmp_path))  # a worker whose image lacks musescore3
    with pytest.raises(EngravingError, match="musescore3"):
        write_pdf(tmp_path / "score.musicxml", tmp_path / "score.pdf")
    assert not (tmp_path / "score.pdf").exists()


@pytest.mark.parametrize("text, reason", [("not xml at all", "not a MusicXML file"),
                                          ("<html><body/></html>", "not a partwise MusicXML score")])
def test_a_file_that_is_not_a_score_is_refused_with_the_reason(tmp_path, text, reason):
    (tmp_path / "notes.musicxml").write_text(text)
    with pytest.raises(EngravingError, match=reason):
        write_pdf(tmp_path / "notes.musicxml", tmp_path / "notes.pdf")
