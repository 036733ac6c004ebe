"""Beat grids, and the pulse tracked from the notes (and the beat network's activations, when it
heard the recording: tunescribe.beatnet).

A BeatGrid's beat is the notated beat: a quarter note in 2/4, 3/4 and 4/4, a dotted quarter in
6/8, 9/8 and 12/8, a half note in 2/2, 3/2 and 4/2, an eighth in 4/8. Tempo may change: the grid
is a list of beat times. The pulse comes from dynamic programming (Ellis's, as librosa's beat_track, `track_beats`) on an
onset envelope built from the notes, with a local tempo that may drift, at the most periodic tempo
and at a second one three or four to the main one's two or three; which pulse, which note value it
is, the meter and the downbeat are chosen in meter.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from tunescribe.constants import FRAMES_PER_SECOND
from tunescribe.notes import Note

FPS = 100  # onset envelope frames per second
TIGHTNESS = 200.0  # how closely the beats keep to the local tempo (librosa's beat_track's tightness)
DEFAULT_BPM = 120.0
# the beat network's activation against the notes' envelope, each scaled to unit spread (chosen on
# validation renditions through soundfonts the network was not trained on: services/trainer/beatnet.py
# --hold-out, models/beats-v2/card.json "decoding_held_out")
BEAT_WEIGHT = 1.0


@dataclass(frozen=True)
class BeatGrid:
    beats_s: np.ndarray  # tactus beat times in seconds, increasing; beats_s[0] is a downbeat
    beats_per_bar: int  # beats in a bar: 1 (3/8), 2 (2/4, 6/8, 2/2), 3 (3/4, 9/8, 3/2), 4 (4/4, 12/8, 4/2, 4/8)
    division: int  # 2: beats divide into halves (simple meter); 3: into thirds (compound: 6/8)
    beat_note: int = 4  # the beat's note value (dotted in compound meters): 8 = eighth, 4 = quarter, 2 = half

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


def track_pulses(notes: list[Note], audio: np.ndarray | None = None, sample_rate: int = 16_000,
                 activations: np.ndarray | None = None, beat_weight: float = BEAT_WEIGHT) -> list[np.ndarray]:
    """Pulses tracked on the notes' onsets, each a list of beat times in seconds covering every
    note and the recording (first beat at or before the first onset, last at or after the last
    note's end and the audio's end): the main pulse, at the most periodic tempo, then one at the
    most periodic tempo two or three times as fast or slow as a third of the main one (in a stream
    of even sixteenths, three of them recur as well as four: which is the beat, the meter model
    decides, meter.py). With the beat network's `activations` ((frames, 2) at the features' FRAMES_PER_SECOND), its
    beat activation joins the notes' envelope, weighted `beat_weight`, and the pulse it tracks alone
    comes last. Few notes: one steady 120 BPM grid from the first onset."""
    end_s = max((n.end_s for n in notes), default=0.0)
    if audio is not None:
        end_s = max(end_s, len(audio) / sample_rate)
    if len(notes) < 4:
        t0 = min((n.start_s for n in notes), default=0.0)
        return [_extend(np.array([t0, t0 + 60 / DEFAULT_BPM]), t0, end_s)]
    n_frames = int(end_s * FPS) + FPS
    # the notes alone: on the validation split they track better than with the audio's spectral
    # flux mixed in (best reachable beat F 0.887 against 0.826), the transcription having already
    # told the onsets from the noise
    env = onset_envelope(notes, n_frames)
    heard = activations is not None and len(activations) > 0
    if heard:
        act = activation_envelope(activations[:, 0], n_frames)
        env = env / (env.std() + 1e-9) + beat_weight * act / (act.std() + 1e-9)
    bpm, ac = tempogram(env)
    onset0 = float(min(n.start_s for n in notes))
    pulses = []
    for global_bpm in tempi(bpm, ac):
        beats = np.unique(track_beats(env, local_tempo(bpm, ac, global_bpm, len(env))))
        if len(beats) < 2:
            beats = np.array([0.0, 60 / global_bpm])
        pulses.append(_extend(beats, onset0, end_s))
    if heard and len(beats := beats_from_activations(activations)[0]) >= 2:
        pulses.append(_extend(beats, onset0, end_s))  # the pulse the beat network hears alone
    return pulses


def activation_envelope(activation: np.ndarray, n_frames: int) -> np.ndarray:
    """A beat network's activation (at FRAMES_PER_SECOND) at the envelope's FPS frames, `n_frames` long."""
    t = np.arange(n_frames) / FPS
    return np.interp(t, np.arange(len(activation)) / FRAMES_PER_SECOND, activation, right=0.0).astype(np.float32)


def beats_from_activations(activations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(beat times, downbeat times) in seconds from a beat network's (frames, 2) activations alone:
    the beats tracked on the beat activation as on a note envelope, the downbeats every second,
    third or fourth of them, at the bar length and phase whose beats carry the most downbeat
    activation above the others'."""
    n = int(len(activations) / FRAMES_PER_SECOND * FPS)
    env = activation_envelope(activations[:, 0], n)
    if len(env) < FPS or not env.any():
        return np.zeros(0), np.zeros(0)
    bpm, ac = tempogram(env)
    beats = np.unique(track_beats(env, local_tempo(bpm, ac, tempi(bpm, ac)[0], len(env))))
    if len(beats) < 2:
        return beats, beats[:0]
    down = np.interp(beats, np.arange(len(activations)) / FRAMES_PER_SECOND, activations[:, 1])
    best, where = -np.inf, (1, 0)
    for per_bar in (2, 3, 4):
        for phase in range(per_bar):
            on = np.arange(len(beats)) % per_bar == phase
            contrast = down[on].mean() - down[~on].mean()
            if contrast > best:
                best, where = contrast, (per_bar, phase)
    return beats, beats[where[1]::where[0]]


def track_beats(env: np.ndarray, bpm: np.ndarray) -> np.ndarray:
    """Beat times (seconds) by dynamic programming (Ellis 2007) on an onset envelope at FPS frames,
    at a tempo (BPM) given for every frame: librosa's beat_track(trim=False) beat for beat, whose
    time-varying tempo computes a Gaussian window for every frame (two thirds of the beat stage's
    time). Here the frames that share a period share one window."""
    import librosa

    if not env.any():
        return np.zeros(0)
    period = np.round(FPS * 60.0 / np.asarray(bpm, float))  # frames per beat
    norm = env / (env.std(ddof=1) + np.finfo(env.dtype).tiny)
    score = _local_score(norm, period)
    backlink, cumscore = _beat_dp(score, period, TIGHTNESS)
    peaks = librosa.util.localmax(cumscore)
    threshold = 0.5 * np.median(cumscore[peaks])
    tail = np.flatnonzero(peaks & (cumscore >= threshold))
    beats = []
    n = tail[-1] if len(tail) else len(cumscore) - 1
    while n >= 0:
        beats.append(n)
        n = backlink[n]
    beats = np.array(beats[::-1])
    nonzero = np.flatnonzero(score > 0)  # beats where the envelope has not yet begun, or has ended, are dropped
    beats = beats[(beats >= nonzero[0]) & (beats <= nonzero[-1])] if len(nonzero) else beats[:0]
    return beats / FPS


@njit(cache=True)
def _local_score(env, period):
    """The envelope around each frame under a Gaussian of a 32nd of the frame's period, summed in
    librosa's order (so that its ties fall the same way)."""
    n = len(env)
    out = np.zeros(n)
    top = int(period.max())
    windows = np.zeros((top + 1, 2 * top + 1))
    made = np.zeros(top + 1, np.bool_)
    for i in range(n):
        p = int(period[i])
        width = 2 * p + 1
        if not made[p]:
            windows[p, :width] = np.exp(-0.5 * (np.arange(-period[i], period[i] + 1) * 32.0 / period[i]) ** 2)
            made[p] = True
        acc = 0.0
        for k in range(max(0, i + p - n + 1), min(i + p, width)):
            acc += windows[p, k] * env[i + p - k]
        out[i] = acc
    return out


@njit(cache=True)
def _beat_dp(score, period, tightness):
    """Each frame's best predecessor between half and twice its period back, by the cumulated
    score less `tightness` times the squared log ratio of the gap to the period."""
    n = len(score)
    backlink = np.full(n, -1, np.int64)
    cumscore = np.zeros(n)
    logs = np.log(np.arange(1, int(2 * period.max()) + 2).astype(np.float64))  # logs[d - 1] = log(d)
    threshold = 0.01 * score.max()
    first = True
    for i in range(n):
        best, where = -np.inf, -1
        p = period[i]
        log_p = np.log(p)
        loc = i - int(np.round(p / 2))
        stop = i - 2 * int(p) - 1
        while loc > stop and loc >= 0:
            s = cumscore[loc] - tightness * (logs[i - loc - 1] - log_p) ** 2
            if s > best:
                best, where = s, loc
            loc -= 1
        cumscore[i] = score[i] + best if where >= 0 else score[i]
        if first and score[i] < threshold:
            backlink[i] = -1
        else:
            backlink[i] = where
            first = False
    return backlink, cumscore


_WIN_S, _HOP_S = 8.0, 0.5  # tempogram windows: 8 seconds every half second


def tempogram(env: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(BPM of each candidate period from 30 to 320, the periods' strength in each 8-second window
    every half second). A period is scored by the autocorrelation at its lag plus half that at
    twice its lag: a beat's double is a period of the music too (bars recur), the eighth's of a jig
    is not (its quarter is no pulse of 6/8)."""
    import librosa

    win, hop = int(_WIN_S * FPS), int(_HOP_S * FPS)
    padded = np.pad(env, (win // 2, win // 2 + hop))
    frames = librosa.util.frame(padded, frame_length=win, hop_length=hop) * np.hanning(win)[:, None]
    ac = librosa.autocorrelate(frames, axis=0)
    ac = ac / (np.abs(ac).max(axis=0, keepdims=True) + 1e-9)
    lags = np.arange(int(FPS * 60 / 320), int(FPS * 60 / 30) + 1)
    return 60.0 * FPS / lags, ac[lags] + 0.5 * ac[2 * lags]  # 2 * lags < win: the slowest period is a quarter of it


def _prior(bpm: np.ndarray, centre: float, octaves: float) -> np.ndarray:
    return np.exp(-0.5 * (np.log2(bpm / centre) / octaves) ** 2)


ALTERNATIVES = (2 / 3, 3 / 4, 4 / 3, 3 / 2)  # tempo ratios of the second pulse to the main one


def tempi(bpm: np.ndarray, ac: np.ndarray, start_bpm: float = 120.0) -> list[float]:
    """The main global tempo (the mean strength over the windows, weighted by a log-normal prior
    around `start_bpm` one octave wide), then the strongest tempo within 3 % of one of
    ALTERNATIVES times it, where there is one."""
    score = ac.mean(axis=1) * _prior(bpm, start_bpm, 1.0)
    main = float(bpm[np.argmax(score)])
    near = np.min(np.abs(np.log(bpm[:, None] / (main * np.array(ALTERNATIVES)))), axis=1) < 0.03
    return [main] + ([float(bpm[np.flatnonzero(near)[np.argmax(score[near])]])] if near.any() else [])


def local_tempo(bpm: np.ndarray, ac: np.ndarray, global_bpm: float, n_frames: int) -> np.ndarray:
    """The BPM at every envelope frame: each window's strongest period under a log-normal prior
    around the global tempo (half an octave wide), kept on the global tempo's metrical level and
    smoothed over about four seconds."""
    local = bpm[np.argmax(ac * _prior(bpm, global_bpm, 0.5)[:, None], axis=0)]
    frame_bpm = np.interp(np.arange(n_frames), np.arange(len(local)) * int(_HOP_S * FPS), local)
    return _fold_octaves(frame_bpm, global_bpm)


def _fold_octaves(local_bpm: np.ndarray, global_bpm: float) -> np.ndarray:
    """Keep a local tempo on the same metrical level as the global one (no sudden halving,
    doubling or switch between three and two or four), then smooth it over about four seconds."""
    from scipy.ndimage import median_filter

    ratios = np.array([0.5, 2 / 3, 3 / 4, 1.0, 4 / 3, 3 / 2, 2.0])
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


def compile_beat_tracker() -> None:
    """Run once after installing (make venv, the Dockerfile): numba compiles the beat tracker and
    caches the machine code beside its sources, and several processes compiling it at once
    (workers, a training pool) leave a cache that crashes every later process."""
    track_pulses([Note(60 + i % 5, 0.5 * i, 0.5 * i + 0.4, 80) for i in range(16)])
