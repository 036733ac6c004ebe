"""Notes (and optionally audio) to a beat grid: beat times in seconds, meter and downbeat.

The beat is the tactus: a quarter note in 2/4, 3/4 and 4/4, a dotted quarter in 6/8, a half note
in 2/2 and 4/2. Tempo may change: the grid is a list of beat times, tracked by dynamic programming
(librosa's beat tracker) on an onset envelope built from the notes, with a local tempo that may drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunescribe.notes import Note

FPS = 100  # onset envelope frames per second
_SR, _HOP = 1000, 10  # how librosa is told the frame rate (FPS = _SR / _HOP)
DEFAULT_BPM = 120.0
# A pulse faster than this is a subdivision: players and readers rarely take a quarter (or a
# dotted quarter) faster, and a tracker tuned around 120 BPM often locks onto eighth notes.
FASTEST_BEAT_BPM = 140.0
# Notes that mostly last this many quarter-note beats or more, with few eighths between beats,
# are written with a half-note beat (2/2, 4/2): long-note polyphony and hymns read so.
HALF_NOTE_BEAT_DURATION = 1.5
HALF_NOTE_BEAT_EIGHTHS = 0.1
HALF_BAR_RATIO = 0.75


@dataclass(frozen=True)
class BeatGrid:
    beats_s: np.ndarray  # tactus beat times in seconds, increasing; beats_s[0] is a downbeat
    beats_per_bar: int  # tactus beats in a bar: 2 (2/4, 6/8, 2/2), 3 (3/4), 4 (4/4, 4/2)
    division: int  # 2: beats divide into halves (simple meter); 3: into thirds (6/8)
    beat_note: int = 4  # the beat's note value (dotted in compound meters): 4 = quarter, 2 = half

    @property
    def meter(self) -> str:
        """The time signature as written, e.g. "3/4", "6/8" or "2/2"."""
        if self.division == 3:
            return f"{3 * self.beats_per_bar}/{2 * self.beat_note}"
        return f"{self.beats_per_bar}/{self.beat_note}"

    @property
    def beat_quarters(self) -> float:
        """Length of one beat in quarter notes: 1.0 for a quarter, 1.5 (dotted quarter) in 6/8,
        2.0 for the half note of 2/2."""
        return 4 / self.beat_note * (1.5 if self.division == 3 else 1.0)

    @property
    def tempo_bpm(self) -> float:
        """Median tempo in beats per minute (dotted quarters per minute in 6/8)."""
        if len(self.beats_s) < 2:
            return DEFAULT_BPM
        return float(60.0 / np.median(np.diff(self.beats_s)))

    def to_beats(self, times_s) -> np.ndarray:
        """Seconds -> beat positions (0 = beats_s[0]), linear between beats, extrapolated outside."""
        t = np.asarray(times_s, dtype=float)
        b = self.beats_s
        idx = np.arange(len(b), dtype=float)
        out = np.interp(t, b, idx)
        first, last = b[1] - b[0], b[-1] - b[-2]
        out = np.where(t < b[0], (t - b[0]) / first, out)
        return np.where(t > b[-1], idx[-1] + (t - b[-1]) / last, out)

    def to_seconds(self, beats) -> np.ndarray:
        """Beat positions -> seconds, the inverse of `to_beats`."""
        x = np.asarray(beats, dtype=float)
        b = self.beats_s
        idx = np.arange(len(b), dtype=float)
        out = np.interp(x, idx, b)
        out = np.where(x < 0, b[0] + x * (b[1] - b[0]), out)
        return np.where(x > idx[-1], b[-1] + (x - idx[-1]) * (b[-1] - b[-2]), out)


def onset_envelope(notes: list[Note], n_frames: int) -> np.ndarray:
    """Onset strength at FPS frames: each onset adds its loudness, a little more for long notes."""
    env = np.zeros(n_frames, np.float32)
    if notes:
        starts = np.array([n.start_s for n in notes])
        frames = np.clip(np.round(starts * FPS).astype(int), 0, n_frames - 1)
        dur = np.array([min(n.end_s - n.start_s, 1.0) for n in notes])
        weight = np.array([n.velocity / 127 for n in notes]) * (1.0 + 0.25 * dur)
        np.add.at(env, frames, weight.astype(np.float32))
    kernel = np.array([0.25, 0.5, 1.0, 0.5, 0.25], np.float32)  # tolerate ~20 ms of timing jitter
    return np.convolve(env, kernel, mode="same")


def audio_envelope(audio: np.ndarray, sample_rate: int, n_frames: int) -> np.ndarray:
    """librosa's spectral-flux onset strength of a mono signal, resampled to FPS frames."""
    import librosa

    hop = 256
    env = librosa.onset.onset_strength(y=np.asarray(audio, np.float32), sr=sample_rate, hop_length=hop)
    times = np.arange(len(env)) * hop / sample_rate
    return np.interp(np.arange(n_frames) / FPS, times, env, right=0.0).astype(np.float32)


def track_beats(notes: list[Note], audio: np.ndarray | None = None, sample_rate: int = 16_000) -> np.ndarray:
    """Beat times in seconds covering every note (first beat at or before the first onset, last
    at or after the last note's end). Few notes: a steady 120 BPM grid from the first onset."""
    import librosa

    end_s = max((n.end_s for n in notes), default=0.0)
    if audio is not None:
        end_s = max(end_s, len(audio) / sample_rate)
    if len(notes) < 4:
        t0 = min((n.start_s for n in notes), default=0.0)
        return _extend(np.array([t0, t0 + 60 / DEFAULT_BPM]), t0, end_s)
    n_frames = int(end_s * FPS) + FPS
    env = onset_envelope(notes, n_frames)
    if audio is not None and len(audio):
        a = audio_envelope(audio, sample_rate, n_frames)
        env = env / (env.max() + 1e-9) + 0.5 * a / (a.max() + 1e-9)
    global_bpm, local = local_tempo(env)
    _, beats = librosa.beat.beat_track(onset_envelope=env, sr=_SR, hop_length=_HOP, bpm=local,
                                       trim=False, units="time", tightness=200)
    beats = np.unique(np.asarray(beats, float))
    if len(beats) < 2:
        beats = np.array([0.0, 60 / global_bpm])
    onsets = np.array([n.start_s for n in notes])
    return _extend(beats, float(onsets.min()), end_s)


def local_tempo(env: np.ndarray, start_bpm: float = 120.0, win_s: float = 8.0, hop_s: float = 0.5):
    """(global BPM, BPM at every envelope frame) from autocorrelations of 8-second windows every
    half second, weighted by a log-normal prior around `start_bpm` (one octave wide) for the global
    tempo and around the global tempo (half an octave) for the local ones; kept on the global
    tempo's metrical level and smoothed over about four seconds."""
    import librosa

    win, hop = int(win_s * FPS), int(hop_s * FPS)
    padded = np.pad(env, (win // 2, win // 2 + hop))
    frames = librosa.util.frame(padded, frame_length=win, hop_length=hop) * np.hanning(win)[:, None]
    ac = librosa.autocorrelate(frames, axis=0)
    ac = ac / (np.abs(ac).max(axis=0, keepdims=True) + 1e-9)
    lags = np.arange(int(FPS * 60 / 320), int(FPS * 60 / 30) + 1)
    bpm = 60.0 * FPS / lags
    ac = ac[lags]

    def prior(centre, octaves):
        return np.exp(-0.5 * (np.log2(bpm / centre) / octaves) ** 2)[:, None]

    global_bpm = float(bpm[np.argmax((ac.mean(axis=1, keepdims=True) * prior(start_bpm, 1.0))[:, 0])])
    local = bpm[np.argmax(ac * prior(global_bpm, 0.5), axis=0)]
    frame_bpm = np.interp(np.arange(len(env)), np.arange(len(local)) * hop, local)
    return global_bpm, _fold_octaves(frame_bpm, global_bpm)


def _fold_octaves(local_bpm: np.ndarray, global_bpm: float) -> np.ndarray:
    """Keep a local tempo on the same metrical level as the global one (no sudden halving or
    doubling), then smooth it over about four seconds."""
    from scipy.ndimage import median_filter

    ratios = np.array([0.5, 2 / 3, 1.0, 1.5, 2.0])
    folded = local_bpm / ratios[np.argmin(np.abs(np.log(local_bpm[:, None] / (global_bpm * ratios))), axis=1)]
    folded = np.where(np.abs(np.log(folded / global_bpm)) < 0.3, folded, global_bpm)
    return median_filter(folded, size=4 * FPS + 1, mode="nearest")


def _extend(beats: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """Drop beats far before `start_s`, add beats at the local period until the grid covers
    [start_s, end_s]: first beat <= start_s + a tenth of a beat, last beat >= end_s."""
    beats = np.asarray(beats, float)
    period0 = beats[1] - beats[0]
    keep = beats >= start_s - 0.5 * period0
    if keep.sum() >= 2:
        beats = beats[keep]
    out = list(beats)
    while out[0] > start_s + 0.1 * (out[1] - out[0]):
        out.insert(0, out[0] - (out[1] - out[0]))
    while out[-1] < end_s:
        out.append(out[-1] + (out[-1] - out[-2]))
    return np.array(out)


def estimate_meter(notes: list[Note], beats_s: np.ndarray) -> BeatGrid:
    """Division (halves or thirds), bar length and downbeat from the notes on a beat grid.

    Each beat gets an accent: summed loudness of the onsets on it, the length (in beats) of the
    longest note starting there, and whether a low note starts there. Bars of 2, 3 and 4 beats at
    every phase are scored by how much their first beats stand out. A fast pulse (above
    FASTEST_BEAT_BPM) is a sub-beat: grouped in threes it is the eighth notes of 6/8, in twos those of a simple
    meter, and beats are regrouped accordingly. Long notes on a quarter-note pulse make the half
    note the beat (see `_half_note_beat`). The grid is extended backwards so it begins on a downbeat.
    """
    beats_s = np.asarray(beats_s, float)
    if len(notes) < 4 or len(beats_s) < 4:
        return BeatGrid(beats_s, 4, 2)
    grid = BeatGrid(beats_s, 4, 2)
    pos = grid.to_beats([n.start_s for n in notes])
    division = _division(pos)
    accent = _accents(notes, pos, len(beats_s))
    bar, phase, _ = _best_grouping(accent, (2, 3))
    if grid.tempo_bpm > FASTEST_BEAT_BPM and division == 2 and len(beats_s) >= 2 * bar + 2:  # a sub-beat pulse
        beats_s = beats_s[phase::bar]
        if bar == 3:  # eighth notes of 6/8
            return estimate_meter_on(notes, beats_s, 3)
        return estimate_meter(notes, beats_s)  # eighths of a simple meter: halve the tempo
    return _finish(notes, beats_s, accent, division, bar, phase)


def estimate_meter_on(notes: list[Note], beats_s: np.ndarray, division: int) -> BeatGrid:
    """Bar length and downbeat on a grid whose division is already known."""
    grid = BeatGrid(beats_s, 4, division)
    pos = grid.to_beats([n.start_s for n in notes])
    accent = _accents(notes, pos, len(beats_s))
    bar, phase, _ = _best_grouping(accent, (2,) if division == 3 else (2, 3))
    return _finish(notes, beats_s, accent, division, bar, phase)


def _finish(notes, beats_s, accent, division, bar, phase) -> BeatGrid:
    """The grid of the chosen grouping: 6/8 in compound time; in simple time a half-note beat for
    long notes, else 4/4 rather than 2/4 when beats 1 and 3 of a four-beat bar differ."""
    first_onset = min(n.start_s for n in notes)
    if division == 2 and bar != 3 and _half_note_beat(notes, beats_s):
        halves = beats_s[_best_grouping(accent, (2,))[1]::2]
        if len(halves) >= 4:
            grid = BeatGrid(halves, 4, 2, beat_note=2)
            bar, phase = _two_or_four(_accents(notes, grid.to_beats([n.start_s for n in notes]), len(halves)))
            return BeatGrid(_back_to_downbeat(halves, bar, phase, first_onset), bar, 2, beat_note=2)
    if division == 3:
        bar = 2  # 6/8 (a 12/8 or 9/8 bar is written as 6/8 bars)
        phase %= 2
    elif bar == 2:
        bar, phase = _two_or_four(accent)
    return BeatGrid(_back_to_downbeat(beats_s, bar, phase, first_onset), bar, division)


def _two_or_four(accent: np.ndarray) -> tuple[int, int]:
    """(bar, phase) of a duple meter: four beats when beats 1 and 3 of a bar differ enough
    (HALF_BAR_RATIO of the two-beat contrast), else two."""
    _, phase4, score4 = _best_grouping(accent, (4,))
    _, phase2, score2 = _best_grouping(accent, (2,))
    return (4, phase4) if score4 >= HALF_BAR_RATIO * score2 else (2, phase2)


def _back_to_downbeat(beats_s: np.ndarray, bar: int, phase: int, start_s: float) -> np.ndarray:
    """Beats extended backwards so that the first one is a downbeat (beat `phase` is one) at or
    before `start_s` (a regrouped pulse may have dropped the first beats)."""
    beats = list(beats_s)
    step = beats[1] - beats[0]
    n_before = (bar - phase) % bar
    while beats[0] - n_before * step > start_s + 0.1 * step:
        n_before += bar
    for _ in range(n_before):
        beats.insert(0, beats[0] - step)
    return np.array(beats)


def _half_note_beat(notes: list[Note], beats_s: np.ndarray) -> bool:
    """True when, on a quarter-note pulse, the median note lasts HALF_NOTE_BEAT_DURATION beats or
    more and few onsets fall halfway between beats: music that reads in half notes."""
    grid = BeatGrid(beats_s, 4, 2)
    start = grid.to_beats([n.start_s for n in notes])
    length = grid.to_beats([n.end_s for n in notes]) - start
    frac = start - np.floor(start)
    eighths = np.mean(np.abs(frac - 0.5) < 0.15)
    return bool(np.median(length) >= HALF_NOTE_BEAT_DURATION and eighths < HALF_NOTE_BEAT_EIGHTHS)


def _division(pos: np.ndarray) -> int:
    """3 when most off-beat onsets sit on thirds of a beat rather than on halves or quarters."""
    frac = pos - np.floor(pos)
    off = frac[(frac > 0.12) & (frac < 0.88)]
    if len(off) < 4:
        return 2
    err2 = np.min(np.abs(off[:, None] - np.array([0.25, 0.5, 0.75])), axis=1)
    err3 = np.min(np.abs(off[:, None] - np.array([1 / 3, 2 / 3])), axis=1)
    return 3 if np.mean(err3 < err2) > 0.6 else 2


def _accents(notes: list[Note], pos: np.ndarray, n_beats: int) -> np.ndarray:
    """Per beat: z-scored loudness of onsets on it + longest note starting there + low-note start."""
    k = np.round(pos).astype(int)
    on_beat = (np.abs(pos - k) < 0.15) & (k >= 0) & (k < n_beats)
    loud = np.zeros(n_beats)
    longest = np.zeros(n_beats)
    low = np.zeros(n_beats)
    pitches = np.array([n.pitch for n in notes])
    low_cut = np.percentile(pitches, 25)
    for n, kk, ok in zip(notes, k, on_beat):
        if not ok:
            continue
        loud[kk] += n.velocity / 127
        longest[kk] = max(longest[kk], n.end_s - n.start_s)
        if n.pitch <= low_cut:
            low[kk] = 1.0
    accent = np.zeros(n_beats)
    for f in (loud, longest, low):
        if f.std() > 1e-9:
            accent += (f - f.mean()) / f.std()
    return accent


def _best_grouping(accent: np.ndarray, bars) -> tuple[int, int, float]:
    """(bar length, phase, contrast): the grouping whose first beats are most accented, measured
    as mean accent on first beats minus mean accent elsewhere."""
    best = (bars[0], 0, -np.inf)
    idx = np.arange(len(accent))
    for bar in bars:
        for phase in range(bar):
            first = idx % bar == phase
            if first.sum() == 0 or (~first).sum() == 0:
                continue
            score = (accent[first].mean() - accent[~first].mean())
            if score > best[2] + 1e-9:
                best = (bar, phase, float(score))
    return best


def beat_grid(notes: list[Note], audio: np.ndarray | None = None, sample_rate: int = 16_000) -> BeatGrid:
    """Track beats, then estimate meter and downbeat: the whole beat stage in one call."""
    return estimate_meter(notes, track_beats(notes, audio, sample_rate))
