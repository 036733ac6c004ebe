"""The job lifecycle both sides share: queueing (API, sweep) and the sweep that keeps no job
stuck. Updates are conditional, so two processes racing on one job cannot both win."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.models import Job, TrainingRun, utcnow
from services.common.queue import TRANSCRIBE, celery_app
from services.common.settings import get_settings

log = logging.getLogger("tunescribe.jobs")

WORKER_LOST = "the worker stopped while transcribing this file ({attempts} attempts); it may be too demanding to process"


def enqueue(job_id: uuid.UUID) -> None:
    """Hand a job to the workers; the task takes only the id."""
    celery_app.send_task(TRANSCRIBE, args=[str(job_id)])


def sweep(session: Session) -> dict[str, int]:
    """Re-queue jobs whose message was lost, and jobs whose worker stopped reporting (until they
    have had `max_attempts`, then fail them). Returns counts for the log."""
    s = get_settings()
    now = utcnow()
    counts = {"requeued_lost": 0, "requeued_stale": 0, "failed_stale": 0, "training_runs_lost": 0}
    lost = session.scalars(select(Job.id).where(
        Job.status == "queued", Job.queued_at < now - timedelta(seconds=s.requeue_after_s))).all()
    for job_id in lost:
        if session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                           .values(queued_at=now)).rowcount:
            session.commit()
            enqueue(job_id)
            counts["requeued_lost"] += 1
            log.warning("job queued too long; sent again", extra={"job_id": job_id})
    stale = session.execute(select(Job.id, Job.claim, Job.attempts).where(
        Job.status == "running", Job.heartbeat_at < now - timedelta(seconds=s.stale_after_s))).all()
    for job_id, claim, attempts in stale:
        if attempts >= s.max_attempts:
            values = dict(status="failed", stage="failed", claim=None, finished_at=now,
                          error=WORKER_LOST.format(attempts=attempts))
            key = "failed_stale"
        else:
            values = dict(status="queued", stage="queued", claim=None, queued_at=now)
            key = "requeued_stale"
        if session.execute(update(Job).where(Job.id == job_id, Job.claim == claim,
                                             Job.status == "running").values(**values)).rowcount:
            session.commit()
            counts[key] += 1
            log.warning("worker stopped reporting: %s", key, extra={"job_id": job_id})
            if key == "requeued_stale":
                enqueue(job_id)
    counts["training_runs_lost"] = session.execute(
        update(TrainingRun).where(TrainingRun.status == "running",
                                  TrainingRun.heartbeat_at < now - timedelta(seconds=s.stale_after_s))
        .values(status="failed", finished_at=now,
                error="the trainer stopped reporting; resume the run to continue from its last checkpoint")).rowcount
    session.commit()
    return counts
