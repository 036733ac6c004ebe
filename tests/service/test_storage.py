"""The storage contract, on both stores: the folder (the embedded default) and a bucket on a real
S3-compatible server (SeaweedFS, `make storage`; the `object_store` fixture starts it when it is
not up). And a whole job on object storage: a worker whose working directory shares no folder
with the API transcribes the upload and stores its results in the bucket; a store that does not
answer is a 503 with a sentence at upload, and a failed job with a sentence in the worker."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from benchmarks import stack
from services.common.artifacts import ARTIFACTS
from services.common.models import Artifact
from services.common.settings import Settings
from services.common.storage import LocalStorage, NotStored, S3Storage, StorageUnavailable, TooLarge

JOB = str(uuid.uuid4())
MALFORMED = ["", "audio.wav", f"{JOB}/../../etc/passwd", f"../{JOB}/audio.wav", f"{JOB}/Audio.wav",
             f"{JOB}/audio", f"{JOB}/sub/audio.wav", "/" + f"{JOB}/audio.wav", f"{JOB}/audio.wav\n"]


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    return stack.s3_store(request.getfixturevalue("bucket"), "under/a/prefix")


def names_in(store) -> set[str]:
    """Everything the store holds, as the server or the file system lists it."""
    if isinstance(store, LocalStorage):
        return {str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file()}
    listed = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    return {o["Key"] for o in listed}


def test_a_saved_stream_reads_back_whole(store):
    data = os.urandom(20 * 2**20 + 123)  # past the 8 MiB part size: a multipart upload on S3
    key = f"{JOB}/audio.wav"
    assert store.save(key, io.BytesIO(data), max_bytes=len(data)) == len(data)
    assert store.exists(key) and store.size(key) == len(data)
    with store.open(key) as f:
        assert f.read() == data


def test_saving_again_replaces_the_object(store):
    key = f"{JOB}/midi.mid"
    store.save(key, io.BytesIO(b"first version"))
    store.save(key, io.BytesIO(b"second"))
    with store.open(key) as f:
        assert f.read() == b"second"


def test_a_stream_over_the_cap_leaves_nothing(store):
    with pytest.raises(TooLarge):
        store.save(f"{JOB}/audio.wav", io.BytesIO(os.urandom(9 * 2**20)), max_bytes=9 * 2**20 - 1)
    assert not store.exists(f"{JOB}/audio.wav")
    assert names_in(store) == set()


def test_a_missing_key_is_not_stored(store):
    key = f"{uuid.uuid4()}/midi.mid"
    assert not store.exists(key)
    with pytest.raises(NotStored):
        store.open(key)
    with pytest.raises(NotStored):
        store.size(key)


def test_deleting_a_job_removes_its_files_and_only_those(store):
    other = str(uuid.uuid4())
    for job in (JOB, other):
        for kind in ("audio.wav", "midi.mid", "musicxml.musicxml"):
            store.save(f"{job}/{kind}", io.BytesIO(b"x"))
    store.delete_prefix(JOB)
    assert not store.exists(f"{JOB}/midi.mid")
    assert store.exists(f"{other}/midi.mid") and len(names_in(store)) == 3
    store.delete_prefix(JOB)  # again: nothing left to do, no error


@pytest.mark.parametrize("key", MALFORMED)
def test_malformed_keys_are_refused(store, key):
    for call in (lambda: store.save(key, io.BytesIO(b"x")), lambda: store.open(key),
                 lambda: store.exists(key), lambda: store.size(key)):
        with pytest.raises(ValueError, match="not a storage key"):
            call()
    assert names_in(store) == set()


@pytest.mark.parametrize("prefix", ["", "..", f"{JOB}/..", "../" + JOB, "*"])
def test_deleting_anything_but_a_job_folder_is_refused(store, prefix):
    with pytest.raises(ValueError, match="not a job folder"):
        store.delete_prefix(prefix)


def test_objects_live_under_the_url_prefix(bucket):
    store = stack.s3_store(bucket, "tunescribe/prod")
    store.save(f"{JOB}/midi.mid", io.BytesIO(b"x"))
    assert names_in(store) == {f"tunescribe/prod/{JOB}/midi.mid"}


def test_only_the_local_store_has_paths():
    assert hasattr(LocalStorage, "path") and not hasattr(S3Storage, "path")


def test_wrong_credentials_are_storage_unavailable(bucket):
    store = stack.s3_store(bucket, AWS_SECRET_ACCESS_KEY="not-the-secret")
    with pytest.raises(StorageUnavailable, match="file store"):
        store.save(f"{JOB}/midi.mid", io.BytesIO(b"x"))
    with pytest.raises(StorageUnavailable):
        store.open(f"{JOB}/midi.mid")


def test_an_unreachable_server_is_storage_unavailable():
    store = stack.s3_store("tunescribe", TUNESCRIBE_S3_ENDPOINT_URL=f"http://127.0.0.1:{stack.free_port()}")
    with pytest.raises(StorageUnavailable, match="file store"):
        store.exists(f"{JOB}/midi.mid")


@pytest.mark.parametrize("url", ["s3://", "s3:/bucket", "http://bucket/prefix", "s3://Bucket", "s3://a"])
def test_settings_refuse_a_malformed_storage_url(url):
    with pytest.raises(ValidationError, match="s3://BUCKET or s3://BUCKET/PREFIX"):
        Settings(storage_url=url)


def test_settings_read_the_usual_aws_variables(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.setenv("TUNESCRIBE_STORAGE_URL", "s3://tunescribe/prod")
    s = Settings()
    assert (s.aws_access_key_id, s.aws_secret_access_key, s.aws_region) == ("id", "secret", "eu-west-3")
    assert s.storage_url == "s3://tunescribe/prod"


def test_make_storage_runs_the_command_the_tests_run():
    out = subprocess.run(["make", "-n", "storage"], cwd=stack.ROOT, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.replace("\\\n", " ").splitlines() if " server " in x)
    expected = stack.storage_argv(Path("var/seaweedfs"))
    expected[0] = ".venv/bin/weed"
    expected = [a.replace(str(stack.ROOT) + "/", "") for a in expected]
    assert shlex.split(line) == expected


def test_a_worker_with_no_shared_folder_transcribes_into_the_bucket(bucket, private_redis, tmp_path, piano_wav):
    """The API and the worker each have their own working and var folders (as on two machines);
    the only things they share are PostgreSQL, Redis and the bucket."""
    api_side, worker_side = tmp_path / "api", tmp_path / "worker"
    api_side.mkdir()
    worker_side.mkdir()
    s = stack.Stack(api_side, private_redis[0], **stack.s3_env(bucket, "jobs"))
    try:
        s.add_worker("remote", cwd=worker_side, TUNESCRIBE_VAR_DIR=str(worker_side / "var"))
        s.wait_for_workers(1)
        user = stack.Client(s.url)
        job = user.upload(piano_wav, title="Over the wire")
        done = user.wait(job["id"], timeout=180)
        assert done["status"] == "succeeded", done["error"]
        assert done["note_count"] > 0

        midi = user.http.get(f"/api/jobs/{job['id']}/midi")
        assert midi.status_code == 200 and midi.content.startswith(b"MThd")
        assert midi.headers["content-disposition"] == 'attachment; filename="phrase.mid"'
        assert user.http.get(f"/api/jobs/{job['id']}/audio").content == piano_wav.read_bytes()
        engine = create_engine(s.env["DATABASE_URL"])
        with Session(engine) as session:
            keys = set(session.scalars(select(Artifact.key).where(Artifact.job_id == uuid.UUID(job["id"]))))
        engine.dispose()
        store = stack.s3_store(bucket)
        assert len(keys) == len(ARTIFACTS) and names_in(store) == {f"jobs/{k}" for k in keys}
        for side in (api_side, worker_side):  # nothing of the job on either side's disk
            assert not [p for p in side.rglob("*") if job["id"] in str(p) or p.suffix in (".wav", ".mid")]

        assert user.http.delete(f"/api/jobs/{job['id']}").status_code == 204
        assert names_in(store) == set()
    finally:
        s.close()


def test_a_store_that_does_not_answer_is_503_with_a_sentence_and_nothing_kept(services_env, var_dir, piano_wav):
    nowhere = {**stack.s3_env("tunescribe"), "TUNESCRIBE_S3_ENDPOINT_URL": f"http://127.0.0.1:{stack.free_port()}"}
    port = stack.free_port()
    api = stack.start_api({**services_env, **nowhere}, port, var_dir / "api-no-store.log")
    try:
        user = stack.Client(f"http://127.0.0.1:{port}")
        with open(piano_wav, "rb") as f:
            r = user.http.post("/api/jobs", files={"file": (piano_wav.name, f)})
        assert r.status_code == 503 and r.headers["Retry-After"] == "60"
        assert r.json()["detail"] == "The file store is unavailable; nothing was changed. Try again in a minute."
        assert user.http.get("/api/jobs").json()["count"] == 0
    finally:
        api.stop()


def test_a_worker_that_cannot_reach_the_store_fails_the_job_with_a_sentence(bucket, private_redis, tmp_path, piano_wav):
    s = stack.Stack(tmp_path, private_redis[0], **stack.s3_env(bucket))
    try:
        s.add_worker("locked-out", AWS_SECRET_ACCESS_KEY="not-the-secret")
        s.wait_for_workers(1)
        user = stack.Client(s.url)
        done = user.wait(user.upload(piano_wav)["id"], timeout=120)
        assert done["status"] == "failed"
        assert done["error"] == "the file store was unavailable; upload the recording again in a few minutes"
        assert "SignatureDoesNotMatch" in (tmp_path / "worker-locked-out.log").read_text()  # the detail, for the operator
    finally:
        s.close()
