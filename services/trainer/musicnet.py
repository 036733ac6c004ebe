"""MusicNet from a local folder -> the corpus format that train.py reads (one training code path).

    python -m services.trainer.musicnet --src /data/musicnet --out data/musicnet [--labels-dir /data/musicnet_em]
    python -m services.trainer.train --corpus data/musicnet --version tsunet-musicnet

MusicNet's published layout: `train_data/<id>.wav` and `test_data/<id>.wav` (44.1 kHz), with
`train_labels/<id>.csv` and `test_labels/<id>.csv` (start_time,end_time,instrument,note,start_beat,
end_beat,note_value; times in samples at 44.1 kHz, note a MIDI number), and optionally
`musicnet_metadata.csv` (its `ensemble` column becomes each recording's kind). `--labels-dir` takes
MusicNetEM's re-aligned labels instead of the CSVs: one `<id>.mid` per recording, anywhere below it.

Audio is decoded and resampled to 16 kHz by tunescribe.audio and featurized by
tunescribe.features, as every other input is. Validation is carved from MusicNet's train set by a
hash of the id; test is MusicNet's test set. A bad recording (no labels, no or unreadable audio,
malformed CSV, labels past the end of the audio, no notes) is reported with its reason and
skipped; it never stops the run.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import multiprocessing as mp
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.trainer.renditions import write_manifest, write_rendition
from services.trainer.works import SPLITS
from tunescribe.audio import load_audio
from tunescribe.constants import SAMPLE_RATE
from tunescribe.features import compute_features
from tunescribe.midi import read_midi_notes
from tunescribe.notes import Note

MUSICNET_RATE = 44_100  # Hz: the sample clock of MusicNet's label times
VALIDATION_PERCENT = 8  # of MusicNet's train recordings, chosen by id hash
CSV_COLUMNS = ("start_time", "end_time", "note")  # the ones we use; the others may be anything
CSV_VELOCITY = 80  # MusicNet's CSVs carry no dynamics: a mid-range velocity, near the synthetic corpus's mean
END_TOLERANCE_S = 0.5  # a note may end this far past the audio (then it is cut at the end); more is a mismatch
MAX_RECORDING_S = 60 * 60  # MusicNet's longest recordings are under 20 minutes


class BadRecording(Exception):
    """A recording that cannot be used; `str(error)` says why."""


@dataclass(frozen=True)
class Recording:
    id: str
    split: str  # train / validation / test
    audio: Path
    labels: Path  # .csv or .mid
    kind: str = "musicnet"  # MusicNet's ensemble, where the metadata gives it


def split_of(recording_id: str, musicnet_split: str) -> str:
    """MusicNet's test set stays test; its train set loses VALIDATION_PERCENT to validation, by id hash."""
    if musicnet_split == "test":
        return "test"
    h = int(hashlib.sha1(recording_id.encode()).hexdigest(), 16) % 100
    return "validation" if h < VALIDATION_PERCENT else "train"


def read_csv_labels(path: Path) -> list[Note]:
    """A MusicNet label CSV -> notes in seconds; BadRecording on a missing column or a malformed row."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise BadRecording(f"labels lack the column(s) {', '.join(missing)}")
        notes = []
        for row in reader:
            try:
                start, end, pitch = float(row["start_time"]), float(row["end_time"]), int(row["note"])
            except (TypeError, ValueError):
                raise BadRecording(f"malformed label row at line {reader.line_num}") from None
            if not (0 <= start <= end and 0 <= pitch <= 127):
                raise BadRecording(f"impossible note at line {reader.line_num} "
                                   f"(start {start:g}, end {end:g}, note {pitch})")
            notes.append(Note(pitch, start / MUSICNET_RATE, end / MUSICNET_RATE, CSV_VELOCITY))
    return notes


def read_labels(path: Path) -> list[Note]:
    """Notes from a MusicNet CSV or a MusicNetEM MIDI file, sorted by onset then pitch."""
    if path.suffix.lower() == ".csv":
        notes = read_csv_labels(path)
    else:
        try:
            notes = read_midi_notes(path)
        except Exception as e:  # mido raises several kinds on a damaged file
            raise BadRecording(f"unreadable MIDI labels ({type(e).__name__}: {e})"[:200]) from None
    return sorted(notes, key=lambda n: (n.start_s, n.pitch))


def list_recordings(src: Path, labels_dir: Path | None = None) -> tuple[list[Recording], list[tuple[str, str]]]:
    """Every recording under src with its labels, and (id, reason) for those without audio or labels."""
    kinds = {}
    metadata = src / "musicnet_metadata.csv"
    if metadata.is_file():
        with open(metadata, newline="") as f:
            kinds = {r["id"]: r["ensemble"] for r in csv.DictReader(f) if r.get("id") and r.get("ensemble")}
    em = {p.stem: p for p in sorted(labels_dir.rglob("*.mid"))} if labels_dir else {}
    recordings, problems = [], []
    for musicnet_split in ("train", "test"):
        audio = {p.stem: p for p in (src / f"{musicnet_split}_data").glob("*.wav")}
        csvs = {p.stem: p for p in (src / f"{musicnet_split}_labels").glob("*.csv")}
        for rid in sorted(audio.keys() | csvs.keys()):
            labels = em.get(rid) if labels_dir else csvs.get(rid)
            if rid not in audio:
                problems.append((rid, f"no audio ({musicnet_split}_data/{rid}.wav)"))
            elif labels is None:
                where = f"{rid}.mid below {labels_dir}" if labels_dir else f"{musicnet_split}_labels/{rid}.csv"
                problems.append((rid, f"no labels ({where})"))
            else:
                recordings.append(Recording(rid, split_of(rid, musicnet_split), audio[rid], labels,
                                            kinds.get(rid, "musicnet")))
    return recordings, problems


def load_recording(rec: Recording) -> tuple[np.ndarray, list[Note]]:
    """Mono float32 audio at SAMPLE_RATE and its notes (ends cut at the audio's end); BadRecording if unusable."""
    notes = read_labels(rec.labels)
    if not notes:
        raise BadRecording("the labels hold no notes")
    try:
        audio = load_audio(rec.audio, max_duration_s=MAX_RECORDING_S)
    except Exception as e:  # AudioError says why; anything else is reported the same way
        raise BadRecording(f"unreadable audio: {e}"[:200]) from None
    duration = len(audio) / SAMPLE_RATE
    last = max(n.end_s for n in notes)
    if last > duration + END_TOLERANCE_S:
        raise BadRecording(f"labels run to {last:.2f} s, past the end of the audio ({duration:.2f} s)")
    return audio, [Note(n.pitch, n.start_s, min(n.end_s, duration), n.velocity) for n in notes]


def convert_recording(rec: Recording, out_dir: Path) -> dict:
    """One recording -> <out>/<split>/<id>.npz (features and notes), plus .flac and .mid outside train
    (what evaluation and the benchmark read); returns its manifest row, or {"work", "error"}."""
    try:
        audio, notes = load_recording(rec)
        feats = compute_features(audio)
    except Exception as e:  # a bad recording is reported and skipped, never the end of the run
        reason = str(e) if isinstance(e, BadRecording) else f"{type(e).__name__}: {e}"[:300]
        return {"work": rec.id, "split": rec.split, "error": reason}
    write_rendition(out_dir / rec.split, rec.id, feats, notes, audio if rec.split != "train" else None)
    return {"id": rec.id, "work": f"musicnet/{rec.id}", "split": rec.split, "kind": rec.kind,
            "labels": "musicnet_em" if rec.labels.suffix.lower() == ".mid" else "musicnet",
            "seconds": len(audio) / SAMPLE_RATE, "notes": len(notes)}


def _convert(args) -> dict:
    return convert_recording(*args)


def convert(src: Path, out_dir: Path, labels_dir: Path | None = None, processes: int = 1,
            log=print) -> tuple[list[dict], list[tuple[str, str]]]:
    """A MusicNet folder -> a corpus folder (splits, manifest.json, description.txt).

    Returns the manifest rows of the converted recordings and (id, reason) for every one skipped.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    recordings, skipped = list_recordings(src, labels_dir)
    jobs = [(r, out_dir) for r in recordings]
    rows, t0 = [], time.time()
    with mp.get_context("spawn").Pool(processes) if processes > 1 else nullcontext() as pool:
        for row in (pool.imap if pool else map)(_convert, jobs):
            if "error" in row:
                skipped.append((row["work"], row["error"]))
                log(f"skipped {row['work']}: {row['error']}")
            else:
                rows.append(row)
            if (len(rows) + len(skipped)) % 10 == 0:
                log(f"{len(rows)} converted, {len(skipped)} skipped, {time.time() - t0:.0f} s")
    skipped.sort()
    kept = {r["id"] for r in rows}
    for f in out_dir.glob("*/*"):  # what an earlier conversion left of recordings not in this one
        if f.parent.name in SPLITS and f.name.split(".")[0] not in kept:
            f.unlink()
    write_manifest(out_dir, rows + [{"work": rid, "error": reason} for rid, reason in skipped])
    labels = "MusicNetEM's re-aligned MIDI labels" if labels_dir else "MusicNet's CSV labels (velocity 80 throughout)"
    (out_dir / "description.txt").write_text(
        f"MusicNet recordings (44.1 kHz, decoded to {SAMPLE_RATE} Hz) with {labels}; validation is "
        f"{VALIDATION_PERCENT} % of MusicNet's train set by id hash, test is MusicNet's test set\n")
    return rows, skipped


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, required=True, help="MusicNet folder (train_data/, train_labels/, ...)")
    ap.add_argument("--out", type=Path, default=Path("data/musicnet"))
    ap.add_argument("--labels-dir", type=Path, default=None, help="MusicNetEM labels: <id>.mid below this folder")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args(argv)
    if not args.src.is_dir():
        ap.error(f"{args.src} is not a folder")
    if args.labels_dir and not args.labels_dir.is_dir():
        ap.error(f"{args.labels_dir} is not a folder")
    rows, skipped = convert(args.src, args.out, args.labels_dir, args.processes)
    for split in SPLITS:
        sel = [r for r in rows if r["split"] == split]
        print(f"{split}: {len(sel)} recordings, {sum(r['seconds'] for r in sel) / 3600:.2f} h")
    print(f"skipped {len(skipped)} recording(s)" + "".join(f"\n  {rid}: {reason}" for rid, reason in skipped))


if __name__ == "__main__":
    main()
