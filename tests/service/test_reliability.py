"""Failures an operator will meet: a worker killed mid-job, a broker restart, a job that kills
its process, a missing or corrupt model. Each test runs its own stack (stack.Stack)."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from benchmarks import stack


@pytest.fixture
def own_stack(tmp_path, private_redis):
    s = stack.Stack(tmp_path, private_redis[0])
    yield s
    s.close()


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory) -> Path:
    return stack.piano_wav(tmp_path_factory.mktemp("audio") / "long.wav", seconds=60, seed=1)


def _succeeded_lines(s: stack.Stack, job_id: str) -> int:
    return sum(log.read_text().count(f'"job succeeded", "job_id": "{job_id}"')
               for log in s.root.glob("worker-*.log"))


def test_killed_worker_job_is_finished_by_the_other_exactly_once(own_stack, long_wav):
    a, b = own_stack.add_worker("a"), own_stack.add_worker("b")
    own_stack.wait_for_workers(2)
    user = stack.Client(own_stack.url)
    job = user.upload(long_wav)
    owner = stack.wait_until(
        lambda: next((w for w in (a, b) if f'"job started", "job_id": "{job["id"]}"' in w.log.read_text()), None),
        60, "no worker started the job")
    stack.wait_until(lambda: user.http.get(f"/api/jobs/{job['id']}").json()["stage"] == "transcribing", 60,
                     "the job never reached transcribing")
    owner.kill(signal.SIGKILL)

    done = user.wait(job["id"], timeout=180)
    assert done["status"] == "succeeded", done["error"]
    assert done["attempts"] == 2
    assert _succeeded_lines(own_stack, job["id"]) == 1
    started = [line for log in own_stack.root.glob("worker-*.log") for line in log.read_text().splitlines()
               if f'"job started", "job_id": "{job["id"]}"' in line]
    assert sorted(line.rsplit('"attempt": ', 1)[1] for line in started) == ['"1"}', '"2"}']  # as the row counts them
    assert user.http.get(f"/api/jobs/{job['id']}/midi").status_code == 200


def test_broker_restart_during_a_batch_every_job_ends(own_stack, private_redis, piano_wav):
    own_stack.add_worker("a")
    own_stack.wait_for_workers(1)
    user = stack.Client(own_stack.url)
    ids = [user.upload(piano_wav, title=f"take {i}")["id"] for i in range(4)]
    time.sleep(2)
    private_redis[1]()  # no persistence: every message still in Redis is lost
    ids += [user.upload(piano_wav, title="after restart")["id"]]
    ends = [user.wait(i, timeout=240) for i in ids]
    assert [e["status"] for e in ends] == ["succeeded"] * len(ids), [e["error"] for e in ends]


def test_job_that_kills_its_process_fails_after_three_attempts_others_succeed(own_stack, piano_wav):
    own_stack.add_worker("a", "--include", "tests.service.crash_plugin")
    own_stack.wait_for_workers(1)
    user = stack.Client(own_stack.url)
    bad = user.upload(piano_wav, title="crash me")
    good = [user.upload(piano_wav, title=f"fine {i}")["id"] for i in range(2)]
    done = user.wait(bad["id"], timeout=240)
    assert done["status"] == "failed" and done["attempts"] <= 3
    assert "worker stopped" in done["error"]
    assert all(user.wait(i, timeout=120)["status"] == "succeeded" for i in good)


def test_missing_or_corrupt_model_fails_jobs_and_shows_in_health(own_stack, piano_wav, tmp_path):
    corrupt = tmp_path / "corrupt-model"
    shutil.copytree(stack.ROOT / "models" / "tsunet-v1", corrupt)
    (corrupt / "model.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    own_stack.add_worker("missing", TUNESCRIBE_MODEL_DIR=str(tmp_path / "no-such-model"))
    own_stack.add_worker("corrupt", TUNESCRIBE_MODEL_DIR=str(corrupt))
    workers = stack.wait_until(
        lambda: (w := stack.workers(own_stack.url)) and len(w) == 2
        and all(x["model_error"] for x in w) and w, 120, "workers did not report their models")
    assert all(x["model_version"] is None and x["model_error"].startswith("model unavailable") for x in workers)
    assert httpx.get(f"{own_stack.url}/api/health").json()["status"] == "degraded"

    user = stack.Client(own_stack.url)
    ends = [user.wait(user.upload(piano_wav)["id"]) for _ in range(2)]
    assert all(e["status"] == "failed" and e["error"].startswith("model unavailable") for e in ends)


def test_missing_notation_model_fails_jobs_with_its_reason(own_stack, piano_wav, tmp_path):
    own_stack.add_worker("no-notation", TUNESCRIBE_NOTATION_MODEL=str(tmp_path / "no-such" / "weights.json"))
    user = stack.Client(own_stack.url)
    end = user.wait(user.upload(piano_wav)["id"])
    assert end["status"] == "failed" and end["error"].startswith("notation model unavailable: notation model missing")


def test_missing_beat_network_fails_jobs_with_its_reason(own_stack, piano_wav, tmp_path):
    own_stack.add_worker("no-beats", TUNESCRIBE_BEAT_MODEL=str(tmp_path / "no-such-beats"))
    user = stack.Client(own_stack.url)
    end = user.wait(user.upload(piano_wav)["id"])
    assert end["status"] == "failed" and end["error"].startswith("beat network unavailable")
