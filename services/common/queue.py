"""The Celery app both sides share, configured for long jobs, and the task names. The API only
sends tasks by name; their code lives in services/worker."""

from __future__ import annotations

import uuid

from celery import Celery
from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.common import fsbroker  # noqa: F401  (registers tsfs://, the embedded broker)
from services.common.settings import get_settings

TRANSCRIBE = "tunescribe.transcribe"
REVISE = "tunescribe.revise"  # make a revision's files from its corrected notes
SWEEP = "tunescribe.sweep"
TRAIN = "tunescribe.train"
TRAIN_QUEUE = "train"  # served only by trainer workers (services/trainer/tasks.py)


class QueueUnavailable(Exception):
    """The broker did not take the message; `str(error)` says so in words a user can read."""


def send(task: str, object_id: uuid.UUID) -> None:
    """Send a task by name with the id it works on; a broker that is down is retried briefly, then
    QueueUnavailable (never a hang, never an unreadable error)."""
    try:
        celery_app.send_task(task, args=[str(object_id)], retry=True, retry_policy={
            "max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0})
    except Exception as e:  # kombu raises OperationalError, socket and Redis errors
        raise QueueUnavailable("the job queue is unavailable; nothing was stored, please try again in a minute") from e


def send_or_remove(session: Session, task: str, row) -> None:
    """Send `task` for the row just committed (a job or a revision); when the broker cannot take
    it, the row is deleted again, so that no half-made work is left, and QueueUnavailable raised."""
    try:
        send(task, row.id)
    except QueueUnavailable:
        model = type(row)
        session.execute(delete(model).where(model.id == row.id))
        session.commit()
        raise


def make_celery() -> Celery:
    s = get_settings()
    app = Celery("tunescribe", broker=s.broker_url)
    options: dict = {"visibility_timeout": s.job_hard_limit_s + 300,  # above the hard limit
                     "socket_connect_timeout": 5}  # an unreachable broker is an error, not a hang
    if s.embedded:
        folder, control = s.broker_dir / "messages", s.broker_dir / "control"
        for f in (folder, control):
            f.mkdir(parents=True, exist_ok=True)
        options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(control)}
    app.conf.update(
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,  # job state lives in our tables
        task_acks_late=True,  # a message is acked after the job, so a dead worker's job is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # long jobs: a worker holds only the one it runs
        task_soft_time_limit=s.job_soft_limit_s,
        task_time_limit=s.job_hard_limit_s,
        worker_proc_alive_timeout=120,  # a pool process loads TensorFlow and the model before it says it is up
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
        beat_schedule={"sweep": {"task": SWEEP, "schedule": s.sweep_every_s}},
        task_routes={TRAIN: {"queue": TRAIN_QUEUE}},
    )
    return app


celery_app = make_celery()
