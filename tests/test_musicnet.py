"""MusicNet from a local folder: a few seconds in its published layout, written here, convert to the
corpus format with the right notes; bad recordings are skipped with a reason; the trainer trains on it."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import soundfile as sf
import soxr

from services.trainer import musicnet
from services.trainer.render import INSTRUMENTS, Part, Renderer
from services.trainer.renditions import read_rendition
from services.trainer.train import finish, train
from tunescribe.constants import FRAMES_PER_SECOND, SAMPLE_RATE
from tunescribe.midi import write_midi
from tunescribe.notes import Note

PHRASE = [Note(60, 0.25, 0.9, 90), Note(64, 0.75, 1.5, 70), Note(67, 1.25, 2.2, 100),
          Note(72, 2.0, 3.2, 80), Note(48, 2.5, 3.6, 60)]
TRAIN_ID = next(str(i) for i in range(1000, 2000) if musicnet.split_of(str(i), "train") == "train")
VALIDATION_ID = next(str(i) for i in range(1000, 2000) if musicnet.split_of(str(i), "train") == "validation")
TEST_ID = "2106"
GOOD = {TRAIN_ID: 0, VALIDATION_ID: 5, TEST_ID: -3}  # id -> transposition of the phrase
BAD = {"2001": "no labels", "2002": "unreadable audio", "2003": "past the end of the audio",
       "2004": "malformed label row", "2005": "no audio"}


def write_csv(path, notes, *, malformed=False):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["start_time", "end_time", "instrument", "note", "start_beat", "end_beat", "note_value"])
        for n in notes:
            w.writerow([round(n.start_s * 44_100), round(n.end_s * 44_100), 1, n.pitch, 0.0, 1.0, "Quarter"])
        if malformed:
            w.writerow(["soon", "later", 1, 60, 0.0, 1.0, "Quarter"])


@pytest.fixture(scope="module")
def musicnet_src(tmp_path_factory):
    return write_musicnet(tmp_path_factory.mktemp("musicnet"))


def write_musicnet(src):
    """A MusicNet folder: piano renderings at 44.1 kHz with CSV labels, plus one recording of each kind of fault."""
    for d in ("train_data", "train_labels", "test_data", "test_labels"):
        (src / d).mkdir()
    renderer, rng = Renderer(), np.random.default_rng(0)
    notes, stems = {}, {}
    for rid, shift in GOOD.items():
        notes[rid] = [Note(n.pitch + shift, n.start_s, n.end_s, n.velocity) for n in PHRASE]
        stems[rid] = renderer.render_part(Part(INSTRUMENTS["piano"], notes[rid]), "fluidr3_gm", rng)
        split = "test" if rid == TEST_ID else "train"
        sf.write(src / f"{split}_data/{rid}.wav", soxr.resample(stems[rid], SAMPLE_RATE, 44_100), 44_100)
        write_csv(src / f"{split}_labels/{rid}.csv", notes[rid])
    wav = soxr.resample(stems[TRAIN_ID], SAMPLE_RATE, 44_100)
    sf.write(src / "train_data/2001.wav", wav, 44_100)  # no labels
    (src / "train_data/2002.wav").write_bytes(b"RIFF, but not really a wave file")
    write_csv(src / "train_labels/2002.csv", PHRASE)
    sf.write(src / "train_data/2003.wav", wav, 44_100)
    write_csv(src / "train_labels/2003.csv", [Note(n.pitch, n.start_s + 10, n.end_s + 10, 80) for n in PHRASE])
    sf.write(src / "train_data/2004.wav", wav, 44_100)
    write_csv(src / "train_labels/2004.csv", PHRASE, malformed=True)
    write_csv(src / "test_labels/2005.csv", PHRASE)  # no audio
    return src, notes, stems


@pytest.fixture(scope="module")
def converted(musicnet_src, tmp_path_factory):
    out = tmp_path_factory.mktemp("converted")
    rows, skipped = musicnet.convert(musicnet_src[0], out, log=lambda *_: None)
    return out, rows, skipped


def stored(out, row):
    """(features, labelled notes) of a converted recording."""
    r = read_rendition(out / row["split"] / f"{row['id']}.npz")
    return r.features, r.notes


def test_csv_labels_give_the_right_notes(musicnet_src, converted):
    _, notes, _ = musicnet_src
    out, rows, _ = converted
    assert sorted(r["id"] for r in rows) == sorted(GOOD)
    for r in rows:
        feats, got = stored(out, r)
        want = sorted(notes[r["id"]], key=lambda n: (n.start_s, n.pitch))
        assert [n.pitch for n in got] == [n.pitch for n in want]
        assert np.allclose([n.start_s for n in got], [n.start_s for n in want], atol=0.01)
        assert np.allclose([n.end_s for n in got], [n.end_s for n in want], atol=0.01)
        assert abs(len(feats) / FRAMES_PER_SECOND - r["seconds"]) < 0.1  # features of the 16 kHz audio
        assert r["notes"] == len(want) and r["labels"] == "musicnet"


def test_audio_is_decoded_to_16_khz_and_stays_in_time(musicnet_src, converted):
    _, _, stems = musicnet_src
    out, _, _ = converted
    audio, rate = sf.read(out / "test" / f"{TEST_ID}.flac", dtype="float32")
    original = stems[TEST_ID]
    assert rate == SAMPLE_RATE and abs(len(audio) - len(original)) < SAMPLE_RATE // 100
    n = min(len(audio), len(original))
    corr = np.correlate(audio[:n], original[:n], "full")
    assert abs(int(np.argmax(corr)) - (n - 1)) < SAMPLE_RATE // 100  # aligned within 10 ms


def test_validation_is_carved_from_train_by_id_and_test_is_musicnets_test(converted):
    out, rows, _ = converted
    assert {r["id"]: r["split"] for r in rows} == {TRAIN_ID: "train", VALIDATION_ID: "validation", TEST_ID: "test"}
    for split in ("validation", "test"):  # what evaluation reads beside the features
        rid = VALIDATION_ID if split == "validation" else TEST_ID
        assert (out / split / f"{rid}.flac").is_file() and (out / split / f"{rid}.mid").is_file()
    assert not list((out / "train").glob("*.flac"))


def test_bad_recordings_are_skipped_with_a_reason(converted):
    out, rows, skipped = converted
    reasons = dict(skipped)
    assert reasons.keys() == BAD.keys()
    for rid, why in BAD.items():
        assert why in reasons[rid], (rid, reasons[rid])
        assert not list(out.glob(f"*/{rid}.*"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r for r in manifest if "id" in r] == rows
    assert {r["work"]: r["error"] for r in manifest if "error" in r} == reasons


def test_musicnet_em_midi_labels_replace_the_csv(musicnet_src, tmp_path, capsys):
    src, notes, _ = musicnet_src
    labels_dir = tmp_path / "musicnet_em" / "train"  # any depth below --labels-dir
    labels_dir.mkdir(parents=True)
    realigned = {}
    for rid in (TRAIN_ID, TEST_ID):  # VALIDATION_ID has no MIDI labels
        realigned[rid] = [Note(n.pitch, n.start_s + 0.03, n.end_s, 40 + 10 * i) for i, n in enumerate(notes[rid])]
        write_midi(realigned[rid], labels_dir / f"{rid}.mid")
    out = tmp_path / "out"
    musicnet.main(["--src", str(src), "--out", str(out), "--labels-dir", str(tmp_path / "musicnet_em"),
                   "--processes", "1"])
    rows = [r for r in json.loads((out / "manifest.json").read_text()) if "id" in r]
    assert sorted(r["id"] for r in rows) == sorted(realigned)
    for r in rows:
        _, got = stored(out, r)
        want = sorted(realigned[r["id"]], key=lambda n: (n.start_s, n.pitch))
        assert [(n.pitch, n.velocity) for n in got] == [(n.pitch, n.velocity) for n in want]
        assert np.allclose([n.start_s for n in got], [n.start_s for n in want], atol=0.01)
        assert r["labels"] == "musicnet_em"
    report = capsys.readouterr().out
    assert f"{VALIDATION_ID}: no labels" in report and "2005: no audio" in report


def test_the_trainer_trains_on_converted_musicnet(converted, tmp_path):
    out, _, _ = converted
    model, state = train(out, tmp_path / "run", minutes=1e-4, batch=2, patch_frames=64, steps_per_epoch=1,
                         log=lambda *_: None)
    assert state["epoch"] == 1 and np.isfinite(state["history"][0]["loss"])
    card = finish(model, state, out, tmp_path / "model", "tsunet-musicnet-test", log=lambda *_: None)
    assert card["data"]["corpus"].startswith("MusicNet recordings")
    assert card["data"]["train"]["renditions"] == 1 and card["test"]["all"]["pieces"] == 1
    assert (tmp_path / "model" / "card.json").is_file()
