"""Loaded into a test worker with `--include tests.service.crash_plugin`: once a job titled
"crash me" is running, the pool process that runs it is killed, as a segfault or the OOM killer
would kill it in the middle of a job."""

import os
import signal
import threading
import time

from celery.signals import task_prerun

from services.common.db import session_scope
from services.common.models import Job
from services.common.queue import TRANSCRIBE


def _kill_when_running(job_id: str) -> None:
    for _ in range(600):
        with session_scope() as session:
            job = session.get(Job, job_id)
            if job is None or job.title != "crash me":
                return
            if job.status == "running":
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)


@task_prerun.connect
def _crash(sender=None, args=(), **_):
    if sender is not None and sender.name == TRANSCRIBE:
        threading.Thread(target=_kill_when_running, args=(args[0],), daemon=True).start()
