"""The one transcription path, called by the CLI, the worker, the benchmarks and the trainer:
audio file -> samples -> notes -> MIDI, and with sheet music: MusicXML, a score-aligned MIDI and
the time map. Its stages and output files are named once, in tunescribe.outputs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tunescribe.audio import load_audio
from tunescribe.auto import AutoModels
from tunescribe.constants import MAX_DURATION_S, SAMPLE_RATE
from tunescribe.features import compute_features
from tunescribe.midi import write_midi
from tunescribe.notes import Note
from tunescribe.outputs import Output, Stage
from tunescribe.pedal import PedalSpan, spans_from_roll


SHEET_MUSIC = (Output.MUSICXML, Output.SCORE_MIDI, Output.TIMEMAP)

ProgressFn = Callable[[Stage, float], None]


@dataclass
class Transcription:
    notes: list[Note]  # end_s: key release
    pedal: list[PedalSpan] = field(default_factory=list)  # sustain pedal; empty from a model without a pedal head
    model_version: str | None = None  # the model that heard it (Auto's choice)
    beats: np.ndarray | None = None  # the beat network's (frames, 2) beat and downbeat activations, when asked for


@dataclass
class Outputs:
    """What `transcribe_file` wrote and found."""

    files: dict[Output, Path]
    notes: list[Note]
    duration_s: float
    pedal: list[PedalSpan] = field(default_factory=list)
    model_version: str | None = None
    score: object | None = None  # tunescribe.notation.ScoreResult, with sheet music
    timings: dict[Stage, float] = field(default_factory=dict)  # seconds per stage


def transcribe_audio(y: np.ndarray, model, on_progress: Callable[[float], None] | None = None,
                     beats: bool = False) -> Transcription:
    """Mono float32 at SAMPLE_RATE -> notes (every one inside the signal's duration) and, from a
    model with a pedal head, the sustain pedal; with `beats`, the beat network's activations too
    (for the sheet music). `model` is a loaded tunescribe.model.TranscriptionModel, or
    tunescribe.auto.AutoModels, which picks one from the features; `on_progress(fraction)` follows
    its pass over the recording. Raises tunescribe.cards.ModelError when a model cannot be loaded."""
    duration = len(y) / SAMPLE_RATE
    features = compute_features(y)
    if isinstance(model, AutoModels):
        model = model.pick(features)
    post = model.posteriors(features, on_progress=on_progress)
    notes = model.notes(post)
    notes = [Note(n.pitch, n.start_s, min(n.end_s, duration), n.velocity) for n in notes if n.start_s < duration]
    heard = None
    if beats:
        from tunescribe.beatnet import load_beat_model

        heard = load_beat_model().activations(features)
    return Transcription(notes, [] if post.pedal is None else spans_from_roll(post.pedal), model.version, beats=heard)


def transcribe_file(audio_path: str | Path, out_dir: str | Path, stem: str, *, model, sheet_music: bool = True,
                    pdf: bool = False, title: str | None = None, max_duration_s: float = MAX_DURATION_S,
                    on_progress: ProgressFn | None = None) -> Outputs:
    """Transcribe one recording into `out_dir`/`stem` + each Output suffix (the sheet-music files
    only with `sheet_music`, and with `pdf` the score engraved as a PDF too; the MusicXML titled
    `title`, else `stem`).

    Raises tunescribe.audio.AudioError for a file that cannot be transcribed,
    tunescribe.notation.weights.NotationModelError when the notation weights are missing, and
    tunescribe.notation.engrave.EngravingError when the PDF cannot be made.
    `on_progress(stage, fraction of that stage)` is called as each stage starts and advances."""
    report = on_progress or (lambda stage, fraction: None)
    out_dir = Path(out_dir)
    timings: dict[Stage, float] = {}

    t = time.perf_counter()
    report(Stage.DECODING, 0.0)
    audio = load_audio(audio_path, max_duration_s=max_duration_s)
    timings[Stage.DECODING] = time.perf_counter() - t

    t = time.perf_counter()
    report(Stage.TRANSCRIBING, 0.0)
    found = transcribe_audio(audio, model, on_progress=lambda f: report(Stage.TRANSCRIBING, f),
                             beats=sheet_music or pdf)
    timings[Stage.TRANSCRIBING] = time.perf_counter() - t
    files, score = _write_outputs(found.notes, found.pedal, audio, out_dir, stem, sheet_music=sheet_music, pdf=pdf,
                                  title=title, report=report, timings=timings, activations=found.beats)
    return Outputs(files, found.notes, len(audio) / SAMPLE_RATE, found.pedal, found.model_version, score, timings)


def notate_file(notes: list[Note], out_dir: str | Path, stem: str, *, time_map: str | Path,
                score_midi: str | Path, pedal: list[PedalSpan] = (), title: str | None = None,
                on_progress: ProgressFn | None = None) -> Outputs:
    """`transcribe_file` from given notes instead of the model's (a corrected transcription): the
    same MIDI and sheet music from `notes` and the sustain `pedal` (seconds), into
    `out_dir`/`stem` + each Output suffix. The notes are written on the beats and meter of the
    transcription they correct, read from its `time_map` and `score_midi` files: a correction moves
    no bar line, and needs neither the recording nor the beat tracker (its time map reaches as far
    as the original's). No PDF: a correction's is engraved when it is asked for. Raises
    tunescribe.notation.timemap.TimeMapError for files that are not a score's, and
    NotationModelError as transcribe_file."""
    from tunescribe.notation.timemap import kept_grids, kept_pieces, read_meters, read_time_map

    notes = sorted(notes, key=lambda n: (n.start_s, n.pitch))
    timings: dict[Stage, float] = {}
    grids, end_s = kept_grids(read_time_map(time_map), read_meters(score_midi), notes[0].start_s if notes else None)
    files, score = _write_outputs(notes, list(pedal), None, Path(out_dir), stem, sheet_music=True, pdf=False,
                                  title=title, report=on_progress or (lambda stage, fraction: None), timings=timings,
                                  pieces=kept_pieces(notes, grids), end_s=end_s)
    return Outputs(files, notes, end_s, list(pedal), None, score, timings)


def _write_outputs(notes: list[Note], pedal: list[PedalSpan], audio: np.ndarray | None, out_dir: Path, stem: str, *,
                   sheet_music: bool, pdf: bool, title: str | None, report: ProgressFn, timings: dict[Stage, float],
                   pieces=None, end_s: float = 0.0,
                   activations: np.ndarray | None = None) -> tuple[dict[Output, Path], object | None]:
    """The MIDI and, with `sheet_music` or `pdf`, the notation stage's files of `notes` (its
    seconds in `timings`): the one export path of transcribe_file and notate_file. `pieces` and
    `end_s` and `activations` as tunescribe.notation.score.build_score takes them. Returns the files by Output and
    the tunescribe.notation.ScoreResult (None without sheet music)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {Output.MIDI: out_dir / f"{stem}{Output.MIDI}"}
    write_midi(notes, files[Output.MIDI], pedal=pedal)

    score = None
    if sheet_music or pdf:
        from tunescribe.notation.export import write_score_midi
        from tunescribe.notation.musicxml import write_musicxml
        from tunescribe.notation.score import build_score

        t = time.perf_counter()
        report(Stage.NOTATION, 0.0)
        files.update({kind: out_dir / f"{stem}{kind}" for kind in SHEET_MUSIC})
        score = build_score(notes, audio, pedal=pedal, pieces=pieces, end_s=end_s,
                            activations=activations)
        report(Stage.NOTATION, 0.4)  # the score made; writing it remains
        write_musicxml(score, files[Output.MUSICXML], title or stem)
        write_score_midi(score, files[Output.SCORE_MIDI])
        files[Output.TIMEMAP].write_text(json.dumps([asdict(e) for e in score.time_map]))
        if pdf:
            from tunescribe.notation.engrave import write_pdf

            report(Stage.NOTATION, 0.5)
            files[Output.PDF] = write_pdf(files[Output.MUSICXML], out_dir / f"{stem}{Output.PDF}")
        timings[Stage.NOTATION] = time.perf_counter() - t
    return files, score
