"""Corpus renditions on disk -> training patches and evaluation pieces."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from services.trainer.renditions import read_manifest, read_rendition
from tunescribe.constants import N_KEYS
from tunescribe.model import PEDAL
from tunescribe.notes import Note, notes_to_roll
from tunescribe.pedal import PedalSpan, pedal_roll


@dataclass
class Piece:
    id: str
    features: np.ndarray  # (frames, bins) float16
    notes: list[Note]
    kind: str = "unknown"
    pedal: list[PedalSpan] = field(default_factory=list)  # sustain pedal down, seconds


def load_split(corpus_dir: str | Path, split: str, limit: int | None = None) -> list[Piece]:
    """The renditions of one split (the first `limit` by id), with their ensemble kind."""
    corpus_dir = Path(corpus_dir)
    kinds = {r["id"]: r["kind"] for r in read_manifest(corpus_dir)}
    pieces = []
    for f in sorted((corpus_dir / split).glob("*.npz"))[:limit]:
        r = read_rendition(f)
        pieces.append(Piece(f.stem, r.features, r.notes, kinds.get(f.stem, "unknown"), r.pedal))
    return pieces


class PatchSampler:
    """Random fixed-length patches (features and the four targets, with `pedal` the sustain pedal's
    roll too), pieces drawn by length. Frame and offset targets follow the keys (key down, key
    release): the sound the pedal holds after a release is the pedal head's to explain."""

    def __init__(self, pieces: list[Piece], patch_frames: int, seed: int = 0, pedal: bool = False):
        self.patch = patch_frames
        self.rng = np.random.default_rng(seed)
        self.features, self.targets, self.pedals = [], [], [] if pedal else None
        for p in pieces:
            n = len(p.features)
            if n < patch_frames:
                continue
            onset, frame, offset, velocity = notes_to_roll(p.notes, n, N_KEYS)
            self.features.append(p.features)
            self.targets.append((onset.astype(np.uint8), frame.astype(np.uint8), offset.astype(np.uint8),
                                 (velocity * 255).astype(np.uint8)))
            if pedal:
                self.pedals.append((pedal_roll(p.pedal, n) * 255).astype(np.uint8))
        lengths = np.array([len(f) - patch_frames + 1 for f in self.features], float)
        if not len(lengths):
            raise ValueError("no piece is as long as one patch")
        self.weights = lengths / lengths.sum()

    @property
    def hours(self) -> float:
        from tunescribe.constants import FRAMES_PER_SECOND
        return sum(len(f) for f in self.features) / FRAMES_PER_SECOND / 3600

    def batch(self, size: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        idx = self.rng.choice(len(self.features), size, p=self.weights)
        x = np.empty((size, self.patch, self.features[0].shape[1]), np.float32)
        ys = {k: np.empty((size, self.patch, N_KEYS), np.float32) for k in ("onset", "frame", "offset", "velocity")}
        starts = [int(self.rng.integers(0, len(self.features[i]) - self.patch + 1)) for i in idx]
        for b, (i, s) in enumerate(zip(idx, starts)):
            x[b] = self.features[i][s:s + self.patch]
            onset, frame, offset, velocity = self.targets[i]
            ys["onset"][b] = onset[s:s + self.patch]
            ys["frame"][b] = frame[s:s + self.patch]
            ys["offset"][b] = offset[s:s + self.patch]
            ys["velocity"][b] = velocity[s:s + self.patch] / 255.0
        if self.pedals is not None:
            ys[PEDAL] = np.stack([self.pedals[i][s:s + self.patch] / 255.0 for i, s in zip(idx, starts)]).astype(np.float32)
        return x, ys
