"""The names of the transcription's stages and output files, once (as basic-pitch's
OutputExtensions). Importing this loads nothing else, so the services may name them freely."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """The stages of a transcription, in order."""

    DECODING = "decoding"
    TRANSCRIBING = "transcribing"
    NOTATION = "notation"


class Output(StrEnum):
    """The files a transcription writes; the value is the suffix after the stem."""

    MIDI = ".mid"
    MUSICXML = ".musicxml"
    SCORE_MIDI = ".score.mid"
    TIMEMAP = ".timemap.json"
    PDF = ".pdf"  # the score engraved for printing


# the files a transcription can give in another key, each made from which of its files
# (tunescribe.notation.transpose writes them; the PDF is engraved from the transposed MusicXML)
TRANSPOSED_FROM = {Output.MUSICXML: Output.MUSICXML, Output.PDF: Output.MUSICXML, Output.SCORE_MIDI: Output.SCORE_MIDI}
