"""The real stack, for the service tests and the benchmarks: a fresh PostgreSQL database, a Redis
database, the API under uvicorn and Celery worker processes, started as the compose images start them,
and the local S3-compatible server (SeaweedFS) for the object-store settings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "admin password for tests"
OPERATOR_TOKEN = "operator-token-for-tests-" + "o" * 20
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}  # for /metrics and health's worker list
# `make storage`: SeaweedFS's S3 gateway on this port, with the one identity of this file
S3_PORT = 8333
S3_ENDPOINT = f"http://127.0.0.1:{S3_PORT}"
S3_IDENTITIES = ROOT / "deploy" / "seaweedfs-s3.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database() -> tuple[str, str]:
    """A new empty PostgreSQL database; returns (name, SQLAlchemy URL)."""
    import psycopg

    name = f"tunescribe_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service_env(var_dir: Path, database_url: str, broker_url: str, **overrides: str) -> dict[str, str]:
    """Environment for API, worker and test process alike: production settings with short
    heartbeat and sweep periods so that the reliability tests finish in seconds."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "BROKER_URL": broker_url,
        "TUNESCRIBE_ENVIRONMENT": "production",
        "TUNESCRIBE_SECRET_KEY": "test-secret-" + "x" * 40,
        "TUNESCRIBE_VAR_DIR": str(var_dir),
        "TUNESCRIBE_HEARTBEAT_S": "1",
        "TUNESCRIBE_STALE_AFTER_S": "8",
        "TUNESCRIBE_REQUEUE_AFTER_S": "15",
        "TUNESCRIBE_SWEEP_EVERY_S": "2",
        "TUNESCRIBE_FRONTEND_DIR": str(var_dir / "no-frontend"),
        "TUNESCRIBE_ADMIN_EMAIL": ADMIN_EMAIL,
        "TUNESCRIBE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TUNESCRIBE_OPERATOR_TOKEN": OPERATOR_TOKEN,
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    })
    env.update(overrides)
    return env


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT):
        self.args, self.log = args, log
        self._out = open(log, "ab")
        self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (the Celery main process and its pool children)."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 20) -> None:
        self.kill(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
            self.proc.wait(5)
        self._out.close()

    def pool_pids(self) -> list[int]:
        """The worker's pool children (where tasks run)."""
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]


def start_api(env: dict[str, str], port: int, log: Path) -> Process:
    api = Process([PYTHON, "-m", "uvicorn", "services.api.main:app", "--host", "127.0.0.1", "--port", str(port),
                   "--no-access-log"], env, log)
    wait_until(lambda: _responds(f"http://127.0.0.1:{port}/api/limits"), 30, "the API did not start")
    return api


def start_worker(env: dict[str, str], name: str, log: Path, *extra: str, cwd: Path = ROOT, nice: int = 0) -> Process:
    """A worker; with `cwd` elsewhere it still runs this checkout's code (PYTHONPATH), as a worker on
    another machine runs the same image; with `nice`, at that lower CPU priority."""
    if cwd != ROOT:
        env = {**env, "PYTHONPATH": str(ROOT)}
    return Process([*(["nice", "-n", str(nice)] if nice else []), PYTHON, "-m", "celery", "-A", "services.worker.main", "worker", "--concurrency", "1",
                    "-n", f"{name}@%h", "--without-mingle", "--without-gossip", "-l", "INFO", *extra], env, log, cwd)


def start_trainer(env: dict[str, str], log: Path) -> Process:
    return Process([PYTHON, "-m", "celery", "-A", "services.trainer.tasks", "worker", "-Q", "train",
                    "--concurrency", "1", "-n", "trainer@%h", "--without-mingle", "--without-gossip", "-l", "INFO"],
                   env, log)


def start_beat(env: dict[str, str], var_dir: Path, log: Path) -> Process:
    return Process([PYTHON, "-m", "celery", "-A", "services.worker.main", "beat", "-l", "INFO",
                    "-s", str(var_dir / "beat-schedule")], env, log)


def storage_argv(data_dir: Path) -> list[str]:
    """`weed server` with its S3 gateway, every port on loopback, as `make storage` runs it."""
    return [str(Path(PYTHON).with_name("weed")), "server", f"-dir={data_dir}", "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1", "-s3", f"-s3.port={S3_PORT}", f"-s3.config={S3_IDENTITIES}",
            "-master.volumeSizeLimitMB=64"]


def storage_running() -> bool:
    return _responds(S3_ENDPOINT)


def start_storage(data_dir: Path, log: Path) -> Process:
    data_dir.mkdir(parents=True, exist_ok=True)
    weed = Process(storage_argv(data_dir), dict(os.environ), log)
    wait_until(storage_running, 60, "SeaweedFS did not start (see its log)")
    return weed


def s3_env(bucket: str, prefix: str = "") -> dict[str, str]:
    """The settings that put a stack's files in `bucket` on the local SeaweedFS."""
    (identity,) = json.loads(S3_IDENTITIES.read_text())["identities"]
    (keys,) = identity["credentials"]
    return {"TUNESCRIBE_STORAGE_URL": f"s3://{bucket}/{prefix}".rstrip("/"), "TUNESCRIBE_S3_ENDPOINT_URL": S3_ENDPOINT,
            "AWS_ACCESS_KEY_ID": keys["accessKey"], "AWS_SECRET_ACCESS_KEY": keys["secretKey"]}


def s3_store(bucket: str, prefix: str = "", **changes: str):
    """The S3Storage of `bucket` on the local SeaweedFS (settings in `changes` replaced)."""
    from services.common.storage import s3_storage

    env = {**s3_env(bucket, prefix), **changes}
    return s3_storage(env["TUNESCRIBE_STORAGE_URL"], env["TUNESCRIBE_S3_ENDPOINT_URL"], env["AWS_ACCESS_KEY_ID"],
                      env["AWS_SECRET_ACCESS_KEY"], "us-east-1")


class Stack:
    """A whole stack of its own (database, API, workers, beat) for tests that break things;
    `redis_url` may point at a private Redis the test restarts."""

    def __init__(self, root: Path, redis_url: str, **overrides: str):
        self.root = root
        self.db_name, url = create_database()
        self.env = service_env(root, url, redis_url, **overrides)
        subprocess.run([PYTHON, "-m", "services.common.migrate"], env=self.env, cwd=ROOT, check=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs = [start_api(self.env, self.port, root / "api.log"), start_beat(self.env, root, root / "beat.log")]
        self.workers: list[Process] = []

    def add_worker(self, name: str, *extra: str, cwd: Path = ROOT, **overrides: str) -> Process:
        w = start_worker({**self.env, **overrides}, name, self.root / f"worker-{name}.log", *extra, cwd=cwd)
        self.workers.append(w)
        return w

    def wait_for_workers(self, n: int, timeout: float = 120) -> list[dict]:
        return wait_until(lambda: (w := workers(self.url)) and len(w) >= n and w,
                          timeout, f"fewer than {n} workers reported")

    def close(self) -> None:
        for p in self.workers + self.procs:
            p.stop()
        drop_database(self.db_name)


def workers(base_url: str) -> list[dict]:
    """The live transcription workers, as an operator sees them in health."""
    return httpx.get(f"{base_url}/api/health", headers=OPERATOR, timeout=10).json()["workers"]


def _responds(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 600
    except httpx.HTTPError:
        return False


def wait_until(predicate, timeout: float, message: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise AssertionError(message)


def piano_wav(path: Path, seconds: float = 6.0, seed: int = 0) -> Path:
    """A short piano phrase rendered with FluidSynth (FluidR3 GM), as a 16-bit WAV."""
    from services.trainer.render import INSTRUMENTS, Part, Renderer
    from tunescribe.notes import Note

    rng = np.random.default_rng(seed)
    notes, t = [], 0.3
    while t < seconds - 0.8:
        pitch = int(rng.choice([60, 62, 64, 65, 67, 69, 71, 72]))
        notes.append(Note(pitch, t, t + 0.35, 80))
        t += 0.4
    y = Renderer().render_part(Part(INSTRUMENTS["piano"], notes), "fluidr3_gm", rng)
    sf.write(str(path), y / max(1e-6, np.abs(y).max()) * 0.8, 16000, subtype="PCM_16")
    return path


class Client:
    """A signed-in user of the API."""

    def __init__(self, base_url: str, email: str | None = None, password: str = "correct horse battery",
                 register: bool = True):
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        self.password = password
        if register:
            r = self.http.post("/api/auth/register", json={"email": self.email, "password": password})
            assert r.status_code == 201, r.text
        r = self.http.post("/api/auth/login", data={"username": self.email, "password": password})
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def upload(self, path: Path, title: str | None = None, instrument: str | None = None) -> dict:
        data = {k: v for k, v in (("title", title), ("instrument", instrument)) if v}
        with open(path, "rb") as f:
            r = self.http.post("/api/jobs", files={"file": (path.name, f)}, data=data)
        assert r.status_code == 202, r.text
        return r.json()

    def wait(self, job_id: str, timeout: float = 120) -> dict:
        """Poll until the job ends; returns its final state."""
        def ended():
            job = self.http.get(f"/api/jobs/{job_id}").json()
            return job if job["status"] in ("succeeded", "failed") else None
        return wait_until(ended, timeout, f"job {job_id} did not end in {timeout} s", every=0.5)
