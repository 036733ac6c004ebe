"""The worker process: `celery -A services.worker.main worker --concurrency 1`.

The model loads once in each pool process, after the fork (TensorFlow does not survive a fork);
each pool process reports a heartbeat with its model version, read by health, metrics and the
admin page."""

from __future__ import annotations

from celery.signals import worker_process_init, worker_process_shutdown

from services.common.logs import configure_logging
from services.common.models import WorkerRole
from services.common.presence import Presence
from services.common.queue import celery_app
from services.worker import model_holder, tasks  # noqa: F401  (registers the tasks)

configure_logging()
_presence = Presence(WorkerRole.TRANSCRIBE, model_holder.status)


@worker_process_init.connect
def _after_fork(**_) -> None:
    from services.common.db import get_engine

    get_engine().dispose(close=False)  # connections are not shared across the fork
    model_holder.refresh()
    _presence.start()


@worker_process_shutdown.connect
def _on_shutdown(**_) -> None:
    _presence.stop()


app = celery_app
