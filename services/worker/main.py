"""The worker process: `celery -A services.worker.main worker --concurrency 1`.

The model loads once in each pool process, after the fork (TensorFlow does not survive a fork);
each pool process reports a heartbeat with its model version, read by health and metrics."""

from __future__ import annotations

import os
import socket
import threading

from celery.signals import worker_process_init, worker_process_shutdown
from sqlalchemy import delete

from services.common.db import session_scope
from services.common.logs import configure_logging
from services.common.models import WorkerBeat, utcnow
from services.common.queue import celery_app
from services.common.settings import get_settings
from services.worker import model_holder, tasks  # noqa: F401  (registers the tasks)

configure_logging()
_stop = threading.Event()


def _name() -> str:
    """This pool process, as health and metrics list it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _beat(name: str) -> None:
    while True:
        version, error = model_holder.status()
        with session_scope() as session:
            row = session.get(WorkerBeat, name) or WorkerBeat(name=name)
            row.model_version, row.model_error, row.seen_at = version, error, utcnow()
            session.add(row)
        if _stop.wait(get_settings().heartbeat_s):
            return


@worker_process_init.connect
def _after_fork(**_) -> None:
    from services.common.db import get_engine

    get_engine().dispose(close=False)  # connections are not shared across the fork
    model_holder.refresh()
    threading.Thread(target=_beat, args=(_name(),), daemon=True).start()


@worker_process_shutdown.connect
def _on_shutdown(**_) -> None:
    _stop.set()
    with session_scope() as session:
        session.execute(delete(WorkerBeat).where(WorkerBeat.name == _name()))


app = celery_app
