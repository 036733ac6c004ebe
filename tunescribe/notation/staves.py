"""Quantized notes -> staves (treble/bass: right and left hand) -> voices inside each staff.

Music that fits one clef stays on one staff. Otherwise each chord (notes struck together) is cut
into a left-hand and a right-hand part where the cut costs least: each hand's notes should lie near
where that hand has been playing (a running centre that drifts back to its home register while the
hand rests) and within a hand's span. So the split point follows the hands: a melody that dips
below middle C stays in the treble while the left hand plays low, and the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import groupby

from tunescribe.notation.quantize import QNote, legato

TREBLE_RANGE = (55, 88)  # G3..E6: a single treble staff with a few ledger lines
BASS_RANGE = (28, 66)  # E1..F#4
HOME = {"treble": 67.0, "bass": 48.0}  # G4, C3: where a resting hand drifts back to
SPAN = 12  # semitones a hand covers without penalty
MAX_VOICES = 2
# (sorting and grouping compare float(Fraction): the same order (a score's fractions differ by far
# more than a float's precision) without Fraction's slow comparisons)
SMALL_OVERLAP = Fraction(1, 4)  # beats: a note held this little into the next one is trimmed


@dataclass
class Staff:
    clef: str  # "treble" or "bass"
    voices: list[list[QNote]] = field(default_factory=list)  # voice 0 on top; each without overlaps


def single_clef(qnotes: list[QNote]) -> str | None:
    """"treble" or "bass" when every note fits that clef's range (treble preferred), else None."""
    lo = min((q.pitch for q in qnotes), default=60)
    hi = max((q.pitch for q in qnotes), default=60)
    if TREBLE_RANGE[0] <= lo and hi <= TREBLE_RANGE[1]:
        return "treble"
    if BASS_RANGE[0] <= lo and hi <= BASS_RANGE[1]:
        return "bass"
    return None


def split_hands(qnotes: list[QNote], beat_s: float = 0.5) -> list[int]:
    """For each note (sorted by start): 0 for the right hand (treble), 1 for the left (bass).

    `beat_s` (seconds per beat) sets how fast a resting hand's centre returns home (~4 s).
    """
    centre = {0: HOME["treble"], 1: HOME["bass"]}
    last = {0: None, 1: None}
    hand = [0] * len(qnotes)
    order = sorted(range(len(qnotes)), key=lambda i: (float(qnotes[i].start), qnotes[i].pitch))
    for _, group in groupby(order, key=lambda i: float(qnotes[i].start)):
        idx = list(group)  # ascending pitch
        start = qnotes[idx[0]].start
        pitches = [qnotes[i].pitch for i in idx]
        eff = {}
        for h, home in ((0, HOME["treble"]), (1, HOME["bass"])):
            rest = 0.0 if last[h] is None else float(start - last[h]) * beat_s
            pull = min(1.0, rest / 4.0) if last[h] is not None else 1.0
            eff[h] = centre[h] + (home - centre[h]) * pull
        best_k, best_cost = 0, float("inf")
        for k in range(len(pitches) + 1):  # pitches[:k] left hand, pitches[k:] right hand
            left, right = pitches[:k], pitches[k:]
            cost = sum(abs(p - eff[1]) for p in left) + sum(abs(p - eff[0]) for p in right)
            for part in (left, right):
                if part:
                    cost += 4.0 * max(0, part[-1] - part[0] - SPAN) + 6.0 * max(0, len(part) - 5)
            if cost < best_cost:
                best_k, best_cost = k, cost
        for j, i in enumerate(idx):
            hand[i] = 1 if j < best_k else 0
        for h, part in ((1, pitches[:best_k]), (0, pitches[best_k:])):
            if part:
                centre[h] = 0.5 * eff[h] + 0.5 * sum(part) / len(part)
                last[h] = start
    return hand


def assign_voices(qnotes: list[QNote]) -> list[list[QNote]]:
    """Notes of one staff -> at most MAX_VOICES voices, each a sequence of chords and notes that do
    not overlap. Notes struck together with the same end form a chord; with different ends they go
    to different voices (the higher to voice 0). A note held only a little into the next onset, or
    overlapping when every voice is busy, is shortened to that onset."""
    voices: list[list[QNote]] = []
    for _, group in groupby(sorted(qnotes, key=lambda q: (float(q.start), -q.pitch)), key=lambda q: float(q.start)):
        group = list(group)
        start = group[0].start
        chords = _chords(group)
        chords.sort(key=lambda c: -max(q.pitch for q in c))  # highest chord first
        for chord in chords:
            v = _free_voice(voices, start)
            if v is None:
                voices.append([])
                v = len(voices) - 1
            voices[v].extend(chord)
    return [sorted(v, key=lambda q: (float(q.start), q.pitch)) for v in voices if v]


def _chords(notes: list[QNote]) -> list[list[QNote]]:
    """Notes struck together -> chords of notes with one end; ends within SMALL_OVERLAP of the
    longest of a chord are lengthened to it (a sloppy release is not a second voice)."""
    chords: list[list[QNote]] = []
    for q in sorted(notes, key=lambda q: (-float(q.end), -q.pitch)):
        if chords and chords[-1][0].end - q.end <= SMALL_OVERLAP:
            chords[-1].append(replace(q, end=chords[-1][0].end))
        else:
            chords.append([q])
    return chords


def _free_voice(voices: list[list[QNote]], start: Fraction) -> int | None:
    """Index of the voice to take a chord at `start` (trimming overlaps if needed), or None for a
    new voice: the first free one, so that the upper voice does not rest while another plays."""
    def end(v):  # notes of a voice never overlap and a chord shares one end
        return voices[v][-1].end if voices[v] else Fraction(0)

    free = [v for v in range(len(voices)) if end(v) <= start]
    if not free:
        free = [v for v in range(len(voices)) if end(v) - start <= SMALL_OVERLAP]
    if not free and len(voices) < MAX_VOICES:
        return None
    if not free:
        free = [min(range(len(voices)), key=end)]
    v = free[0]
    _trim(voices[v], start)
    return v


def _trim(voice: list[QNote], start: Fraction) -> None:
    """Shorten the notes of `voice` that sound past `start` so they end there."""
    for i in range(len(voice) - 1, -1, -1):
        q = voice[i]
        if q.end <= start:
            break
        if q.start < start:
            voice[i] = replace(q, end=start)


def make_staves(qnotes: list[QNote], beat_s: float = 0.5, clef: str | None = "auto") -> list[Staff]:
    """One staff when the music fits one clef, else a treble and a bass staff; voices inside each.
    `clef` "treble" or "bass" asks for one staff, None for two (the pieces of a medley share one
    layout); "auto" decides from the notes."""
    clef = single_clef(qnotes) if clef == "auto" else clef
    if clef is not None:
        return [Staff(clef, assign_voices(legato(qnotes)))]
    hand = split_hands(qnotes, beat_s)
    right = [q for q, h in zip(qnotes, hand) if h == 0]
    left = [q for q, h in zip(qnotes, hand) if h == 1]
    return [Staff("treble", assign_voices(legato(right))), Staff("bass", assign_voices(legato(left)))]
