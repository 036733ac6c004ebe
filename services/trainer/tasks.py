"""The trainer worker: `celery -A services.trainer.tasks worker -Q train --concurrency 1`.

Its own broker settings, since a run lasts hours: the message is acknowledged when the run
starts (state and checkpoints live in the database and under var/runs, so a lost run is resumed
from the admin API, not redelivered), and no time limits."""

from __future__ import annotations

from services.common.logs import configure_logging
from services.common.queue import TRAIN, TRAIN_QUEUE, make_celery
from services.trainer.runs import execute

configure_logging()
app = make_celery()
app.conf.update(task_acks_late=False, task_reject_on_worker_lost=False, task_soft_time_limit=None,
                task_time_limit=None, task_default_queue=TRAIN_QUEUE)


@app.task(name=TRAIN)
def train_run(run_id: str) -> str:
    return execute(run_id)
