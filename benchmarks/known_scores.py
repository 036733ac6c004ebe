"""Known scores, as (MIDI pitch, start, length) events in quarter notes, and how to play them as
notes in seconds: shared by the long-piece notation benchmark (long_piece), the notation tests
(played as notes) and the sheet-music tests (rendered to audio and transcribed)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tunescribe.notes import Note


def play(events, bpm, *, beat_quarters=1.0, accent_every=None, jitter_s=0.0, seed=0):
    """(pitch, start, length) in quarter notes -> Notes in seconds at `bpm` beats per minute (the
    beat lasting `beat_quarters` quarters), played slightly detached, downbeats louder."""
    rng = np.random.default_rng(seed)
    spq = 60.0 / bpm / beat_quarters
    notes = []
    for pitch, start, length in events:
        loud = accent_every is not None and (start % accent_every) == 0
        t0 = start * spq + (rng.normal(0, jitter_s) if jitter_s else 0.0)
        notes.append(Note(pitch, max(0.0, t0), t0 + length * spq * 0.9, 105 if loud else 70))
    return notes


C_MAJOR_SCALE_3_4 = [(p, i, 1) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60])] \
    + [(60, 15, 3)]


def two_hand_piece():
    """8 bars of 4/4 in F major: right hand quarters and eighths, left hand half-note bass."""
    rh_bar = [(0, 1), (1, 0.5), (1.5, 0.5), (2, 1), (3, 1)]
    melody = [72, 74, 76, 77, 72, 69, 70, 72, 74, 72, 77, 76, 74, 72, 70, 69] * 3
    bass = [41, 48, 46, 41, 43, 48, 41, 36, 41, 45, 46, 48, 43, 48, 41, 41]
    events, m = [], iter(melody)
    for bar in range(8):
        events += [(next(m), bar * 4 + s, d) for s, d in rh_bar]
        events += [(bass[2 * bar], bar * 4, 2), (bass[2 * bar + 1], bar * 4 + 2, 2)]
    events[-7:] = [(65, 28, 4), (41, 28, 4)]
    return events


def waltz(bars: int = 12):
    """A waltz in G major, every note equally loud: the bass on one, the chord on two and three,
    a melody in half and quarter notes; the harmony changes with the bar."""
    chords = [(43, [59, 62]), (38, [57, 60]), (43, [59, 62]), (50, [54, 60])]
    tune = [[(71, 0, 2), (74, 2, 1)], [(72, 0, 2), (69, 2, 1)], [(67, 0, 3)], [(66, 0, 1), (69, 1, 1), (72, 2, 1)]]
    events = []
    for bar in range(bars):
        bass, chord = chords[bar % 4]
        events += [(bass, 3 * bar, 1)] + [(p, 3 * bar + b, 1) for b in (1, 2) for p in chord]
        events += [(p, 3 * bar + s, d) for p, s, d in tune[bar % 4]]
    return events


def six_eight_melody():
    """8 bars of 6/8 in D major, quarter-eighth and dotted-quarter rhythms, ending on a bar-long D."""
    bar_rhythms = [[(0, 1), (1, 0.5), (1.5, 1), (2.5, 0.5)], [(0, 1.5), (1.5, 0.5), (2, 0.5), (2.5, 0.5)]]
    melody = iter([62, 66, 69, 66, 64, 66, 67, 69, 71, 69, 67, 64, 66, 64, 62, 61, 62, 66, 69, 73, 74, 73, 71,
                   69, 67, 66, 64, 62, 61, 64])
    events = []
    for bar in range(7):
        events += [(next(melody), bar * 3 + s, d) for s, d in bar_rhythms[bar % 2]]
    return events + [(62, 21, 3)]


def medley(gap_s: float = 1.5) -> tuple[list[Note], float]:
    """Two pieces played one after the other with `gap_s` of silence between them: the waltz in G
    major, 3/4 (16 bars at 90 BPM, each bar's first beat louder: transcribed, the even waltz of 16
    bars reads 4/4 and 3/4 about equally well), then the two-hand piece moved down a tone to E-flat major, 4/4,
    played twice (16 bars at 100 BPM). The notes in seconds, and when the second piece starts."""
    first = play(waltz(16), 90, accent_every=3)
    start = max(n.end_s for n in first) + gap_s
    second = [(p - 2, s + 32 * k, d) for k in range(2) for p, s, d in two_hand_piece()]
    return first + [replace(n, start_s=n.start_s + start, end_s=n.end_s + start)
                    for n in play(second, 100, accent_every=4)], start


def long_piece(minutes: float, seed: int = 2) -> list[Note]:
    """Random eighths at 120 BPM (4 notes a second) over a bass note every beat, every fourth one
    louder: `minutes` of dense piano music, as notes in seconds."""
    rng = np.random.default_rng(seed)
    notes, t = [], 0.0
    for i in range(int(minutes * 240)):
        notes.append(Note(int(rng.integers(60, 84)), t, t + 0.22, 80))
        if i % 2 == 0:
            notes.append(Note(int(rng.integers(36, 55)), t, t + 0.45, 95 if i % 8 == 0 else 70))
        t += 0.25
    return notes


def maple_leaf_rag(seconds: float = 180.0, quarter_s: float = 0.6) -> list[Note]:
    """Joplin's Maple Leaf Rag from music21's corpus played straight at `quarter_s` a quarter note
    (100 BPM) and again from the top, cut at `seconds`: a dense two-hand piano piece as notes in
    seconds (3 minutes: 2834 notes)."""
    from music21 import corpus

    piece = corpus.parse("joplin/maple_leaf_rag").flatten().notes.stream()
    length = float(piece.highestTime) * quarter_s
    notes = []
    for repeat in range(int(seconds // length) + 1):
        for chord in piece:
            start = repeat * length + float(chord.offset) * quarter_s
            if start < seconds:
                end = start + max(float(chord.quarterLength) * quarter_s, 0.05)
                notes += [Note(p.midi, start, end, 80) for p in chord.pitches]
    return sorted(notes, key=lambda n: (n.start_s, n.pitch))


def rag(bars: int = 16):
    """A rag in 2/4 and C major in straight sixteenths: the right hand runs up and down the bar's
    chord, every other bar with the rag's syncopation (sixteenth, eighth, sixteenth); the left hand
    plays the oom-pah, a bass note on each beat and the chord on each off-beat eighth."""
    harmony = [(48, [60, 64, 67]), (53, [60, 65, 69]), (43, [59, 62, 65, 67]), (48, [60, 64, 67])]
    events = []
    for bar in range(bars):
        bass, chord = harmony[(bar // 2) % 4]
        at = 2 * bar
        tones = [p + 12 for p in chord] + [chord[0] + 24]
        turn = tones + tones[-2:0:-1]  # up and down again
        run = [turn[k % len(turn)] for k in range(8)]
        if bar % 2:
            events += [(run[0], at, 0.25), (run[2], at + 0.25, 0.5), (run[3], at + 0.75, 0.25)]
            events += [(run[4 + k], at + 1 + 0.25 * k, 0.25) for k in range(4)]
        else:
            events += [(p, at + 0.25 * k, 0.25) for k, p in enumerate(run)]
        events += [(bass, at, 0.5), (bass - 12 if bar % 2 else bass + 7, at + 1, 0.5)]
        events += [(p, at + off, 0.5) for off in (0.5, 1.5) for p in chord]
    return events
