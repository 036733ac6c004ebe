"""A full retrain from scratch on the synthetic corpus, started through the admin API, beside the
shipped model: does it reproduce the shipped model's test-split note F1 (within 0.02)?

It runs the embedded stack (SQLite and the file-system broker) under benchmarks/work/retrain, so an
interrupted benchmark resumes the same run from its last checkpoint when started again:

    make corpus && .venv/bin/python benchmarks/retrain.py [--epochs 6 --steps-per-epoch 300]

Writes benchmarks/results/retrain.json and .md."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import stack  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "retrain"
RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus")
    ap.add_argument("--epochs", type=int, default=6)  # the shipped model's schedule (card: training.epochs)
    ap.add_argument("--steps-per-epoch", type=int, default=300)
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    env = stack.service_env(WORK, "", "")  # embedded: SQLite and the file-system broker under WORK
    env.update(TUNESCRIBE_ENVIRONMENT="development", TUNESCRIBE_SECRET_KEY="")
    import subprocess

    subprocess.run([stack.PYTHON, "-m", "services.common.migrate"], env=env, cwd=ROOT, check=True)
    port = stack.free_port()
    procs = [stack.start_api(env, port, WORK / "api.log"), stack.start_trainer(env, WORK / "trainer.log")]
    try:
        admin = stack.Client(f"http://127.0.0.1:{port}", stack.ADMIN_EMAIL, stack.ADMIN_PASSWORD, register=False)
        state_file = WORK / "run.json"
        state = json.loads(state_file.read_text()) if state_file.is_file() else {}
        if state.get("id"):
            run = admin.http.get(f"/api/admin/training-runs/{state['id']}").json()
            if run["status"] in ("failed", "cancelled", "running"):  # running: its trainer died with us
                if run["status"] == "running":
                    admin.http.post(f"/api/admin/training-runs/{state['id']}/cancel")
                    run = _wait(admin, state["id"], ("cancelled", "failed", "succeeded"))
                if run["status"] != "succeeded":
                    admin.http.post(f"/api/admin/training-runs/{state['id']}/resume")
        else:
            run = admin.http.post("/api/admin/training-runs", json={
                "dataset": "synthetic", "path": str(args.corpus.resolve()), "epochs": args.epochs,
                "steps_per_epoch": args.steps_per_epoch}).json()
            state = {"id": run["id"], "started": time.time()}
            state_file.write_text(json.dumps(state))
        run = _wait(admin, state["id"], ("succeeded", "failed", "cancelled"), log=True)
        _report(admin, run, state)
    finally:
        for p in procs:
            p.stop()


def _wait(admin, run_id, statuses, log=False):
    last = None
    while True:
        run = admin.http.get(f"/api/admin/training-runs/{run_id}").json()
        if log and (run["epoch"], run["status"]) != last:
            last = (run["epoch"], run["status"])
            print(json.dumps({k: run[k] for k in ("status", "epoch", "loss", "val_note_f1")}), flush=True)
        if run["status"] in statuses:
            return run
        time.sleep(20)


def _report(admin, run, state) -> None:
    shipped = json.loads((ROOT / "models" / "tsunet-v1" / "card.json").read_text())
    card_path = WORK / "models" / (run["model_version"] or "-") / "card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    from datetime import datetime

    run_minutes = (datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
                   ).total_seconds() / 60 if run["finished_at"] and run["started_at"] else None
    result = {
        "run": run,
        "shipped": {"version": shipped["version"], "test_note_f1_card": shipped["test"]["all"]["note_f1"],
                    "test_note_f1_measured_in_run": run["active_note_f1"],
                    "training_minutes": shipped["training"]["minutes"]},
        "retrained": {"version": run["model_version"], "test_note_f1": run["test_note_f1"],
                      "test": card.get("test", {}).get("all"), "data": card.get("data"),
                      "training_minutes": card.get("training", {}).get("minutes")},
        "run_minutes": round(run_minutes, 1) if run_minutes else None,  # training + thresholds + both evaluations
    }
    if run["test_note_f1"] is not None and run["active_note_f1"] is not None:
        result["difference"] = round(run["test_note_f1"] - run["active_note_f1"], 4)
        result["within_0.02"] = abs(result["difference"]) <= 0.02
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "retrain.json").write_text(json.dumps(result, indent=1))
    md = ["# Retrain from scratch through the admin API", "",
          f"Run `{run['id']}`: status {run['status']}, {run['epoch']} epochs; training "
          f"{result['retrained']['training_minutes']} min, the whole run (training, threshold choice on "
          f"validation, both models on the test split) {result['run_minutes']} min on this machine "
          f"(2 CPU cores, shared with other work). The shipped model trained "
          f"{shipped['training']['minutes']} min.", "",
          "| model | test note F1 |", "|---|---|",
          f"| shipped {shipped['version']} (measured in the run) | {run['active_note_f1']:.4f} |",
          f"| retrained {run['model_version']} | {run['test_note_f1']:.4f} |", "",
          f"Difference {result.get('difference')}; within 0.02: {result.get('within_0.02')}; "
          f"promoted: {run['promoted']}.", "",
          f"Training audio: retrained on {(card.get('data') or {}).get('train')}, shipped on "
          f"{shipped['data']['train']} (the shipped corpus was rendered by an earlier revision of the "
          f"corpus builder, whose 10-hour cut fell later). Test split: {(card.get('data') or {}).get('test')}; "
          f"the shipped model's card reports {shipped['test']['all']['note_f1']:.4f} on its own "
          f"{shipped['test']['all']['pieces']}-piece split.", ""]
    (RESULTS / "retrain.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
