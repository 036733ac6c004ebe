"""Correcting the notes: revisions against the real API, PostgreSQL, Redis and workers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from benchmarks import stack
from services.common.db import new_session
from services.common.models import Artifact, Revision
from tunescribe.midi import read_midi_notes


def _notes(midi: bytes, tmp_path: Path) -> list[tuple[int, float, float]]:
    path = tmp_path / "notes.mid"
    path.write_bytes(midi)
    return [(n.pitch, n.start_s, n.end_s) for n in read_midi_notes(path)]


def _wait_revision(client: stack.Client, job_id: str, number: int, timeout: float = 120) -> dict:
    def ended():
        data = client.http.get(f"/api/jobs/{job_id}/revisions").json()["data"]
        rev = next((r for r in data if r["number"] == number), None)
        return rev if rev and rev["status"] in ("succeeded", "failed") else None
    return stack.wait_until(ended, timeout, f"revision {number} did not end in {timeout} s", every=0.5)


def _same(a: list[tuple[int, float, float]], b: list[tuple[int, float, float]]) -> bool:
    """The same notes, times within a MIDI tick's rounding."""
    a, b = sorted(a), sorted(b)
    return len(a) == len(b) and all(x[0] == y[0] and abs(x[1] - y[1]) < 0.01 and abs(x[2] - y[2]) < 0.01
                                    for x, y in zip(a, b))


@pytest.fixture(scope="module")
def finished_job(worker, api, piano_wav) -> tuple[stack.Client, dict]:
    client = stack.Client(api)
    done = client.wait(client.upload(piano_wav, title="To correct")["id"])
    assert done["status"] == "succeeded", done["error"]
    return client, done


def test_a_revision_changing_two_notes_changes_them_in_its_midi_and_the_original_stays(finished_job, tmp_path):
    client, job = finished_job
    url = f"/api/jobs/{job['id']}"
    original_midi = client.http.get(f"{url}/midi").content
    original = _notes(original_midi, tmp_path)
    assert len(original) == job["note_count"] >= 2
    edits = [{"op": "change", "index": 0, "pitch": 100},
             {"op": "change", "index": 1, "pitch": 101, "start_s": 4.0, "duration_s": 0.5}]
    r = client.http.post(f"{url}/revisions", json={"edits": edits})
    assert r.status_code == 202, r.text
    assert r.json()["number"] == 1 and r.json()["status"] in ("queued", "running", "succeeded")

    rev = _wait_revision(client, job["id"], 1)
    assert rev["status"] == "succeeded", rev["error"]
    assert rev["progress"] == 1.0 and rev["note_count"] == len(original)
    assert [{k: v for k, v in e.items() if v is not None} for e in rev["edits"]] == edits
    expected = [(100, original[0][1], original[0][2]), (101, 4.0, 4.5)] + original[2:]
    latest = client.http.get(f"{url}/midi")
    assert latest.status_code == 200 and "phrase (revision 1).mid" in unquote(latest.headers["content-disposition"])
    assert _same(_notes(latest.content, tmp_path), expected)
    assert client.http.get(f"{url}/midi", params={"revision": 1}).content == latest.content
    assert client.http.get(f"{url}/midi", params={"revision": 0}).content == original_midi
    for route in ("musicxml", "score-midi", "pdf"):
        r1, r0 = (client.http.get(f"{url}/{route}", params={"revision": n}) for n in (1, 0))
        assert r1.status_code == r0.status_code == 200, route
        assert r1.content != r0.content, route
    # written on the original's beats: every bar line of the original's measures where it was
    map1, map0 = (client.http.get(f"{url}/timemap", params={"revision": n}).json() for n in (1, 0))
    assert map1[: len(map0) - 1] == map0[:-1]
    assert b"<work-title>To correct</work-title>" in client.http.get(f"{url}/musicxml").content
    missing = client.http.get(f"{url}/midi", params={"revision": 9})
    assert missing.status_code == 404 and missing.json()["detail"] == "this job has no revision 9"


def test_revisions_sent_together_are_made_one_after_another_in_order(finished_job, tmp_path):
    client, job = finished_job
    url = f"/api/jobs/{job['id']}"
    numbers = [client.http.post(f"{url}/revisions", json={"edits": [{"op": "delete", "index": i}]}).json()["number"]
               for i in range(3)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    ends = [_wait_revision(client, job["id"], n) for n in numbers]
    assert [e["status"] for e in ends] == ["succeeded"] * 3
    with new_session() as session:
        rows = {r.number: r for r in session.scalars(select(Revision).where(Revision.job_id == job["id"]))}
    for earlier, later in zip(numbers, numbers[1:]):
        assert rows[later].started_at >= rows[earlier].finished_at
    # each revision is against the original: the last deleted note 2 only
    original = _notes(client.http.get(f"{url}/midi", params={"revision": 0}).content, tmp_path)
    assert _same(_notes(client.http.get(f"{url}/midi").content, tmp_path), original[:2] + original[3:])


def _revise(client: stack.Client, job: dict, edits: list[dict]) -> int:
    number = client.http.post(f"/api/jobs/{job['id']}/revisions", json={"edits": edits}).json()["number"]
    assert _wait_revision(client, job["id"], number)["status"] == "succeeded"
    return number


def _pdf_rows(job: dict, number: int) -> int:
    with new_session() as session:
        return len(session.scalars(select(Artifact).where(Artifact.job_id == job["id"], Artifact.kind == "pdf",
                                                          Artifact.revision == number)).all())


def test_a_revisions_pdf_is_engraved_when_first_asked_for_and_kept(finished_job):
    """The worker makes a revision without its PDF (MuseScore took as long as the rest); the first
    requests engrave it, at once if they come together, and later ones get the one kept."""
    client, job = finished_job
    number = _revise(client, job, [{"op": "change", "index": 2, "pitch": 90}])
    assert _pdf_rows(job, number) == 0
    url = f"/api/jobs/{job['id']}/pdf"
    with ThreadPoolExecutor(2) as pool:
        first = list(pool.map(lambda _: client.http.get(url, params={"revision": number}, timeout=120), range(2)))
    for r in first:
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
        assert r.content.startswith(b"%PDF") and f"phrase (revision {number}).pdf" in unquote(
            r.headers["content-disposition"])
    assert _pdf_rows(job, number) == 1
    kept = client.http.get(url, params={"revision": number}).content
    assert kept in [r.content for r in first]  # the same file, not engraved again (MuseScore dates each)
    assert client.http.get(url).content == kept  # the latest revision's
    assert kept != client.http.get(url, params={"revision": 0}).content


def test_a_revisions_pdf_that_cannot_be_engraved_is_503_with_the_reason(finished_job, services_env, var_dir):
    """An API without MuseScore: the reason, nothing kept, and the PDF made once it can be."""
    client, job = finished_job
    number = _revise(client, job, [{"op": "delete", "index": 3}])
    port = stack.free_port()
    no_musescore = stack.start_api(dict(services_env, PATH=str(Path(stack.PYTHON).parent)), port,
                                   var_dir / "api-no-musescore.log")
    try:
        other = stack.Client(f"http://127.0.0.1:{port}", client.email, client.password, register=False)
        r = other.http.get(f"/api/jobs/{job['id']}/pdf", params={"revision": number})
        assert r.status_code == 503, r.text
        assert r.json()["detail"] == ("the PDF could not be made: MuseScore 3 (mscore3) is not installed; "
                                      "Debian's musescore3 package provides it")
        assert other.http.get(f"/api/jobs/{job['id']}/pdf", params={"revision": 0}).status_code == 200  # the worker's
    finally:
        no_musescore.stop()
    assert _pdf_rows(job, number) == 0
    r = client.http.get(f"/api/jobs/{job['id']}/pdf", params={"revision": number})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


@pytest.mark.parametrize("body, reason", [
    ({"edits": []}, "at least 1 item"),
    ({"edits": [{"op": "change", "index": 10_000, "pitch": 60}]}, "there is no note 10000"),
    ({"edits": [{"op": "delete", "index": 0}, {"op": "change", "index": 0, "pitch": 60}]}, "already edited by edit 1"),
    ({"edits": [{"op": "add", "pitch": 60, "start_s": 1.0}]}, "needs its pitch, start_s and duration_s"),
    ({"edits": [{"op": "change", "index": 0}]}, "say what changes"),
    ({"edits": [{"op": "change", "index": 0, "pitch": 128}]}, "less than or equal to 127"),
    ({"edits": [{"op": "add", "pitch": 60, "start_s": 9999.0, "duration_s": 1.0}]}, "the recording ends at"),
    ({"edits": [{"op": "transpose", "index": 0}]}, "'change', 'delete' or 'add'"),
    ({"edits": [{"op": "delete", "index": 0, "colour": "red"}]}, "Extra inputs are not permitted"),
])
def test_malformed_edits_are_422_with_the_reason(finished_job, body, reason):
    client, job = finished_job
    r = client.http.post(f"/api/jobs/{job['id']}/revisions", json=body)
    assert r.status_code == 422 and reason in r.text, r.text


def test_a_time_that_is_not_a_number_is_422_not_a_server_error(finished_job):
    client, job = finished_job  # Python's JSON reads NaN; the answer that echoes it must still be JSON
    r = client.http.post(f"/api/jobs/{job['id']}/revisions", headers={"Content-Type": "application/json"},
                         content='{"edits": [{"op": "add", "pitch": 60, "start_s": NaN, "duration_s": 1}]}')
    assert r.status_code == 422 and "finite number" in r.text, r.text


def test_a_transcription_not_succeeded_cannot_be_revised(worker, client, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40)
    done = client.wait(client.upload(bad)["id"])
    assert done["status"] == "failed"
    r = client.http.post(f"/api/jobs/{done['id']}/revisions", json={"edits": [{"op": "delete", "index": 0}]})
    assert r.status_code == 409 and "once it has succeeded" in r.json()["detail"]


def test_other_users_job_is_404_on_every_revision_route(finished_job, api):
    _, job = finished_job
    stranger = stack.Client(api)
    url = f"/api/jobs/{job['id']}"
    assert stranger.http.get(f"{url}/revisions").status_code == 404
    assert stranger.http.post(f"{url}/revisions", json={"edits": [{"op": "delete", "index": 0}]}).status_code == 404
    assert stranger.http.get(f"{url}/midi", params={"revision": 1}).status_code == 404
    assert stranger.http.get(f"{url}/pdf", params={"revision": 1}).status_code == 404
    assert stranger.http.get(f"{url}/musicxml", params={"revision": 0, "transpose": "Bb"}).status_code == 404


@pytest.fixture
def own_stack(tmp_path, private_redis):
    s = stack.Stack(tmp_path, private_redis[0])
    yield s
    s.close()


def test_a_worker_dying_while_making_a_revision_fails_it_and_keeps_the_previous(own_stack, piano_wav):
    own_stack.add_worker("a", "--include", "tests.service.crash_plugin")
    own_stack.wait_for_workers(1)
    user = stack.Client(own_stack.url)
    job = user.wait(user.upload(piano_wav, title="crash my revisions")["id"], timeout=180)
    assert job["status"] == "succeeded", job["error"]
    url = f"/api/jobs/{job['id']}"
    first = user.http.post(f"{url}/revisions", json={"edits": [{"op": "change", "index": 0, "pitch": 100}]})
    assert _wait_revision(user, job["id"], 1)["status"] == "succeeded"
    made = user.http.get(f"{url}/midi").content
    second = user.http.post(f"{url}/revisions", json={"edits": [{"op": "delete", "index": 0}]})  # its worker dies
    assert first.status_code == second.status_code == 202

    dead = _wait_revision(user, job["id"], 2, timeout=240)
    assert dead["status"] == "failed" and "worker stopped" in dead["error"]
    assert user.http.get(f"{url}/midi").content == made  # the latest succeeded: revision 1, intact
    r = user.http.get(f"{url}/midi", params={"revision": 2})
    assert r.status_code == 404 and r.json()["detail"] == "revision 2 is failed; it has no files"
    third = user.http.post(f"{url}/revisions", json={"edits": [{"op": "delete", "index": 1}]})
    assert third.json()["number"] == 3  # the next is made by the worker's new process
    assert _wait_revision(user, job["id"], 3, timeout=240)["status"] == "succeeded"
    assert user.http.get(f"{url}/midi").content != made


def test_a_revision_sent_while_the_broker_is_down_is_503_and_leaves_no_revision(finished_job, services_env, var_dir):
    """The same job through an API whose broker is unreachable: a sentence, and no revision row
    (so a retry once the queue is back takes the number)."""
    client, job = finished_job
    before = client.http.get(f"/api/jobs/{job['id']}/revisions").json()["data"]
    port = stack.free_port()
    dead = stack.start_api(dict(services_env, BROKER_URL=f"redis://127.0.0.1:{stack.free_port()}/0"), port,
                           var_dir / "api-no-broker-revisions.log")
    try:
        other = stack.Client(f"http://127.0.0.1:{port}", client.email, client.password, register=False)
        r = other.http.post(f"/api/jobs/{job['id']}/revisions", json={"edits": [{"op": "delete", "index": 0}]})
        assert r.status_code == 503, r.text
        assert "queue is unavailable" in r.json()["detail"]
    finally:
        dead.stop()
    assert client.http.get(f"/api/jobs/{job['id']}/revisions").json()["data"] == before
