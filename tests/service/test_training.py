"""Retraining as a service: runs started from the admin API on a trainer worker, the registry and
its evaluation gate, workers that follow the registry, and the admin role."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from services.api.main import app
from benchmarks import stack

WORKS = ["bach/bwv66.6.mxl", "ryansMammoth/DustyMillersJig.abc"]


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    """Two short works rendered by the corpus builder, each one in train, validation and test."""
    from services.trainer import corpus

    out = tmp_path_factory.mktemp("tiny-corpus")
    rows = corpus.build(out, 0, processes=1, works=WORKS)
    for split in ("train", "validation", "test"):
        (out / split).mkdir(exist_ok=True)
        for r in rows:
            src = out / r["split"] / f"{r['id']}.npz"
            if not (out / split / src.name).exists():
                (out / split / src.name).symlink_to(src)
    (out / "manifest.json").write_text(json.dumps([{**r, "split": s} for r in rows for s in ("train", "validation", "test")]))
    return out


@pytest.fixture(scope="module")
def trainer(services_env, var_dir, worker):
    proc = stack.start_trainer(services_env, var_dir / "trainer.log")
    yield proc
    proc.stop()


@pytest.fixture
def admin(api):
    return stack.Client(api, stack.ADMIN_EMAIL, stack.ADMIN_PASSWORD, register=False)


def _wait_run(admin, run_id, statuses=("succeeded", "failed", "cancelled"), timeout=300):
    def ended():
        run = admin.http.get(f"/api/admin/training-runs/{run_id}").json()
        return run if run["status"] in statuses else None
    return stack.wait_until(ended, timeout, f"training run {run_id} did not reach {statuses}", every=1)


def _active(admin, instrument: str = "ensemble") -> str:
    return next(m["version"] for m in admin.http.get("/api/admin/models").json()
                if m["status"] == "active" and m["instrument"] == instrument)


def test_admin_sees_whether_a_trainer_is_connected(services_env, var_dir, worker, admin):
    """No trainer: the admin page can say that runs wait; a trainer that starts shows up, and is
    gone when it stops."""
    listed = admin.http.get("/api/admin/workers").json()
    assert listed["trainers"] == [] and listed["workers"]
    proc = stack.start_trainer(services_env, var_dir / "trainer-presence.log")
    try:
        trainers = stack.wait_until(lambda: admin.http.get("/api/admin/workers").json()["trainers"], 120,
                                    "the trainer did not report")
        assert len(trainers) == 1 and ":" in trainers[0]["name"]
    finally:
        proc.stop()
    assert admin.http.get("/api/admin/workers").json()["trainers"] == []


def test_admin_routes_are_403_for_users_and_401_without_a_token(api, client):
    routes = [(m.upper(), path) for path, ops in app.openapi()["paths"].items() if path.startswith("/api/admin")
              for m in ops]
    assert len(routes) >= 7
    for method, path in routes:
        url = re.sub(r"\{run_id\}", "00000000-0000-0000-0000-000000000000", re.sub(r"\{version\}", "v", path))
        assert client.http.request(method, url, json={"path": "x"}).status_code == 403, (method, path)
        assert httpx.request(method, api + url, json={"path": "x"}).status_code == 401, (method, path)


def test_run_registers_a_candidate_that_is_not_promoted_when_worse(trainer, admin, tiny_corpus):
    assert _active(admin) == "tsunet-v1"
    r = admin.http.post("/api/admin/training-runs", json={"dataset": "synthetic", "path": str(tiny_corpus),
                                                          "epochs": 1, "steps_per_epoch": 3})
    assert r.status_code == 202, r.text
    run = _wait_run(admin, r.json()["id"])
    assert run["status"] == "succeeded", run["error"]
    assert run["epoch"] == 1 and run["loss"] > 0 and run["val_note_f1"] is not None
    assert run["test_note_f1"] < run["active_note_f1"] and not run["promoted"]
    models = {m["version"]: m for m in admin.http.get("/api/admin/models").json()}
    candidate = models[run["model_version"]]
    assert candidate["status"] == "candidate" and candidate["metrics"]["all"]["note_f1"] == run["test_note_f1"]
    assert models["tsunet-v1"]["status"] == "active"


def test_promoted_model_serves_the_next_job_and_rollback_restores(trainer, admin, client, piano_wav):
    candidates = [m["version"] for m in admin.http.get("/api/admin/models").json() if m["status"] == "candidate"]
    assert candidates, "needs the candidate of the previous test"
    new = candidates[0]
    assert admin.http.post(f"/api/admin/models/{new}/promote").json()["status"] == "active"
    assert client.wait(client.upload(piano_wav, instrument="ensemble")["id"])["model_version"] == new
    assert admin.http.post("/api/admin/models/rollback").json()["version"] == "tsunet-v1"
    assert _active(admin) == "tsunet-v1"
    assert client.wait(client.upload(piano_wav, instrument="ensemble")["id"])["model_version"] == "tsunet-v1"
    assert admin.http.post("/api/admin/models/no-such-model/promote").status_code == 404


def test_run_can_be_cancelled_and_resumed_from_its_checkpoint(trainer, admin, tiny_corpus, var_dir):
    run = admin.http.post("/api/admin/training-runs", json={"path": str(tiny_corpus), "epochs": 3,
                                                            "steps_per_epoch": 2}).json()
    _wait_run(admin, run["id"], statuses=("running",))
    assert admin.http.post(f"/api/admin/training-runs/{run['id']}/cancel").status_code == 200
    stopped = _wait_run(admin, run["id"])
    assert stopped["status"] == "cancelled" and stopped["epoch"] < 3
    assert admin.http.post(f"/api/admin/training-runs/{run['id']}/resume").status_code == 202
    done = _wait_run(admin, run["id"])
    assert done["status"] == "succeeded" and done["epoch"] == 3, done["error"]
    log = (var_dir / "trainer.log").read_text()
    if stopped["epoch"]:
        assert f"resumed after epoch {stopped['epoch']}" in log


def test_bad_training_run_ends_failed_with_a_reason(trainer, admin, tmp_path):
    run = admin.http.post("/api/admin/training-runs", json={"path": str(tmp_path / "nothing"), "epochs": 1}).json()
    done = _wait_run(admin, run["id"])
    assert done["status"] == "failed" and "manifest.json" in done["error"]


def test_musicnet_run_through_the_api_skips_bad_recordings(trainer, admin, tmp_path, services_env):
    from tests.test_musicnet import BAD, write_musicnet

    (tmp_path / "musicnet").mkdir()
    src, _, _ = write_musicnet(tmp_path / "musicnet")
    run = admin.http.post("/api/admin/training-runs", json={"dataset": "musicnet", "path": str(src), "epochs": 1,
                                                            "steps_per_epoch": 2}).json()
    done = _wait_run(admin, run["id"])
    assert done["status"] == "succeeded", done["error"]
    assert done["test_note_f1"] is not None and done["model_version"]
    card = next(m for m in admin.http.get("/api/admin/models").json() if m["version"] == done["model_version"])
    assert card["data"]["train"]["renditions"] == 1 and card["data"]["test"]["renditions"] == 1
    log = (Path(services_env["_VAR_DIR"]) / "trainer.log").read_text()
    assert all(f"MusicNet recording {rid} skipped" in log for rid in BAD)


def test_one_active_model_per_instrument_and_piano_jobs_use_the_piano_model(worker, admin, client, piano_wav,
                                                                           tmp_path):
    """Jobs asked to be piano are made by the shipped piano model, ensemble ones by the ensemble
    model, and Auto hears the piano; a promoted piano model replaces the piano model only, and
    rolls back to it."""
    import shutil

    from services.common.db import session_scope
    from services.common.registry import register

    shipped_piano = (stack.ROOT / "models" / "DEFAULT-piano").read_text().strip()
    ensemble = _active(admin)
    assert _active(admin, "piano") == shipped_piano
    job = client.upload(piano_wav, instrument="piano")
    assert job["instrument"] == "piano"
    assert client.wait(job["id"])["model_version"] == shipped_piano

    piano = tmp_path / "tsunet-piano-test"  # the shipped piano weights under another version
    shutil.copytree(stack.ROOT / "models" / shipped_piano, piano)
    card = json.loads((piano / "card.json").read_text())
    (piano / "card.json").write_text(json.dumps({**card, "version": piano.name}))
    with session_scope() as session:
        register(session, piano)
    promoted = admin.http.post(f"/api/admin/models/{piano.name}/promote").json()
    assert promoted["status"] == "active" and promoted["instrument"] == "piano"
    assert _active(admin) == ensemble and _active(admin, "piano") == piano.name

    by_instrument = {i: client.upload(piano_wav, instrument=i)["id"] for i in ("piano", "ensemble", "auto")}
    made_by = {i: client.wait(j)["model_version"] for i, j in by_instrument.items()}
    assert made_by == {"piano": piano.name, "ensemble": ensemble, "auto": piano.name}
    back = admin.http.post("/api/admin/models/rollback", params={"instrument": "piano"})
    assert back.status_code == 200 and back.json()["version"] == shipped_piano and _active(admin) == ensemble


def test_unknown_instrument_is_422_and_stores_nothing(client, piano_wav):
    with open(piano_wav, "rb") as f:
        r = client.http.post("/api/jobs", files={"file": ("a.wav", f)}, data={"instrument": "violin"})
    assert r.status_code == 422 and "instrument" in r.text
    assert client.http.get("/api/jobs").json()["count"] == 0
