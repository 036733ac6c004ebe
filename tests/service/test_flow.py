"""The whole flow a user goes through, against the real API, PostgreSQL, Redis and a worker."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import unquote

import mido
import soundfile as sf
from sqlalchemy import select

from services.common.db import new_session
from services.common.models import Artifact, Job
from benchmarks import stack


def test_upload_transcribe_download_history_delete(worker, client, piano_wav, var_dir):
    job = client.upload(piano_wav, title="Morning phrase")
    assert job["status"] == "queued" and job["title"] == "Morning phrase" and job["filename"] == "phrase.wav"

    done = client.wait(job["id"])
    assert done["status"] == "succeeded", done["error"]
    assert done["stage"] == "done" and done["progress"] == 1.0
    # Auto (the default) hears the piano phrase and sends it to the shipped piano model
    piano_model = (stack.ROOT / "models" / "DEFAULT-piano").read_text().strip()
    assert done["model_version"] == piano_model and done["note_count"] > 5
    assert abs(done["duration_s"] - sf.info(str(piano_wav)).duration) < 0.01 and done["finished_at"]

    midi = client.http.get(f"/api/jobs/{job['id']}/midi")
    assert midi.status_code == 200 and midi.headers["content-type"] == "audio/midi"
    notes = [m for m in mido.MidiFile(file=io.BytesIO(midi.content)) if m.type == "note_on" and m.velocity]
    assert len(notes) == done["note_count"]
    xml = client.http.get(f"/api/jobs/{job['id']}/musicxml")
    assert xml.status_code == 200 and b"<score-partwise" in xml.content
    assert b"<work-title>Morning phrase</work-title>" in xml.content
    timemap = client.http.get(f"/api/jobs/{job['id']}/timemap").json()
    assert timemap[0]["measure"] == 1 and timemap[-1]["seconds"] >= 5.5
    pdf = client.http.get(f"/api/jobs/{job['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and 'filename="phrase.pdf"' in pdf.headers["content-disposition"]
    audio = client.http.get(f"/api/jobs/{job['id']}/audio")
    assert audio.content == piano_wav.read_bytes()

    history = client.http.get("/api/jobs").json()
    assert history["count"] == 1 and history["data"][0]["id"] == job["id"]
    assert client.http.get("/api/jobs", params={"q": "morning"}).json()["count"] == 1
    assert client.http.get("/api/jobs", params={"q": "evening"}).json()["count"] == 0

    with new_session() as session:
        keys = session.scalars(select(Artifact.key).where(Artifact.job_id == done["id"])).all()
    assert len(keys) == 6 and all((var_dir / "storage" / k).is_file() for k in keys)
    assert client.http.delete(f"/api/jobs/{job['id']}").status_code == 204
    assert client.http.get(f"/api/jobs/{job['id']}").status_code == 404
    assert not (var_dir / "storage" / job["id"]).exists()
    with new_session() as session:
        assert session.get(Job, done["id"]) is None
        assert not session.scalars(select(Artifact).where(Artifact.job_id == done["id"])).all()


def test_history_is_newest_first_and_paginated(worker, client, piano_wav):
    ids = [client.upload(piano_wav, title=f"take {i}")["id"] for i in range(3)]
    page = client.http.get("/api/jobs", params={"limit": 2}).json()
    assert page["count"] == 3 and [j["id"] for j in page["data"]] == ids[::-1][:2]
    rest = client.http.get("/api/jobs", params={"limit": 2, "offset": 2}).json()
    assert [j["id"] for j in rest["data"]] == ids[:1]
    for i in ids:
        assert client.wait(i)["status"] == "succeeded"


def test_unreadable_audio_ends_failed_with_a_reason(worker, client, tmp_path: Path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40)  # a WAV header and nothing to decode
    done = client.wait(client.upload(bad)["id"])
    assert done["status"] == "failed" and done["stage"] == "failed"
    assert done["error"] and "audio" in done["error"].lower()
    assert client.http.get(f"/api/jobs/{done['id']}/midi").status_code == 404


def test_downloads_written_for_another_instrument_and_a_bad_transposition_says_why(worker, client, piano_wav):
    done = client.wait(client.upload(piano_wav, title="Morning phrase")["id"])
    url = f"/api/jobs/{done['id']}"
    concert = client.http.get(f"{url}/score-midi").content
    xml = client.http.get(f"{url}/musicxml", params={"transpose": "Bb"})
    assert xml.status_code == 200 and "<work-title>Morning phrase (for B♭ instruments)</work-title>" in xml.text
    assert unquote(xml.headers["content-disposition"]).endswith("''phrase (Bb).musicxml")  # RFC 8187 filename*
    pdf = client.http.get(f"{url}/pdf", params={"transpose": "-m3"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    midi = client.http.get(f"{url}/score-midi", params={"transpose": "P8"})

    def pitches(data: bytes) -> list[int]:
        return [m.note for m in mido.MidiFile(file=io.BytesIO(data)) if m.type == "note_on" and m.velocity]

    assert midi.status_code == 200 and pitches(midi.content) == [p + 12 for p in pitches(concert)]
    for value, reason in [("G", "must be Bb, Eb or F"), ("P3", "P3 is not an interval"),
                          ("P22", "more than two octaves")]:
        bad = client.http.get(f"{url}/pdf", params={"transpose": value})
        assert bad.status_code == 422 and reason in bad.json()["detail"], (value, bad.text)
    stranger = stack.Client(str(client.http.base_url))
    assert stranger.http.get(f"{url}/pdf", params={"transpose": "Bb"}).status_code == 404
