"""The corpus on disk, written and read only here. A corpus folder holds manifest.json (one row per
rendition: id, work, split, instrument, kind, seconds, notes...; or work and error for one
skipped) and a folder per split; in it, <id>.npz holds the features (`features`: float16, frames x
N_BINS), the labelled notes as a table (`notes`: float32 rows of pitch, start s, end s = key
release, velocity) and the sustain pedal (`pedal`: float32 rows of start s, end s, depth 0..1;
(0, 3) without pedal, and absent from files written before it, which read as no pedal). Outside
the train split <id>.flac (the audio) and <id>.mid (the labels as MIDI, the pedal as CC64) are
written too, for evaluation; for a rendered corpus work, in every split, <id>.score.json, its true
score (services.trainer.truth)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from tunescribe.constants import SAMPLE_RATE
from tunescribe.midi import write_midi
from tunescribe.notes import Note
from tunescribe.pedal import PedalSpan

MANIFEST = "manifest.json"
PIANO, ENSEMBLE = "piano", "ensemble"  # a rendition's instrument (manifest field "instrument")


@dataclass
class Rendition:
    """One <id>.npz: what the model hears and what it should find."""
    features: np.ndarray  # (frames, N_BINS) float16
    notes: list[Note]  # end_s: key release
    pedal: list[PedalSpan] = field(default_factory=list)  # sustain pedal down, seconds


def notes_to_table(notes: list[Note]) -> np.ndarray:
    """Notes -> an (n, 4) float32 table: pitch, start (s), end (s), velocity."""
    return np.array([[n.pitch, n.start_s, n.end_s, n.velocity] for n in notes], np.float32).reshape(-1, 4)


def notes_from_table(table: np.ndarray) -> list[Note]:
    """An (n, 4) table of pitch, start (s), end (s), velocity -> notes."""
    return [Note(int(p), float(s), float(e), int(v)) for p, s, e, v in table]


def pedal_to_table(spans: list[PedalSpan]) -> np.ndarray:
    """Pedal spans -> an (n, 3) float32 table: start (s), end (s), depth."""
    return np.array([[p.start_s, p.end_s, p.depth] for p in spans], np.float32).reshape(-1, 3)


def pedal_from_table(table: np.ndarray) -> list[PedalSpan]:
    """An (n, 3) table of start (s), end (s), depth -> pedal spans."""
    return [PedalSpan(float(s), float(e), float(d)) for s, e, d in table]


def write_rendition(split_dir: Path, rid: str, features: np.ndarray, notes: list[Note],
                    audio: np.ndarray | None = None, true_score: dict | None = None,
                    pedal: list[PedalSpan] = ()) -> None:
    """<rid>.npz in `split_dir` (with the `pedal` table, empty when none); with `audio` (mono
    float32 at SAMPLE_RATE) <rid>.flac and <rid>.mid, with `true_score` <rid>.score.json."""
    split_dir.mkdir(parents=True, exist_ok=True)
    np.savez(split_dir / f"{rid}.npz", features=features.astype(np.float16), notes=notes_to_table(notes),
             pedal=pedal_to_table(list(pedal)))
    if audio is not None:
        sf.write(split_dir / f"{rid}.flac", audio, SAMPLE_RATE)
        write_midi(notes, split_dir / f"{rid}.mid", pedal=list(pedal))
    if true_score is not None:
        (split_dir / f"{rid}.score.json").write_text(json.dumps(true_score))


def read_rendition(path: Path) -> Rendition:
    """An <id>.npz file -> its features, labelled notes and pedal (none in a file without one)."""
    with np.load(path) as z:
        pedal = pedal_from_table(z["pedal"]) if "pedal" in z.files else []
        return Rendition(z["features"], notes_from_table(z["notes"]), pedal)


def read_notes(split_dir: Path, rid: str) -> list[Note]:
    """The labelled notes of rendition `rid`."""
    with np.load(split_dir / f"{rid}.npz") as z:
        return notes_from_table(z["notes"])


def write_manifest(corpus_dir: Path, rows: list[dict]) -> None:
    (corpus_dir / MANIFEST).write_text(json.dumps(rows, indent=1))


def instrument_of(row: dict) -> str:
    """A manifest row's instrument: PIANO or ENSEMBLE (rows written before the field: ENSEMBLE)."""
    return row.get("instrument", ENSEMBLE)


def is_solo_piano(row: dict) -> bool:
    """A rendition played on one piano and nothing else (what Auto should send to the piano model)."""
    return instrument_of(row) == PIANO or row.get("instruments") == ["piano"]


def read_manifest(corpus_dir: Path, split: str | None = None) -> list[dict]:
    """The rows of the renditions made (those of `split` only, when given); [] without a manifest."""
    path = corpus_dir / MANIFEST
    rows = json.loads(path.read_text()) if path.is_file() else []
    return [r for r in rows if "id" in r and (split is None or r["split"] == split)]
