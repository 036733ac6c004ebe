"""Loaded into a test worker with `--include tests.service.crash_plugin`: once a job titled
"crash me" is running, the pool process that runs it is killed, as a segfault or the OOM killer
would kill it in the middle of a job; so is the process making revision 2 of a job titled
"crash my revisions", as it starts writing the corrected score (a revision is over too quickly to
be caught running from outside)."""

import os
import signal
import threading
import time
import uuid

from celery.signals import task_prerun

from services.common.db import session_scope
from services.common.models import Job, Revision
from services.common.queue import REVISE, TRANSCRIBE
from tunescribe import pipeline


def _kill_when_running(job_id: str) -> None:
    for _ in range(600):
        with session_scope() as session:
            job = session.get(Job, job_id)
            if job is None or job.title != "crash me":
                return
            if job.status == "running":
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)


_revising = {"target": False}


def _mark_revision(revision_id: str) -> None:
    with session_scope() as session:
        revision = session.get(Revision, uuid.UUID(revision_id))
        _revising["target"] = revision is not None and revision.number == 2 \
            and revision.job.title == "crash my revisions"


def _notate_or_die(*args, **kwargs):
    if _revising["target"]:
        os.kill(os.getpid(), signal.SIGKILL)
    return _notate_file(*args, **kwargs)


_notate_file, pipeline.notate_file = pipeline.notate_file, _notate_or_die


@task_prerun.connect
def _crash(sender=None, args=(), **_):
    name = getattr(sender, "name", None)
    if name == TRANSCRIBE:
        threading.Thread(target=_kill_when_running, args=(args[0],), daemon=True).start()
    elif name == REVISE:
        _mark_revision(args[0])
