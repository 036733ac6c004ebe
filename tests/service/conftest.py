"""One real stack for the service tests (see stack.py). The test process uses the same settings
as the services, so it can read the database they write."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from benchmarks import stack

REDIS_DB = int(os.environ.get("TUNESCRIBE_TEST_REDIS_DB", "11"))  # the tests' own database, flushed at start


def _require_services() -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(stack.PG_ADMIN, connect_timeout=3).close()
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=3).ping()
    except Exception as e:  # CI starts them (.ci/run); say so plainly rather than skip
        pytest.fail(f"PostgreSQL and Redis must run on 127.0.0.1 (see README): {e}")


@pytest.fixture(scope="session")
def services_env(tmp_path_factory):
    """Creates the database, points this process's settings at it, migrates; yields the env."""
    import redis

    _require_services()
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    var_dir = tmp_path_factory.mktemp("stack")  # pytest keeps it (logs) for the last runs
    name, url = stack.create_database()
    env = stack.service_env(var_dir, url, f"redis://127.0.0.1:6379/{REDIS_DB}")
    saved = dict(os.environ)
    os.environ.update(env)
    from services.common.db import get_engine
    from services.common.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    subprocess.run([stack.PYTHON, "-m", "services.common.migrate"], env=env, cwd=stack.ROOT, check=True)
    env["_VAR_DIR"] = str(var_dir)
    yield env
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
    os.environ.clear()
    os.environ.update(saved)
    stack.drop_database(name)


@pytest.fixture(scope="session")
def var_dir(services_env) -> Path:
    return Path(services_env["_VAR_DIR"])


@pytest.fixture(scope="session")
def api(services_env, var_dir):
    """The API under uvicorn; yields its base URL."""
    port = stack.free_port()
    proc = stack.start_api(services_env, port, var_dir / "api.log")
    yield f"http://127.0.0.1:{port}"
    proc.stop()


@pytest.fixture(scope="session")
def worker(services_env, var_dir, api):
    """One worker and the periodic sweep (celery beat) for the whole session."""
    beat = stack.start_beat(services_env, var_dir, var_dir / "beat.log")
    w = stack.start_worker(services_env, "main", var_dir / "worker-main.log")
    stack.wait_until(lambda: stack.workers(api), 90, "no worker reported")
    yield w
    w.stop()
    beat.stop()


@pytest.fixture
def client(api):
    return stack.Client(api)


@pytest.fixture(scope="session")
def piano_wav(tmp_path_factory) -> Path:
    return stack.piano_wav(tmp_path_factory.mktemp("audio") / "phrase.wav")


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of the test's own, which the test may stop and start again."""
    port = stack.free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(tmp_path)]
    server = {"proc": subprocess.Popen(args, stdout=subprocess.DEVNULL)}
    stack.wait_until(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0,
                     10, "redis did not start")

    def restart():
        server["proc"].kill()
        server["proc"].wait()
        server["proc"] = subprocess.Popen(args, stdout=subprocess.DEVNULL)

    yield f"redis://127.0.0.1:{port}/0", restart
    server["proc"].kill()


@pytest.fixture(scope="session")
def object_store(tmp_path_factory):
    """The local S3-compatible server (`make storage`), started for the session when it is not up."""
    weed = None
    if not stack.storage_running():
        root = tmp_path_factory.mktemp("seaweedfs")
        weed = stack.start_storage(root / "data", root / "weed.log")
    yield stack.S3_ENDPOINT
    if weed is not None:
        weed.stop()


@pytest.fixture
def bucket(object_store) -> str:
    """A new bucket of the test's own on the local server, emptied and removed afterwards."""
    name = f"tunescribe-test-{uuid.uuid4().hex[:12]}"
    store = stack.s3_store(name)
    store.prepare()
    yield name
    for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for o in page.get("Contents", []):
            store.client.delete_object(Bucket=name, Key=o["Key"])
    store.client.delete_bucket(Bucket=name)
