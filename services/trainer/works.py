"""The corpus's works: which music21 scores it takes, the split each belongs to, and what a work
holds (its bars with their time and key signatures, its parts in quarter notes).

Deterministic: a work's split comes from a hash of its corpus path, and the works taken from each
source from a seeded order."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

SPLITS = ("train", "validation", "test")
SOURCES = {  # corpus folder -> number of works taken (in a seeded order)
    "bach": 433, "palestrina": 260, "ryansMammoth": 220, "monteverdi": 97, "trecento": 103,
    "beethoven": 8, "mozart": 6, "haydn": 4, "schumann_robert": 3, "schumann_clara": 3,
    "oneills1850": 39, "josquin": 8, "corelli": 1, "handel": 1, "joplin": 1, "chopin": 1,
    "schubert": 1, "cpebach": 1, "beach": 1, "weber": 1, "verdi": 1, "airdsAirs": 6,
}

# Written for the keyboard: solo piano works, and songs and duos whose piano part a pianist plays
# with the tune on top (the piano corpus plays these most; services.trainer.piano)
KEYBOARD_WORKS = (
    "beach/prayer_of_a_tired_child.musicxml", "chopin/mazurka06-2.krn", "cpebach/h186.mxl",
    "joplin/maple_leaf_rag.mxl", "mozart/k545/movement1_exposition.mxl", "schoenberg/opus19/movement2.mxl",
    "schoenberg/opus19/movement6.mxl", "schumann_clara/polonaise_op1n1.mxl", "schumann_clara/polonaise_op1n2.mxl",
    "schumann_clara/polonaise_op1n3.mxl", "schumann_clara/polonaise_op1n4.mxl", "verdi/laDonnaEMobile.mxl",
    "schubert/Lindenbaum.xml", "schumann_robert/dichterliebe_no2.xml", "schumann_robert/opus48no2.mxl",
    "handel/rinaldo/Lascia_chio_pianga.mxl", "liliuokalani/aloha_oe.mxl", "weber/concertino_clarinet.mxl",
)
TUNE_BOOKS = ("ryansMammoth", "oneills1850", "airdsAirs")  # sources of single-line tunes


def split_of(work: str) -> str:
    """train / validation / test by work, from a stable hash of the work's name."""
    h = int(hashlib.sha1(work.encode()).hexdigest(), 16) % 100
    return "test" if h < 8 else "validation" if h < 14 else "train"


def list_works(seed: int = 0) -> list[str]:
    """The corpus-relative paths of the works taken from each of SOURCES, in a seeded order."""
    from music21 import corpus

    rng = np.random.default_rng(seed)
    by_source: dict[str, list[str]] = {}
    for p in sorted(map(str, corpus.getPaths())):
        parts = Path(p).parts
        source = parts[parts.index("corpus") + 1]
        if source in SOURCES:
            by_source.setdefault(source, []).append("/".join(parts[parts.index("corpus") + 1:]))
    picked = []
    for source, paths in sorted(by_source.items()):
        picked += list(rng.permutation(paths)[: SOURCES[source]])
    return list(rng.permutation(picked))


@dataclass
class Bar:
    start: float  # offset in the part, quarters
    pad: float  # quarters missing at the bar's start (a pickup)
    length: float  # quarters
    meter: object  # music21 TimeSignature in force
    sharps: int  # key signature in force


@lru_cache(maxsize=None)
def bars_of(work: str) -> list[Bar]:
    """The bars of a corpus work's first part, with the time and key signature in force in each
    (the score that score_parts performs); cached per work."""
    import music21 as m21

    s = m21.corpus.parse(work)
    return score_bars(s.scores[0] if isinstance(s, m21.stream.Opus) else s)


def score_bars(score) -> list[Bar]:
    """The bars of a music21 score's first part, with the time and key signature in force in each."""
    import music21 as m21

    part = score.parts[0] if score.parts else score
    measures = list(part.getElementsByClass(m21.stream.Measure))
    if not measures:  # a score without barlines (some ABC files): bars from its time signature
        measures = list(part.makeMeasures().getElementsByClass(m21.stream.Measure))
    ts, sharps, bars = m21.meter.TimeSignature("4/4"), 0, []
    for i, m in enumerate(measures):
        ts = m.timeSignature or ts
        if m.keySignature is not None:
            sharps = m.keySignature.sharps
        end = measures[i + 1].offset if i + 1 < len(measures) else m.offset + m.duration.quarterLength
        bars.append(Bar(float(m.offset), float(m.paddingLeft), float(end - m.offset), ts, sharps))
    return bars


def score_parts(work: str) -> list[list[tuple[float, float, int]]]:
    """Each part of a corpus work as (onset, duration, pitch) in quarter notes, ties merged."""
    from music21 import corpus, stream

    s = corpus.parse(work)
    if isinstance(s, stream.Opus):
        s = s.scores[0]
    s = s.stripTies()
    parts = []
    for part in (s.parts if s.parts else [s]):
        notes = []
        for el in part.flatten().notes:
            ql = float(el.quarterLength)
            if ql <= 0:
                continue
            for p in el.pitches:
                notes.append((float(el.offset), ql, int(p.midi)))
        if notes:
            parts.append(sorted(notes))
    return parts
