"""Meter and downbeat: which time signature, and where the bars start, on a tracked pulse.

A tracked pulse may be the music's eighth, quarter, dotted quarter or half note, and two pulses
are tracked (beats.track_pulses). Every reading of either is a hypothesis: which pulse, a time
signature (METERS), what one pulse is (eighths per pulse) and where the first downbeat falls.
Each hypothesis is described by features of the notes on the eighth-note grid it implies (how
much louder, lower, longer and more harmonically new the notes are on its downbeats than on its
other beats, and on its beats than between them; how well onsets fit the grid; the tempo it
implies; how long the notes are in its beats; whether it reads the alternative pulse; where the
first and last notes fall in its bar) and scored
by a log-linear model whose weights were learned from the music21 corpus's training works
(services/trainer/notation.py; models/notation-v5/card.md), plus, when the beat network heard the
recording, how much of its beat and downbeat activation the reading's beats and downbeats catch
(heard_contrast; a third pulse is then the one it tracks alone). The best-scoring hypothesis
becomes the BeatGrid.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

import numpy as np

from tunescribe.constants import FRAMES_PER_SECOND
from tunescribe.notation.beats import BeatGrid, track_pulses
from tunescribe.notation.weights import load_weights
from tunescribe.notes import Note

# time signature -> (bar, beat) in eighth notes
METERS = {"2/4": (4, 2), "3/4": (6, 2), "4/4": (8, 2), "2/2": (8, 4), "3/2": (12, 4), "4/2": (16, 4),
          "6/8": (6, 3), "9/8": (9, 3), "12/8": (12, 3), "3/8": (3, 3), "4/8": (4, 1)}
PULSES = (1, 2, 3, 4)  # eighths in one tracked pulse: an eighth, a quarter, a dotted quarter, a half
ACCENTS = ("loud", "count", "bass", "long", "change", "bass_move")
ON_GRID = 0.3  # an onset within this fraction of an eighth of a grid point is on it
# quarter-note tempi beyond which a reading grows unlikely (log2 of BPM / 90): 140 and 50 BPM
FAST_QUARTER, SLOW_QUARTER = np.log2(140 / 90), np.log2(50 / 90)
# and those no reading may imply: a pulse read as eighths or halves must give a quarter note a
# player would take (the corpus's performances take 50 to 140; scores rarely ask beyond these)
QUARTER_BPM = (45.0, 170.0)
HEARD_WEIGHTS = (3.0, 0.0)  # a reading's score per unit of heard_contrast: beats, downbeats (chosen as beats.BEAT_WEIGHT)
EARLY_S = 0.05  # a first note this much before a downbeat is played early, not in a bar of its own


@dataclass(frozen=True)
class Hypothesis:
    meter: str
    pulse: int  # eighths per tracked pulse
    phase: int  # eighths from the first grid point to the first downbeat
    track: int = 0  # which tracked pulse: 0 the main one, then the alternative, then the beat network's

    @property
    def bar(self) -> int:
        return METERS[self.meter][0]

    @property
    def beat(self) -> int:
        return METERS[self.meter][1]


def hypotheses(track: int = 0) -> list[Hypothesis]:
    """Every reading of a pulse: the bar a whole number of pulses, the beat a multiple or a
    divisor of the pulse, the downbeat on a pulse."""
    out = []
    for pulse in PULSES:
        for meter, (bar, beat) in METERS.items():
            if bar % pulse == 0 and (beat % pulse == 0 or pulse % beat == 0):
                out += [Hypothesis(meter, pulse, phase, track) for phase in range(0, bar, pulse)]
    return out


def feature_names() -> list[str]:
    names = [f"{level}_{a}" for level in ("down", "beat", "mid") for a in ACCENTS]
    names += ["fit", "half_fit", "quarter_tempo", "quarter_tempo_sq", "beat_tempo", "beat_tempo_sq",
              "quarter_too_fast", "quarter_too_slow", "alternative"]
    names += [f"pulse_{p}" for p in PULSES]
    names += ["start_down", "start_beat", "start_pickup", "end_down", "end_beat"]
    for what in ("bias", "tempo", "ioi", "duration"):
        names += [f"{m}_{what}" for m in METERS]
    for m, (bar, _) in METERS.items():  # the accent profile along each meter's bar, eighth by eighth
        names += [f"{m}_at{r}_{a}" for r in range(bar) for a in ACCENTS]
    return names


def _eighths(pulse_s: np.ndarray, pulse: int, times_s) -> np.ndarray:
    """Seconds -> positions in eighths (0 = the first pulse), for a pulse of `pulse` eighths."""
    return pulse * BeatGrid(pulse_s, 4, 2).to_beats(times_s)


def _accents(notes: list[Note], pos: np.ndarray, dur: np.ndarray, n: int, pulse: int) -> np.ndarray:
    """(n, len(ACCENTS)) per eighth-grid point, z-scored: summed loudness and number of the onsets
    on it, a low note among them, the longest note starting there (log eighths), how new its
    pitch classes are against the two pulses before, and whether its lowest note differs from the
    last lowest note before it."""
    k = np.round(pos).astype(int)
    on = (np.abs(pos - k) < ON_GRID) & (k >= 0) & (k < n)
    pitches = np.array([x.pitch for x in notes])
    low = pitches <= np.percentile(pitches, 25)
    loud = np.array([x.velocity for x in notes]) / 127
    a = np.zeros((n, len(ACCENTS)))
    pcs = np.zeros((n + 1, 12))
    j = k[on]
    np.add.at(a[:, 0], j, loud[on])
    np.add.at(a[:, 1], j, 1.0)
    np.maximum.at(a[:, 2], j, low[on].astype(float))
    np.maximum.at(a[:, 3], j, np.log2(1 + np.maximum(dur[on], 0.0)))
    np.add.at(pcs, (j + 1, pitches[on] % 12), loud[on])
    lowest = np.full(n, 999)
    np.minimum.at(lowest, k[on], pitches[on])
    struck = np.flatnonzero(lowest < 999)
    a[struck[1:], 5] = (lowest[struck[1:]] != lowest[struck[:-1]]).astype(float)
    cum = np.cumsum(pcs, axis=0)
    w = 2 * pulse
    idx = np.arange(n)
    after = cum[np.minimum(idx + w, n)] - cum[idx]
    before = cum[idx] - cum[np.maximum(idx - w, 0)]
    cos = (after * before).sum(1) / (np.linalg.norm(after, axis=1) * np.linalg.norm(before, axis=1) + 1e-9)
    a[:, 4] = np.where(after.sum(1) > 0, 1 - cos, 0.0)
    sd = a.std(axis=0)
    return np.where(sd > 1e-9, (a - a.mean(axis=0)) / np.where(sd > 1e-9, sd, 1), 0.0)


def _contrast(sums: np.ndarray, counts: np.ndarray, on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Per reading (rows of `sums` (readings, bar, accents) and `counts` (readings, bar): accents
    summed, and grid points counted, at each eighth of the bar from its downbeat), the mean accent
    on the bar's positions `on` less that on `off`; 0 where either has no grid point."""
    n_on, n_off = counts[:, on].sum(axis=1), counts[:, off].sum(axis=1)
    diff = sums[:, on].sum(axis=1) / np.maximum(n_on, 1)[:, None] - sums[:, off].sum(axis=1) / np.maximum(n_off, 1)[:, None]
    return np.where(((n_on > 0) & (n_off > 0))[:, None], diff, 0.0)


def candidates(notes: list[Note], pulses: list[np.ndarray]) -> tuple[list[Hypothesis], np.ndarray]:
    """Every reading of every tracked pulse whose quarter-note tempo lies in QUARTER_BPM (all the
    pulse's readings if none does), and its feature row (columns as `feature_names`)."""
    found = [_readings(notes, np.asarray(pulse_s, float), track) for track, pulse_s in enumerate(pulses)]
    return [h for hyps, _ in found for h in hyps], np.concatenate([x for _, x in found])


def _readings(notes: list[Note], pulse_s: np.ndarray, track: int) -> tuple[list[Hypothesis], np.ndarray]:
    period = float(np.median(np.diff(pulse_s)))
    every = hypotheses(track)
    hyps = [h for h in every if QUARTER_BPM[0] <= 30 * h.pulse / period <= QUARTER_BPM[1]] or every
    meters = list(METERS)
    starts = np.array([x.start_s for x in notes])
    ends = np.array([x.end_s for x in notes])
    onsets = np.unique(np.round(starts, 2))
    ioi_s = float(np.median(np.diff(onsets))) if len(onsets) > 1 else period
    dur_s = float(np.median(ends - starts))
    per_pulse = {}
    for pulse in PULSES:
        pos = _eighths(pulse_s, pulse, starts)
        dur = _eighths(pulse_s, pulse, ends) - pos
        lo, hi = int(np.floor(pos.min())), int(np.ceil(pos.max())) + 1
        n = max(hi, 1)
        acc = _accents(notes, pos, dur, n, pulse)
        frac = np.abs(pos - np.round(pos))
        fit = float(np.mean(frac < 0.15))
        half_fit = float(np.mean(np.abs(2 * pos - np.round(2 * pos)) < 0.3))
        eighth_s = period / pulse
        per_pulse[pulse] = (acc, max(lo, 0), n, fit, half_fit, eighth_s, pos.min(), pos.max())
    blocks = {}  # each meter's block of profile columns
    at = 0
    for m, (bar, _) in METERS.items():
        blocks[m] = at
        at += bar * len(ACCENTS)
    by_bar = {}  # (pulse, bar) -> accents summed, and grid points counted, at each eighth of the bar from the first
    for pulse, (acc, lo, n, *_) in per_pulse.items():
        for bar in {bar for bar, _ in METERS.values()}:
            r = np.arange(lo, n) % bar
            sums = np.zeros((bar, acc.shape[1]))
            np.add.at(sums, r, acc[lo:n])
            by_bar[pulse, bar] = sums, np.bincount(r, minlength=bar)
    rows = []
    for (pulse, meter), group in groupby(hyps, key=lambda h: (h.pulse, h.meter)):  # the phases of one reading at once
        group = list(group)
        _, _, _, fit, half_fit, eighth_s, first, last = per_pulse[pulse]
        bar, beat = METERS[meter]
        at_bar = (np.arange(bar) + np.array([h.phase for h in group])[:, None]) % bar  # (phases, bar)
        sums, counts = (z[at_bar] for z in by_bar[pulse, bar])  # from each phase's downbeat
        r = np.arange(bar)
        down, on_beat = r == 0, r % beat == 0
        beats_in_bar = bar // beat
        mid = r == bar // 2 if beats_in_bar >= 4 and beats_in_bar % 2 == 0 else np.zeros(bar, bool)
        x = np.concatenate([_contrast(sums, counts, down, on_beat & ~down), _contrast(sums, counts, on_beat, ~on_beat),
                            _contrast(sums, counts, mid, on_beat & ~down & ~mid)], axis=1)
        q_tempo = np.log2(60 / (2 * eighth_s) / 90)
        b_tempo = np.log2(60 / (beat * eighth_s) / 80)
        onehot = np.zeros(len(meters))
        onehot[meters.index(meter)] = 1
        ioi_q = np.log2(ioi_s / (2 * eighth_s))
        dur_q = np.log2(max(dur_s, 0.02) / (2 * eighth_s))
        pulse_1h = np.array([float(pulse == p) for p in PULSES])
        tempo = [q_tempo, q_tempo ** 2, b_tempo, b_tempo ** 2,
                 max(0.0, q_tempo - FAST_QUARTER), max(0.0, SLOW_QUARTER - q_tempo)]
        profile = np.zeros((len(group), at))
        profile[:, blocks[meter]:blocks[meter] + bar * len(ACCENTS)] = (
            sums / np.maximum(counts, 1)[:, :, None]).reshape(len(group), -1)
        shared = np.concatenate([[fit, half_fit, *tempo, float(track > 0)], pulse_1h])
        rows.append(np.concatenate([x, np.tile(shared, (len(group), 1)),
                                    np.array([start_and_end(h, first, last) for h in group]),
                                    np.tile(np.concatenate([onehot, onehot * q_tempo, onehot * ioi_q, onehot * dur_q]),
                                            (len(group), 1)), profile], axis=1))
    return hyps, np.concatenate(rows)


def start_and_end(h: Hypothesis, first: float, last: float) -> list[float]:
    """Where the first and last onsets (in eighths on the pulse) fall in the hypothesis's bar: a
    piece starts on a downbeat, on a beat, or within the last beat before one (an anacrusis), and
    ends on a downbeat or a beat (the final chord) - unless the recording is an excerpt."""
    start, end = first - h.phase, last - h.phase

    def on(r, step):  # within ON_GRID of a multiple of `step` eighths
        d = r % step
        return float(min(d, step - d) < ON_GRID)

    down = on(start, h.bar)
    pickup = not down and start % h.bar > h.bar - h.beat - ON_GRID
    return [down, on(start, h.beat), float(pickup), on(end, h.bar), on(end, h.beat)]


def grid_of(h: Hypothesis, pulses: list[np.ndarray], notes: list[Note]) -> BeatGrid:
    """The BeatGrid of a hypothesis: its beats from the last downbeat at or before the first
    onset (or at most EARLY_S after it) through the last note's end."""
    pulse_grid = BeatGrid(np.asarray(pulses[h.track], float), 4, 2)
    first = float(min(x.start_s for x in notes))
    last = float(max(x.end_s for x in notes))
    e_first = h.pulse * float(pulse_grid.to_beats(first))
    start = h.phase + h.bar * np.floor((e_first - h.phase) / h.bar)
    if pulse_grid.to_seconds((start + h.bar) / h.pulse) <= first + EARLY_S:  # the first note is a little early
        start += h.bar
    e_last = h.pulse * float(pulse_grid.to_beats(last))
    n_beats = int(np.ceil((e_last - start) / h.beat)) + 1
    e = start + h.beat * np.arange(max(n_beats, 2))
    beats_s = pulse_grid.to_seconds(e / h.pulse)
    division = 3 if h.beat == 3 else 2
    beat_note = {1: 8, 2: 4, 3: 4, 4: 2}[h.beat]
    return BeatGrid(beats_s, h.bar // h.beat, division, beat_note)


def heard_contrast(hyps: list[Hypothesis], pulses: list[np.ndarray], notes: list[Note],
                   activations: np.ndarray) -> np.ndarray:
    """(readings, 2): how much more the beat network hears a beat on each reading's beats than
    halfway between them, and a downbeat on its downbeats than on its other beats (mean
    activations, each frame's the most of it and its neighbours: a tracked beat may sit a frame off).
    The activations are sampled once per pulse and note value, every half eighth."""
    from scipy.ndimage import maximum_filter1d

    act = maximum_filter1d(activations, 3, axis=0)
    frames = np.arange(len(act)) / FRAMES_PER_SECOND
    span = [float(min(x.start_s for x in notes)), float(max(x.start_s for x in notes))]
    margin = max(METERS.values())[0]  # eighths: a bar of the longest meter
    sampled = {}
    out = np.zeros((len(hyps), 2))
    for i, h in enumerate(hyps):
        if (h.track, h.pulse) not in sampled:
            grid = BeatGrid(pulses[h.track], 4, 2)
            lo, hi = h.pulse * grid.to_beats(span)
            start = np.floor(lo) - margin
            halves = start + 0.5 * np.arange(int(2 * (np.ceil(hi) + 2 * margin - start)) + 1)
            t = grid.to_seconds(halves / h.pulse)
            sampled[h.track, h.pulse] = (lo, hi, start, np.interp(t, frames, act[:, 0]), np.interp(t, frames, act[:, 1]))
        lo, hi, start, beat_act, down_act = sampled[h.track, h.pulse]
        e = h.phase + h.beat * np.arange(np.floor((lo - h.phase) / h.beat), np.ceil((hi - h.phase) / h.beat) + 1)
        if len(e) < 2:
            continue
        at = np.round(2 * (e - start)).astype(int)  # each beat's half eighth
        is_down = (e - h.phase) % h.bar == 0
        out[i, 0] = beat_act[at].mean() - beat_act[at[:-1] + h.beat].mean()  # halfway: h.beat half eighths on
        if is_down.any() and (~is_down).any():
            out[i, 1] = down_act[at[is_down]].mean() - down_act[at[~is_down]].mean()
    return out


def estimate_meter(notes: list[Note], pulses: list[np.ndarray], weights: np.ndarray | None = None,
                   activations: np.ndarray | None = None) -> BeatGrid:
    """The best-scoring hypothesis on the tracked pulses; with the beat network's `activations`,
    each reading's score gains HEARD_WEIGHTS times its heard_contrast. Fewer than 4 notes: 4/4 on
    the main pulse."""
    pulses = [np.asarray(p, float) for p in pulses]
    if len(notes) < 4 or len(pulses[0]) < 4:
        return BeatGrid(pulses[0], 4, 2)
    w = load_weights("meter", feature_names()) if weights is None else weights
    hyps, x = candidates(notes, pulses)
    score = x @ w
    if activations is not None and len(activations):
        score = score + heard_contrast(hyps, pulses, notes, activations) @ np.asarray(HEARD_WEIGHTS)
    return grid_of(hyps[int(np.argmax(score))], pulses, notes)


def beat_grid(notes: list[Note], audio: np.ndarray | None = None, sample_rate: int = 16_000,
              activations: np.ndarray | None = None) -> BeatGrid:
    """Track the pulses, then choose the pulse, meter and downbeat: the whole beat stage in one
    call; `activations`: the beat network's, when it heard the recording (tunescribe.beatnet)."""
    return estimate_meter(notes, track_pulses(notes, audio, sample_rate, activations), activations=activations)
