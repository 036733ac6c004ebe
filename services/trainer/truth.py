"""The true score of a rendition: meter, key signature, beats, downbeats and each note's place in
its bar, from the music21 work and the rendition's `<id>.score.json` (transposition, rubato clock,
each performed note's place in the score). Shared by the notation benchmark (scoring) and the
notation trainer (targets)."""

from __future__ import annotations

import bisect
import json
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from services.trainer.perform import Rubato
from services.trainer.renditions import read_notes
from services.trainer.works import Bar, bars_of
from tunescribe.evaluate_notation import TrueScore, q, silences
from tunescribe.notes import Note


@dataclass
class Truth(TrueScore):
    """The true score of a rendition (or of a real recording), and where it comes from."""

    id: str
    work: str  # music21 corpus path
    kind: str  # ensemble kind (or mix / instrument for a real recording)
    meters_in_excerpt: list[str] = field(default_factory=list)


def truth_of(rid: str, kind: str, meta: dict, labels: list[Note], bars: list[Bar] | None = None,
             clock=None) -> Truth:
    """A rendition's truth from its score.json contents and its labelled notes (in the same order
    as meta["notes"]). A recording that was not rendered from the work brings its own `bars` (the
    work as performed, repeats written out) and `clock` (quarters -> seconds in the audio)."""
    placed = meta["notes"]  # per label: [onset (quarters), duration (quarters), part]
    assert len(placed) == len(labels), rid
    bars = bars_of(meta["work"]) if bars is None else bars
    starts = [b.start for b in bars]

    def bar_at(x: float) -> Bar:
        return bars[max(0, bisect.bisect_right(starts, x + 1e-9) - 1)]

    lo = min(o for o, _, _ in placed)
    hi = max(o + d for o, d, _ in placed)
    meter_w, key_w = Counter(), Counter()
    for b in bars:
        overlap = min(hi, b.start + b.length) - max(lo, b.start)
        if overlap > 0:
            meter_w[b.meter.ratioString] += overlap
            key_w[b.sharps] += overlap
    meter = meter_w.most_common(1)[0][0]
    ts = next(b.meter for b in bars if b.meter.ratioString == meter)
    fifths = (key_w.most_common(1)[0][0] + 7 * meta["transpose"] + 6) % 12 - 6

    # true beats: where the notes struck on a beat sound, else the rubato clock
    onsets_at: dict[Fraction, list[float]] = {}
    for (o, _, _), n in zip(placed, labels):
        onsets_at.setdefault(q(o), []).append(n.start_s)
    if clock is None:
        rubato, t0 = Rubato(**meta["rubato"]), meta["window_start_s"]

        def clock(x):
            return float(rubato.seconds(x)) - t0
    end_s = max(n.end_s for n in labels)
    beats, downbeats = [], []
    for b in bars:
        if b.start + b.length < lo or b.start > hi:
            continue
        unit = b.meter.beatDuration.quarterLength
        k = int(np.ceil(b.pad / unit - 1e-9))
        while k * unit < b.pad + b.length - 1e-9:
            x = b.start + k * unit - b.pad
            k += 1
            if not lo - 1e-9 <= x <= hi:
                continue
            heard = onsets_at.get(q(x))
            t = float(np.median(heard)) if heard else float(clock(x))
            if 0.0 <= t <= end_s:
                beats.append(t)
                if k == 1:  # the bar's first beat (a pickup bar has none)
                    downbeats.append(t)
    position = [q(o - bar_at(o).start + bar_at(o).pad) for o, _, _ in placed]
    parts: dict[int, list] = {}
    for o, d, part in placed:
        parts.setdefault(part, []).append((q(o), q(d)))
    return Truth(meter=meter, meter_shape=(ts.beatCount, ts.beatDivisionCount),
                 beat_quarters=q(ts.beatDuration.quarterLength), fifths=fifths, beats_s=np.unique(beats),
                 downbeats_s=np.unique(downbeats), notes=labels, bar_position=position,
                 duration=[q(d) for _, d, _ in placed], bars=sum(lo < b.start + b.length and b.start < hi for b in bars),
                 silences=silences(list(parts.values())), id=rid, work=meta["work"], kind=kind,
                 meters_in_excerpt=sorted(meter_w))


def load_truth(split_dir: Path, row: dict) -> Truth:
    """The truth of a rendered rendition (`split_dir`: the corpus folder of its split, holding
    <id>.npz and <id>.score.json)."""
    rid = row["id"]
    meta = json.loads((split_dir / f"{rid}.score.json").read_text())
    return truth_of(rid, row.get("kind", "?"), meta, read_notes(split_dir, rid))
