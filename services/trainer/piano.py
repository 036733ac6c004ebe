"""Piano music performed as pianists play it, with the sustain pedal as they use it.

The material, in score time (quarter notes): the keyboard works of the music21 corpus, the rest
of it played as piano reductions, and generated textures over all 88 keys
(services.trainer.piano_textures). A performance turns it into key presses and releases in
seconds — rubato, phrase dynamics down to pp, a melody voiced above its accompaniment, rolled
chords, legato overlap — and pedal spans: changed with the harmony (up just after the new
harmony's onset, down again 50-150 ms later), half pedal, held through a bar, or none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.trainer.perform import MAX_WINDOW_S, draw_rubato
from services.trainer.piano_textures import HIGHEST, LOWEST, PianoScore, ScoreNote
from services.trainer.works import bars_of, score_parts
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan

PEDALLING = ("harmony", "harmony", "harmony", "bar", "half", "none")  # how a passage is pedalled, drawn per passage
KEY_RISE_S = 0.02  # a key must come up this long before it is struck again


@dataclass
class PianoPerformance:
    notes: list[Note]  # seconds; end_s is the key release (the pedal may hold the sound longer)
    pedal: list[PedalSpan]  # sustain pedal down, seconds


def work_score(work: str, transpose: int = 0) -> PianoScore | None:
    """A corpus work as one pianist plays it: every part on the keyboard (moved by octaves into it),
    the top part's highest notes the melody, the harmony changing where the lowest part moves
    (at most once a quarter note) and at every bar; None for an empty score."""
    parts = score_parts(work)
    if not parts:
        return None
    notes: dict[tuple[float, int], ScoreNote] = {}
    for i, part in enumerate(parts):
        tops = {}
        for q, _, p in part:
            tops[q] = max(tops.get(q, 0), p)
        for q, d, written in part:
            p = written + transpose
            while p < LOWEST:
                p += 12
            while p > HIGHEST:
                p -= 12
            old = notes.get((q, p))  # two parts on one key: one key press, the longer
            if old is None or old.duration_q < d:
                notes[(q, p)] = ScoreNote(q, d, p, i == 0 and written == tops[q])
    bars = [b.start for b in bars_of(work) if b.pad == 0]
    changes, last = [], -1.0
    for q in sorted({q for q, _, _ in parts[-1]} | set(bars)):
        if q - last >= 1.0:
            changes.append(q)
            last = q
    return PianoScore(sorted(notes.values(), key=lambda n: (n.onset_q, n.pitch)), changes, bars, work)


def perform_piano(score: PianoScore, rng: np.random.Generator) -> PianoPerformance:
    """A score played: rubato (services.trainer.perform's clock), per phrase a dynamic level from
    pp (velocity ~20) to ff with an arch, the melody 6-20 velocity above the accompaniment, chords
    of three or more keys rolled upwards at times, legato phrases releasing each key 10-60 ms after
    the next onset, detached ones early; a key re-struck is first released (KEY_RISE_S). Then the
    pedal (pedal_spans)."""
    seconds = draw_rubato([[(n.onset_q, n.duration_q, n.pitch) for n in score.notes]], rng).seconds
    phrase_q = float(rng.choice([4.0, 8.0, 16.0]))
    n_phrases = int(max(n.onset_q for n in score.notes) // phrase_q) + 2
    level = np.clip(rng.uniform(50, 100) + np.cumsum(rng.normal(0, 12, n_phrases)), 30, 112)
    soft = rng.random(n_phrases) < 0.15
    level[soft] = rng.uniform(16, 32, soft.sum())  # pp passages
    arch, voicing, jitter = rng.uniform(0, 12), rng.uniform(6, 20), rng.uniform(0.0, 0.012)
    legato = rng.random(n_phrases) < 0.7
    overlap, detached = rng.uniform(0.01, 0.06, n_phrases), rng.uniform(0.45, 0.85, n_phrases)
    rolled, roll_step = rng.random() * 0.35, rng.uniform(0.012, 0.035)
    downbeats = {round(b, 3) for b in score.bars}
    by_onset: dict[float, list[ScoreNote]] = {}
    for n in score.notes:
        by_onset.setdefault(n.onset_q, []).append(n)
    notes = []
    for q, chord in sorted(by_onset.items()):
        ph = int(q // phrase_q)
        t = max(0.0, float(seconds(q)) + rng.normal(0, jitter))
        spread = roll_step if len(chord) >= 3 and rng.random() < rolled else 0.0
        for k, n in enumerate(sorted(chord, key=lambda n: n.pitch)):
            start = t + k * spread
            written_end = float(seconds(n.onset_q + n.duration_q))
            end = written_end + overlap[ph] if legato[ph] else start + (written_end - t) * detached[ph]
            shape = arch * np.sin(np.pi * (q % phrase_q) / phrase_q)
            vel = level[ph] + shape + (voicing if n.melody else 0) + (4 if round(q, 3) in downbeats else 0)
            notes.append(Note(n.pitch, start, max(end, start + 0.04), int(np.clip(vel + rng.normal(0, 5), 8, 127))))
    notes = _release_before_restrike(notes)
    return PianoPerformance(notes, pedal_spans(score, seconds, notes, rng))


def _release_before_restrike(notes: list[Note]) -> list[Note]:
    """Each key released KEY_RISE_S before its next strike; a strike too soon after the last dropped."""
    out, last = [], {}  # the notes kept; pitch -> index of its last strike in out
    for n in sorted(notes, key=lambda n: (n.start_s, n.pitch)):
        prev = last.get(n.pitch)
        if prev is not None:
            if n.start_s - out[prev].start_s < 2 * KEY_RISE_S + 0.01:
                continue
            p = out[prev]
            out[prev] = Note(p.pitch, p.start_s, min(p.end_s, n.start_s - KEY_RISE_S), p.velocity)
        last[n.pitch] = len(out)
        out.append(n)
    return out


def pedal_spans(score: PianoScore, seconds, notes: list[Note], rng: np.random.Generator) -> list[PedalSpan]:
    """The sustain pedal over a performance (`seconds`: its clock, quarters -> s): per passage of
    2-4 bars a way of pedalling (PEDALLING): at each harmony change the pedal comes up 20-90 ms
    after the change's onset and goes down again 50-150 ms later ("harmony"), the same but only at
    bar starts ("bar"), the same at half depth ("half"), or up ("none"). The last span ends
    0.1-0.8 s after the last key release."""
    bar_starts = {round(b, 3) for b in score.bars}
    passage_q = float(rng.choice([2, 3, 4])) * (score.bars[1] - score.bars[0] if len(score.bars) > 1 else 4.0)
    ways: dict[int, str] = {}
    spans, down_at, depth = [], None, 1.0
    for c in score.changes:
        way = ways.setdefault(int(c // passage_q), str(rng.choice(PEDALLING)))
        if way == "bar" and round(c, 3) not in bar_starts:
            continue  # held through the bar
        up = float(seconds(c)) + rng.uniform(0.02, 0.09)
        if down_at is not None:
            spans.append(PedalSpan(down_at, up, depth))
            down_at = None
        if way != "none":
            down_at = up + rng.uniform(0.05, 0.15)
            depth = float(rng.uniform(0.5, 0.65) if way == "half" else rng.uniform(0.8, 1.0))
    if down_at is not None:
        end = max(n.end_s for n in notes) + rng.uniform(0.1, 0.8)
        if end > down_at:
            spans.append(PedalSpan(down_at, float(end), depth))
    return [s for s in spans if s.end_s - s.start_s >= 0.05]


def window_performance(perf: PianoPerformance, rng: np.random.Generator,
                       max_s: float = MAX_WINDOW_S) -> tuple[PianoPerformance, float]:
    """At most `max_s` of a performance (notes struck in it; the pedal cut to it), and where it starts (s)."""
    end = max(n.end_s for n in perf.notes)
    if end <= max_s:
        return perf, 0.0
    t0 = float(rng.uniform(0, end - max_s))
    notes = [Note(n.pitch, n.start_s - t0, n.end_s - t0, n.velocity) for n in perf.notes
             if t0 <= n.start_s < t0 + max_s - 1]
    pedal = [PedalSpan(max(0.0, p.start_s - t0), min(max_s, p.end_s - t0), p.depth) for p in perf.pedal
             if p.end_s > t0 and p.start_s < t0 + max_s - 1]
    return PianoPerformance(notes, pedal), t0
