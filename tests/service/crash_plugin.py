"""Loaded into a test worker with `--include tests.service.crash_plugin`: once a job titled
"crash me" is running, the pool process that runs it is killed, as a segfault or the OOM killer
would kill it in the middle of a job; so is the process making revision 2 of a job titled
"crash my revisions"."""

import os
import signal
import threading
import time
import uuid

from celery.signals import task_prerun

from services.common.db import session_scope
from services.common.models import Job, Revision
from services.common.queue import REVISE, TRANSCRIBE


def _kill_when_running(job_id: str) -> None:
    for _ in range(600):
        with session_scope() as session:
            job = session.get(Job, job_id)
            if job is None or job.title != "crash me":
                return
            if job.status == "running":
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)


def _kill_when_revising(revision_id: str) -> None:
    for _ in range(600):
        with session_scope() as session:
            revision = session.get(Revision, uuid.UUID(revision_id))
            if revision is None or revision.number != 2 or revision.job.title != "crash my revisions":
                return
            if revision.status == "running":
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)


@task_prerun.connect
def _crash(sender=None, args=(), **_):
    target = {TRANSCRIBE: _kill_when_running, REVISE: _kill_when_revising}.get(getattr(sender, "name", None))
    if target is not None:
        threading.Thread(target=target, args=(args[0],), daemon=True).start()
