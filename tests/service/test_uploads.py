"""Bad uploads against the running API and worker: each is answered with the right 4xx or ends as a
failed job with a reason a user can read, no job is left stuck, stored names are always the
server's, nothing is written outside the storage root, and an upload over the cap is refused
(413) before its whole body is read."""

from __future__ import annotations

import os
import re
import socket
import struct
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from services.common.db import new_session
from services.common.models import Artifact
from benchmarks import stack

STORAGE_KEY = re.compile(r"^[0-9a-f-]{36}/(r[1-9][0-9]*/)?[a-z_]+\.[a-z0-9.]+$")  # a revision's files in r<N>/
SERVICE_FILES = re.compile(r"(\.log|^beat-schedule.*)$")  # what the processes themselves write in var/


def wav_bytes(seconds: float = 1.0, rate: int = 16000, *, declared_data_bytes: int | None = None) -> bytes:
    """A 16-bit mono WAV of a 440 Hz tone; `declared_data_bytes` overrides the size its header claims."""
    t = np.arange(int(seconds * rate)) / rate
    data = (np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2").tobytes()
    size = len(data) if declared_data_bytes is None else declared_data_bytes
    header = (b"RIFF" + struct.pack("<I", min(36 + size, 0xFFFFFFFF)) + b"WAVE"
              + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
              + b"data" + struct.pack("<I", size))
    return header + data


BOUNDARY = "tunescribe-test-boundary"


def _multipart_head(boundary: str, name: str = "big.wav") -> bytes:
    """The start of a form with one file part, its name sent as raw UTF-8 (as browsers do;
    httpx would percent-encode control characters)."""
    quoted = name.replace('"', "%22")
    return (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            "Content-Type: audio/wav\r\n\r\n").encode()


def _multipart_tail(boundary: str) -> bytes:
    return f"\r\n--{boundary}--\r\n".encode()


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def storage_files(var_dir: Path) -> set[str]:
    root = var_dir / "storage"
    return tree(root) if root.exists() else set()


def outside_storage(var_dir: Path) -> set[str]:
    """Files under var/ that are not in storage and not the processes' own logs."""
    return {p for p in tree(var_dir) if not p.startswith("storage/") and not SERVICE_FILES.search(Path(p).name)}


def job_folders(var_dir: Path) -> set[str]:
    """Storage's top level: one folder per job (a worker may still be adding files to old ones)."""
    root = var_dir / "storage"
    return {p.name for p in root.iterdir()} if root.exists() else set()


def assert_ended_with_a_reason(job: dict) -> None:
    assert job["status"] in ("succeeded", "failed"), job
    if job["status"] == "failed":
        assert job["stage"] == "failed" and job["error"], job
        assert not job["error"].startswith("internal error") and "Traceback" not in job["error"], job["error"]
        assert "audio." not in job["error"], job["error"]  # no storage names in what the user reads


# --- answered by the API ------------------------------------------------------------------------

def test_empty_file_is_422(client):
    r = client.http.post("/api/jobs", files={"file": ("silence.wav", b"", "audio/wav")})
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    assert client.http.get("/api/jobs").json()["count"] == 0


NOT_AUDIO = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
    "zip": b"PK\x03\x04" + b"\x00" * 64,
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
    "text": b"just some words, not sound",
    "one byte": b"R",
    "RIFF but not WAVE": b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 64,
}


@pytest.mark.parametrize("content", NOT_AUDIO.values(), ids=NOT_AUDIO.keys())
def test_non_audio_named_wav_is_415(client, content):
    r = client.http.post("/api/jobs", files={"file": ("song.wav", content, "audio/wav")})
    assert r.status_code == 415, r.text
    assert client.http.get("/api/jobs").json()["count"] == 0


def test_part_without_a_filename_is_422(client):
    r = client.http.post("/api/jobs", files={"file": ("", wav_bytes(0.5), "audio/wav")})  # a field, not a file
    assert r.status_code == 422
    assert client.http.get("/api/jobs").json()["count"] == 0


# --- answered by the worker -----------------------------------------------------------------------

def _upload_and_wait(client: stack.Client, content: bytes, name: str = "clip.wav", timeout: float = 180) -> dict:
    r = client.http.post("/api/jobs", files={"file": (name, content, "audio/wav")})
    assert r.status_code == 202, r.text
    return client.wait(r.json()["id"], timeout=timeout)


def test_wav_cut_after_its_header_fails_with_a_reason(worker, client):
    job = _upload_and_wait(client, wav_bytes(2.0)[:44 + 400])  # 0.01 s of the 2 s it claims
    assert job["status"] == "failed" and "short" in job["error"], job
    assert_ended_with_a_reason(job)


def test_wav_cut_in_the_middle_ends(worker, client):
    whole = wav_bytes(3.0)
    job = _upload_and_wait(client, whole[:len(whole) // 2 + 1])  # an odd byte count, too
    assert_ended_with_a_reason(job)
    if job["status"] == "succeeded":
        assert job["duration_s"] == pytest.approx(1.5, abs=0.05)


def test_wave_magic_followed_by_garbage_fails_with_a_reason(worker, client):
    job = _upload_and_wait(client, b"RIFF\xff\xff\xff\xffWAVE<html>" + b"\xab" * 5000)
    assert job["status"] == "failed", job
    assert_ended_with_a_reason(job)


def test_wav_header_claiming_hours_ends_with_the_real_length(worker, client):
    job = _upload_and_wait(client, wav_bytes(2.0, declared_data_bytes=0xFFFFFFF0))  # ~37 h at 16 kHz
    assert_ended_with_a_reason(job)
    if job["status"] == "succeeded":
        assert job["duration_s"] == pytest.approx(2.0, abs=0.05)


def test_recording_over_the_length_cap_is_refused_at_upload_with_a_sentence(client, var_dir):
    before = job_folders(var_dir)
    content = wav_bytes(1500, rate=8)  # 12 000 samples at 8 Hz: 25 minutes in a 24 kB file
    assert len(content) < 30_000
    r = client.http.post("/api/jobs", files={"file": ("long.wav", content, "audio/wav")})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("The recording is longer than the 20-minute limit (25.0 minutes)."), r.text
    assert job_folders(var_dir) == before and client.http.get("/api/jobs").json()["count"] == 0


def test_recording_over_the_cap_without_a_length_header_fails_in_the_worker_with_a_sentence(worker, client):
    """Sun .au with an unknown data size: nothing to read a length from at upload; the worker stops
    decoding at the cap and says so in the same words."""
    samples = (np.sin(np.arange(12_000) * 0.3) * 8000).astype(">i2").tobytes()  # 25 minutes at 8 Hz
    au = b".snd" + struct.pack(">IIIII", 24, 0xFFFFFFFF, 3, 8, 1) + samples
    job = _upload_and_wait(client, au, name="long.au")
    assert job["status"] == "failed", job
    assert job["error"].startswith("The recording is longer than the 20-minute limit."), job["error"]


def test_limits_are_public_for_the_upload_page(api):
    import httpx

    assert httpx.get(f"{api}/api/limits").json() == {"max_upload_mb": 100, "max_audio_minutes": 20.0}


def test_upload_while_the_broker_is_down_is_503_and_leaves_nothing(services_env, var_dir, api):
    """An API whose broker is unreachable refuses the upload with a sentence; no job row (so no
    duplicate when the user retries) and no file remain."""
    port = stack.free_port()
    dead = stack.start_api(dict(services_env, BROKER_URL=f"redis://127.0.0.1:{stack.free_port()}/0"), port,
                           var_dir / "api-no-broker.log")
    try:
        user = stack.Client(f"http://127.0.0.1:{port}")
        before = job_folders(var_dir)
        r = user.http.post("/api/jobs", files={"file": ("clip.wav", wav_bytes(1.0), "audio/wav")})
        assert r.status_code == 503, r.text
        assert "queue is unavailable" in r.json()["detail"] and r.headers["Retry-After"]
        assert user.http.get("/api/jobs").json()["count"] == 0
        assert job_folders(var_dir) == before
        assert user.http.get("/api/health").status_code == 503
    finally:
        dead.stop()


HOSTILE_NAMES = {
    "../../etc/passwd.wav": "passwd.wav",
    "/etc/passwd.wav": "passwd.wav",
    "..\\..\\windows\\evil.wav": "evil.wav",
    "C:\\Users\\x\\evil.wav": "evil.wav",
    "....//....//evil.wav": "evil.wav",
    "..": "upload",
    "a/..": "upload",
    " ... ": "upload",
    "bell\x07.wav": "bell.wav",
    "résumé 🎹.wav": "résumé 🎹.wav",
    'my "best" take.wav': 'my "best" take.wav',  # a browser sends the quotes as %22
}


def test_hostile_and_long_filenames_never_reach_the_disk(worker, client, var_dir):
    root = var_dir / "storage"
    before_var = outside_storage(var_dir)
    long_name = "a" * 996 + ".wav"
    names = {**HOSTILE_NAMES, long_name: long_name[-255:]}
    content = wav_bytes(1.0)
    jobs = {}
    for sent, shown in names.items():
        r = client.http.post("/api/jobs", content=_multipart_head(BOUNDARY, sent) + content + _multipart_tail(BOUNDARY),
                             headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        assert r.status_code == 202, (sent, r.text)
        job = r.json()
        assert job["filename"] == shown, (sent, job["filename"])
        assert len(job["title"]) <= 200
        jobs[job["id"]] = sent
    for job_id in jobs:
        assert client.wait(job_id, timeout=180)["status"] == "succeeded"

    with new_session() as session:
        keys = session.scalars(select(Artifact.key).where(Artifact.job_id.in_(list(jobs)))).all()
    assert {k for k in keys if k.split("/")[1].startswith("audio")} == {f"{j}/audio.wav" for j in jobs}
    for path in storage_files(var_dir):
        assert STORAGE_KEY.match(path), path  # only server-made names, one folder per job (and its revisions)
    assert outside_storage(var_dir) == before_var
    for sent in names:  # where a naive join would have put them
        relative = sent.replace("\\", "/").lstrip("/")
        for target in (root / relative, root / "x" / relative, stack.ROOT / relative, Path("/") / relative):
            assert not os.path.isfile(os.path.normpath(target)), target
    download = client.http.get(f"/api/jobs/{next(iter(jobs))}/audio")
    assert download.status_code == 200 and download.content == content
    assert "passwd.wav" in download.headers["content-disposition"]
    assert "/" not in download.headers["content-disposition"].split("filename", 1)[1]
    quoted = next(j for j, sent in jobs.items() if '"' in sent)  # kept as given, encoded only in the header
    history = {j["id"]: j["filename"] for j in client.http.get("/api/jobs", params={"limit": 100}).json()["data"]}
    assert history[quoted] == 'my "best" take.wav'
    disposition = client.http.get(f"/api/jobs/{quoted}/midi").headers["content-disposition"]
    assert disposition == "attachment; filename*=utf-8''my%20%22best%22%20take.mid", disposition


# --- the size cap ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_api(services_env, var_dir):
    """A second API process with a 1 MB upload cap, on the same database and storage."""
    port = stack.free_port()
    proc = stack.start_api(dict(services_env, TUNESCRIBE_MAX_UPLOAD_MB="1"), port, var_dir / "api-small.log")
    yield f"http://127.0.0.1:{port}"
    proc.stop()




def _raw_post(base_url: str, token: str, headers: dict[str, str], body_parts, timeout: float = 30) -> tuple[int, dict]:
    """POST /api/jobs over a plain socket, sending only `body_parts` (possibly less than the whole
    body), then read the response: it must come while the rest of the body is still unsent."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        lines = ["POST /api/jobs HTTP/1.1", f"Host: {host}", f"Authorization: Bearer {token}",
                 *(f"{k}: {v}" for k, v in headers.items())]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for part in body_parts:
            sock.sendall(part)
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed before a response: {response!r}"
            response += chunk
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    return status, {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:])}


def test_upload_over_the_cap_is_413_and_stores_nothing(small_api, var_dir):
    user = stack.Client(small_api)
    token = user.http.headers["Authorization"].removeprefix("Bearer ")
    body = wav_bytes(1.0) + b"\x00" * (3 * 2**20)
    boundary = BOUNDARY
    head, tail = _multipart_head(boundary), _multipart_tail(boundary)
    before = job_folders(var_dir), outside_storage(var_dir)

    # the whole body, with Content-Length and then chunked (no length: counted as it arrives)
    r = user.http.post("/api/jobs", files={"file": ("big.wav", body, "audio/wav")})
    assert r.status_code == 413, r.text
    assert r.headers["X-Content-Type-Options"] == "nosniff"

    def chunks():
        yield head
        for i in range(0, len(body), 64 * 1024):
            yield body[i:i + 64 * 1024]
        yield tail

    r = user.http.post("/api/jobs", content=chunks(),
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413, r.text
    assert r.headers["X-Content-Type-Options"] == "nosniff"

    # the answer comes before the body is sent: at once for a declared length...
    content_type = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, headers = _raw_post(small_api, token, {**content_type, "Content-Length": str(len(head + body + tail))}, [])
    assert status == 413 and headers["x-frame-options"] == "DENY"
    # ...and for a chunked body as soon as the count passes the cap (1.5 of the 3 MB sent)
    sent = [head, body[:3 * 2**19]]
    chunked = [b"%x\r\n%s\r\n" % (len(p), p) for p in sent]
    status, headers = _raw_post(small_api, token, {**content_type, "Transfer-Encoding": "chunked"}, chunked)
    assert status == 413 and headers["x-frame-options"] == "DENY"

    assert (job_folders(var_dir), outside_storage(var_dir)) == before
    assert user.http.get("/api/jobs").json()["count"] == 0


def test_file_just_over_the_cap_is_413_and_leaves_no_folder(small_api, var_dir):
    user = stack.Client(small_api)
    before = job_folders(var_dir), outside_storage(var_dir)
    content = wav_bytes(1.0) + b"\x00" * (2**20)  # over 1 MB, under the body limit with form overhead
    r = user.http.post("/api/jobs", files={"file": ("big.wav", content, "audio/wav")})
    assert r.status_code == 413, r.text
    assert (job_folders(var_dir), outside_storage(var_dir)) == before
    assert user.http.get("/api/jobs").json()["count"] == 0


def test_file_under_the_cap_is_accepted(small_api):
    user = stack.Client(small_api)
    r = user.http.post("/api/jobs", files={"file": ("ok.wav", wav_bytes(1.0), "audio/wav")})
    assert r.status_code == 202, r.text


# --- the upload limit, one across API replicas -----------------------------------------------------

@pytest.fixture(scope="module")
def limited_apis(services_env, var_dir):
    """Two API processes, as two replicas behind a load balancer, each allowing a user 3 uploads an hour."""
    env = dict(services_env, TUNESCRIBE_UPLOAD_LIMIT="3", TUNESCRIBE_UPLOAD_WINDOW_S="3600")
    ports = [stack.free_port(), stack.free_port()]
    procs = [stack.start_api(env, port, var_dir / f"api-limited-{port}.log") for port in ports]
    yield [f"http://127.0.0.1:{port}" for port in ports]
    for proc in procs:
        proc.stop()


def test_the_upload_limit_is_one_count_across_api_replicas(limited_apis, piano_wav):
    on_a = stack.Client(limited_apis[0])
    on_b = stack.Client(limited_apis[1], email=on_a.email, password=on_a.password, register=False)
    refused = on_a.http.post("/api/jobs", files={"file": ("notes.txt", b"plain text, not a recording")})
    assert refused.status_code == 415  # a refused upload is not counted
    for user in (on_a, on_b, on_a):
        user.upload(piano_wav)
    for user in (on_b, on_a):
        r = user.http.post("/api/jobs", files={"file": (piano_wav.name, piano_wav.read_bytes())})
        assert r.status_code == 429, r.text
        assert 3500 < int(r.headers["Retry-After"]) <= 3601
        assert r.json()["detail"] == ("You have sent 3 recordings in the last 60 minutes, the most allowed. "
                                      "You can send the next one in 60 minutes.")
    assert on_a.http.get("/api/jobs").json()["count"] == 3
    stack.Client(limited_apis[1]).upload(piano_wav)  # the limit is each user's own
