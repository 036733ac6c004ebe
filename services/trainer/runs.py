"""A training run as a service: corpus -> train (checkpointed, cancellable, resumable) -> pick
thresholds on validation -> measure the test split beside the serving model -> register the new
model -> promote it only when it measures at least as well. Progress lives in `training_runs`.

    python -m services.trainer.runs --dataset synthetic --path data/corpus --epochs 4
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import uuid
from pathlib import Path

from sqlalchemy import update

from services.common.db import session_scope
from services.common.heartbeat import Heartbeat
from services.common.models import ModelVersion, TrainingRun, TrainingRunStatus, utcnow
from services.common.registry import active_model, promote, register
from services.common.settings import get_settings
from tunescribe.cards import Instrument

log = logging.getLogger("tunescribe.trainer")


class Cancelled(Exception):
    pass


def execute(run_id: uuid.UUID | str) -> str:
    """Run (or resume) one training run to its end; returns its final status."""
    run_id = uuid.UUID(str(run_id))
    s = get_settings()
    with session_scope() as session:
        won = session.execute(update(TrainingRun).where(
            TrainingRun.id == run_id, TrainingRun.status.in_([TrainingRunStatus.QUEUED, TrainingRunStatus.RUNNING]))
            .values(status=TrainingRunStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow(), error=None)).rowcount
        run = session.get(TrainingRun, run_id)
    if not won:
        return run.status if run else "missing"
    extra = {"run_id": str(run_id)}
    # the sweep fails a run whose trainer stopped reporting (epochs can last long)
    with Heartbeat(lambda: _set(run_id, heartbeat_at=utcnow()), s.heartbeat_s):
        try:
            version = _train_and_register(run, s.var_dir / "runs" / str(run_id))
        except Cancelled:
            _set(run_id, status=TrainingRunStatus.CANCELLED, finished_at=utcnow())
            return TrainingRunStatus.CANCELLED
        except Exception as e:  # the reason goes to the row, the traceback to the log
            log.exception("training run failed", extra=extra)
            _set(run_id, status=TrainingRunStatus.FAILED, error=f"{type(e).__name__}: {e}"[:2000], finished_at=utcnow())
            return TrainingRunStatus.FAILED
    log.info("training run finished: %s", version, extra=extra)
    return TrainingRunStatus.SUCCEEDED


def _set(run_id: uuid.UUID, **values) -> TrainingRun:
    with session_scope() as session:
        session.execute(update(TrainingRun).where(TrainingRun.id == run_id).values(**values))
        return session.get(TrainingRun, run_id)


def _corpus(run: TrainingRun) -> Path:
    """The corpus folder to train on; a MusicNet folder is converted once into the corpus format."""
    path = Path(run.path)
    if run.dataset == "synthetic":
        if not (path / "manifest.json").is_file():
            raise FileNotFoundError(f"{path} is not a built corpus (no manifest.json); run `make corpus`")
        return path
    from services.trainer import musicnet

    out = get_settings().var_dir / "datasets" / f"musicnet-{run.id}"
    rows, skipped = musicnet.convert(path, out, Path(run.labels_path) if run.labels_path else None)
    for rec_id, reason in skipped:
        log.warning("MusicNet recording %s skipped: %s", rec_id, reason, extra={"run_id": str(run.id)})
    if not rows:
        raise ValueError(f"no usable MusicNet recordings under {path} ({len(skipped)} skipped)")
    return out


def _train_and_register(run: TrainingRun, run_dir: Path) -> str:
    from services.trainer.dataset import load_split
    from services.trainer.train import finish, test_metrics, train
    from tunescribe.model import load_model

    corpus = _corpus(run)
    with session_scope() as session:
        start = session.get(ModelVersion, run.base_model) if run.base_model else None
    if run.base_model and start is None:
        raise ValueError(f"no registered model {run.base_model} to start from")
    architecture, init = None, None
    if start is not None:
        architecture = start.card.get("architecture") or {"base": 16}  # the base model's, whatever the instrument
        init = Path(start.path) / "model.weights.h5"

    def on_epoch(row: dict) -> bool:
        r = _set(run.id, epoch=row["epoch"], loss=row["loss"], val_note_f1=row["val_note_f1"], heartbeat_at=utcnow())
        return not r.cancel_requested

    model, state = train(corpus, run_dir, minutes=float("inf"), epochs=run.epochs,
                         steps_per_epoch=run.steps_per_epoch, architecture=architecture, init_weights=init,
                         on_epoch=on_epoch, instrument=Instrument(run.instrument),
                         log=lambda m: log.info(m, extra={"run_id": str(run.id)}))
    with session_scope() as session:
        if session.get(TrainingRun, run.id).cancel_requested:
            raise Cancelled()
    if start is not None:  # heard as the base model is heard (a second hearing a semitone up, on the piano's)
        model.pitch_shifts = tuple(start.card.get("pitch_shifts", (0,)))
    family = "tsunet-piano" if run.instrument == Instrument.PIANO else "tsunet"
    version = f"{family}-{time.strftime('%Y%m%d')}-{run.id.hex[:6]}"
    out = get_settings().var_dir / "models" / version
    card = finish(model, state, corpus, out, version, log=lambda m: log.info(m, extra={"run_id": str(run.id)}))
    new_f1 = card["test"].get("all", {}).get("note_f1")

    # the gate: the model serving this instrument, measured on the same test pieces, in this run
    with session_scope() as session:
        serving = active_model(session, Instrument(run.instrument))
        serving_path = Path(serving.path) if serving else None
    serving_f1 = None
    test = load_split(corpus, "test")
    if serving_path is not None and test:
        serving_f1 = test_metrics(load_model(serving_path), test)["all"]["note_f1"]
    with session_scope() as session:
        register(session, out)
        promoted = new_f1 is not None and (serving_f1 is None or new_f1 >= serving_f1 + get_settings().promote_margin)
        if promoted:
            promote(session, version)
    _set(run.id, status=TrainingRunStatus.SUCCEEDED, model_version=version, test_note_f1=new_f1, active_note_f1=serving_f1,
         promoted=promoted, finished_at=utcnow())
    return version


def main(argv=None) -> None:
    from services.common.logs import configure_logging

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", choices=["synthetic", "musicnet"], default="synthetic")
    ap.add_argument("--instrument", choices=[Instrument.ENSEMBLE, Instrument.PIANO], default=Instrument.ENSEMBLE)
    ap.add_argument("--path", type=Path, default=Path("data/corpus"))
    ap.add_argument("--labels-path", type=Path, default=None, help="MusicNetEM MIDI labels folder")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--steps-per-epoch", type=int, default=300)
    ap.add_argument("--base-model", default=None, help="start from this registered model's weights")
    ap.add_argument("--resume", type=uuid.UUID, default=None, help="continue a cancelled or failed run")
    args = ap.parse_args(argv)
    configure_logging()
    with session_scope() as session:
        if args.resume:
            session.execute(update(TrainingRun).where(TrainingRun.id == args.resume)
                            .values(status=TrainingRunStatus.QUEUED, cancel_requested=False))
            run_id = args.resume
        else:
            run = TrainingRun(dataset=args.dataset, instrument=args.instrument, path=str(args.path.resolve()),
                              epochs=args.epochs, labels_path=str(args.labels_path.resolve()) if args.labels_path else None,
                              steps_per_epoch=args.steps_per_epoch, base_model=args.base_model)
            session.add(run)
            session.flush()
            run_id = run.id
    status = execute(run_id)
    with session_scope() as session:
        run = session.get(TrainingRun, run_id)
        print(json.dumps({"id": str(run.id), "status": status, "model_version": run.model_version,
                          "test_note_f1": run.test_note_f1, "active_note_f1": run.active_note_f1,
                          "promoted": run.promoted, "error": run.error}, indent=1))


if __name__ == "__main__":
    main()
