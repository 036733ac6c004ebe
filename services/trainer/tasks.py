"""The trainer worker: `celery -A services.trainer.tasks worker -Q train --concurrency 1`.

Its own broker settings, since a run lasts hours: the message is acknowledged when the run
starts (state and checkpoints live in the database and under var/runs, so a lost run is resumed
from the admin API, not redelivered), and no time limits. Each trainer process reports itself in
`worker_beats` (role train), so the admin page can say whether any trainer is connected."""

from __future__ import annotations

from celery.signals import worker_process_init, worker_process_shutdown

from services.common.logs import configure_logging
from services.common.models import WorkerRole
from services.common.presence import Presence
from services.common.queue import TRAIN, TRAIN_QUEUE, make_celery
from services.trainer.runs import execute

configure_logging()
app = make_celery()
app.conf.update(task_acks_late=False, task_reject_on_worker_lost=False, task_soft_time_limit=None,
                task_time_limit=None, task_default_queue=TRAIN_QUEUE)
_presence = Presence(WorkerRole.TRAIN, lambda: (None, None))


@worker_process_init.connect
def _after_fork(**_) -> None:
    from services.common.db import get_engine

    get_engine().dispose(close=False)  # connections are not shared across the fork
    _presence.start()


@worker_process_shutdown.connect
def _on_shutdown(**_) -> None:
    _presence.stop()


@app.task(name=TRAIN)
def train_run(run_id: str) -> str:
    return execute(run_id)
