"""The written score moved to another key: for B♭, E♭ and F instruments, or by any interval up to
two octaves. music21 re-spells the MusicXML (notes, accidentals, key signature); the score-aligned
MIDI moves by the same number of semitones under the new key signature; the PDF is engraved from
the transposed MusicXML. A key past six sharps or flats is written as its enharmonic twin
(C♯ major as D♭ major), as a copyist would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tunescribe.outputs import Output

# how far above concert pitch each instrument's part is written: B♭ clarinet and trumpet a major
# second, E♭ alto saxophone a major sixth, F horn a perfect fifth
WRITTEN_FOR = {"Bb": "M2", "Eb": "M6", "F": "P5"}
MAX_SEMITONES = 24
_INTERVAL = re.compile(r"^-?(?:P|M|m|A|d)[1-9]\d?$")
_FLAT = {"Bb": "B♭", "Eb": "E♭", "F": "F"}


class TranspositionError(ValueError):
    """A transposition that cannot be made; the message says why."""


@dataclass(frozen=True)
class Transposition:
    name: str  # as asked: "Bb", "Eb", "F", or a music21 interval name such as "M2" or "-m3"
    interval: str  # the directed interval, "M2" or "-m3"

    @property
    def description(self) -> str:
        """'for B♭ instruments', 'up a major second', 'down a minor third'."""
        if self.name in WRITTEN_FOR:
            return f"for {_FLAT[self.name]} instruments"
        from music21 import interval

        moved = interval.Interval(self.interval)
        return f"{'down' if moved.semitones < 0 else 'up'} a {moved.niceName.lower()}"


def parse_transposition(text: str) -> Transposition:
    """'Bb', 'Eb', 'F' (the written part of that instrument) or a directed interval name
    ('M2' up a major second, '-m3' down a minor third, 'P8' up an octave); TranspositionError
    with the reason otherwise."""
    from music21 import interval

    text = text.strip()
    if text in WRITTEN_FOR:
        return Transposition(text, WRITTEN_FOR[text])
    usage = ("transpose must be Bb, Eb or F (the instrument) or an interval such as M2 (up a major second), "
             f"-m3 (down a minor third) or P8 (up an octave), not {text[:40]!r}")
    if not _INTERVAL.match(text):
        raise TranspositionError(usage)
    if int(text.lstrip("-")[1:]) > 15:  # a double octave is the 15th
        raise TranspositionError(f"{text} is more than two octaves; transpose by at most {MAX_SEMITONES} semitones")
    try:
        moved = interval.Interval(text)
    except interval.IntervalException:
        raise TranspositionError(f"{text} is not an interval (a third or sixth is major, minor, augmented or "
                                 "diminished; a fourth, fifth or octave is perfect, augmented or diminished)") from None
    if abs(moved.semitones) > MAX_SEMITONES:
        raise TranspositionError(f"{text} is more than two octaves; transpose by at most {MAX_SEMITONES} semitones")
    return Transposition(text, text)


def transpose_musicxml(src: str | Path, dst: str | Path, transposition: Transposition) -> Path:
    """The MusicXML score `src` written `transposition` into `dst`, its title saying so."""
    import music21

    score = music21.converter.parse(str(src), format="musicxml", forceSource=True)
    signatures = score.recurse().getElementsByClass(music21.key.KeySignature)
    moved = _spelled(transposition.interval, signatures[0].sharps if signatures else 0)
    score.transpose(moved, inPlace=True)
    title = f"{score.metadata.bestTitle or 'Transcription'} ({transposition.description})"
    score.metadata.title = score.metadata.movementName = title
    score.write("musicxml", fp=str(dst))
    return Path(dst)


def transpose_midi(src: str | Path, dst: str | Path, transposition: Transposition) -> Path:
    """The score-aligned MIDI `src` (tunescribe.notation.export) moved by `transposition`: every
    note by its semitones, the key signature to the key the MusicXML is written in."""
    import mido
    from music21 import interval, key

    def tonic(signature: str):
        return key.Key(signature.rstrip("m").replace("b", "-"), "minor" if signature.endswith("m") else "major")

    midi = mido.MidiFile(str(src))
    signature = next((m.key for track in midi.tracks for m in track if m.type == "key_signature"), "C")
    moved = _spelled(transposition.interval, tonic(signature).sharps)
    semitones = interval.Interval(moved).semitones
    for track in midi.tracks:
        for i, message in enumerate(track):
            if message.type in ("note_on", "note_off"):
                if not 0 <= message.note + semitones <= 127:
                    raise TranspositionError(f"{transposition.name} moves notes outside MIDI's range (0-127)")
                track[i] = message.copy(note=message.note + semitones)
            elif message.type == "key_signature":  # each of them: a medley has several
                new_tonic = tonic(message.key).transpose(moved)
                name = new_tonic.tonic.name.replace("-", "b") + ("m" if new_tonic.mode == "minor" else "")
                track[i] = message.copy(key=name)
    midi.save(str(dst))
    return Path(dst)


def write_transposed(kind: Output, source: str | Path, dst: str | Path, transposition: Transposition) -> Path:
    """The `kind` file of a transcription written in `transposition` to `dst`, made from its
    TRANSPOSED_FROM[kind] file `source`: the PDF is engraved from the transposed MusicXML."""
    dst = Path(dst)
    if kind == Output.MUSICXML:
        return transpose_musicxml(source, dst, transposition)
    if kind == Output.SCORE_MIDI:
        return transpose_midi(source, dst, transposition)
    if kind == Output.PDF:
        from tunescribe.notation.engrave import write_pdf

        return write_pdf(transpose_musicxml(source, dst.with_suffix(Output.MUSICXML), transposition), dst)
    raise ValueError(f"{kind} cannot be transposed")


def _spelled(name: str, sharps: int) -> str:
    """`name`, or the enharmonic interval of the same size when `name` would take a key signature
    of `sharps` past six sharps or flats (B major up a major second: D♭ major, not C♯)."""
    from music21 import interval, key, pitch

    start = pitch.Pitch("C4")
    end = start.transpose(name)
    after = sharps + key.KeySignature(0).transpose(name).sharps
    while abs(after) > 6:  # each respelling moves the signature by twelve fifths
        end = end.getHigherEnharmonic() if after > 6 else end.getLowerEnharmonic()
        after += -12 if after > 6 else 12
    return interval.Interval(noteStart=start, noteEnd=end).directedName
