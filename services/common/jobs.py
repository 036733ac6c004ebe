"""The life of a job, in one module: create (API), claim, progress, succeed and fail (worker),
requeue (the sweep). Every change of a job's row goes through here. Updates are conditional on
the status and on the claim of the run that owns the job, so two processes racing on one job
cannot both win."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from services.common.artifacts import ArtifactKind
from services.common.db import session_scope
from services.common.models import Artifact, Job, JobStage, JobStatus, TrainingRun, TrainingRunStatus, utcnow
from services.common.queue import TRANSCRIBE, QueueUnavailable, send, send_or_remove
from services.common.settings import get_settings

log = logging.getLogger("tunescribe.jobs")

WORKER_LOST = "the worker stopped while transcribing this file ({attempts} attempts); it may be too demanding to process"
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class LostClaim(Exception):
    """Another run owns the job now (or it was deleted): stop without writing."""


def create(session: Session, job: Job, audio: Artifact) -> Job:
    """Insert a queued job with its stored upload and hand it to the workers. When the broker
    cannot take the message, the rows are removed again and QueueUnavailable is raised, so no
    half-made job is left (the caller removes the file)."""
    session.add_all([job, audio])
    session.commit()
    send_or_remove(session, TRANSCRIBE, job)
    log.info("job queued", extra={"job_id": job.id, "user_id": job.user_id})
    return job


def claim(job_id: uuid.UUID, owner: str) -> int | None:
    """Take the job for the task run `owner`: a queued job, or a running one whose own message
    came back (its worker died). Returns the attempt number, or None when there is nothing to do
    (the job is finished, deleted, owned by another live run, or out of attempts: then failed)."""
    max_attempts = get_settings().max_attempts
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.status in FINISHED:
            return None
        if job.status == JobStatus.RUNNING and job.claim != owner:
            return None  # another live run has it
        if job.attempts >= max_attempts:
            session.execute(update(Job).where(Job.id == job_id, Job.status == job.status).values(
                status=JobStatus.FAILED, stage=JobStage.FAILED, claim=None, finished_at=utcnow(),
                error=WORKER_LOST.format(attempts=job.attempts)))
            return None
        attempt = job.attempts + 1  # read before the update, which also refreshes `job` in the session
        won = session.execute(
            update(Job).where(Job.id == job_id, or_(Job.status == JobStatus.QUEUED, Job.claim == owner))
            .values(status=JobStatus.RUNNING, stage=JobStage.DECODING, progress=0.0, claim=owner, error=None,
                    attempts=Job.attempts + 1, started_at=utcnow(), heartbeat_at=utcnow())).rowcount
        return attempt if won else None


def progress(job_id: uuid.UUID, owner: str, /, **values) -> None:
    """Write a running job's stage, progress or facts (duration_s) while `owner` holds its claim;
    LostClaim otherwise."""
    with session_scope() as session:
        won = session.execute(update(Job).where(Job.id == job_id, Job.claim == owner,
                                                Job.status == JobStatus.RUNNING)
                              .values(heartbeat_at=utcnow(), **values)).rowcount
    if not won:
        raise LostClaim()


def heartbeat(job_id: uuid.UUID, owner: str) -> None:
    """Tell the sweep that the run owning the job is alive."""
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job_id, Job.claim == owner).values(heartbeat_at=utcnow()))


def succeed(job_id: uuid.UUID, owner: str, results: list[Artifact], **facts) -> None:
    """Mark the job succeeded with its result files (replacing any of an earlier attempt) and its
    facts (note_count, duration_s, model_version, <stage>_s seconds). LostClaim when `owner` no
    longer holds it."""
    now = utcnow()
    with session_scope() as session:
        started = session.scalar(select(Job.started_at).where(Job.id == job_id))
        won = session.execute(update(Job).where(Job.id == job_id, Job.claim == owner, Job.status == JobStatus.RUNNING)
                              .values(status=JobStatus.SUCCEEDED, stage=JobStage.DONE, progress=1.0, claim=None,
                                      error=None, finished_at=now, heartbeat_at=now,
                                      run_s=(now - started).total_seconds() if started else None, **facts)).rowcount
        if not won:
            raise LostClaim()
        session.execute(delete(Artifact).where(Artifact.job_id == job_id, Artifact.kind != ArtifactKind.AUDIO,
                                               Artifact.revision == 0))
        session.add_all(results)


def fail(job_id: uuid.UUID, owner: str, reason: str) -> None:
    """Mark the job failed with a reason a user can read, if `owner` still holds it."""
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job_id, Job.claim == owner, Job.status == JobStatus.RUNNING)
                        .values(status=JobStatus.FAILED, stage=JobStage.FAILED, claim=None, error=reason,
                                finished_at=utcnow(), heartbeat_at=utcnow()))


def upload_of(job_id: uuid.UUID) -> tuple[str | None, str | None, str | None]:
    """(storage key of the upload, title, instrument asked for) of a job."""
    with session_scope() as session:
        key = session.scalar(select(Artifact.key).where(Artifact.job_id == job_id, Artifact.kind == ArtifactKind.AUDIO))
        row = session.execute(select(Job.title, Job.instrument).where(Job.id == job_id)).one_or_none()
        return (key, *row) if row else (key, None, None)


def original_key(job_id: uuid.UUID, kind: ArtifactKind) -> str | None:
    """The storage key of the original transcription's file of `kind` (revision 0), if stored."""
    with session_scope() as session:
        return session.scalar(select(Artifact.key).where(Artifact.job_id == job_id, Artifact.kind == kind,
                                                         Artifact.revision == 0))


def _resend(job_id: uuid.UUID) -> bool:
    """Send a queued job again; when the broker is down it stays queued for the next sweep."""
    try:
        send(TRANSCRIBE, job_id)
        return True
    except QueueUnavailable as e:
        log.warning("could not requeue: %s", e, extra={"job_id": job_id})
        return False


def sweep(session: Session) -> dict[str, int]:
    """Requeue jobs whose message was lost, and jobs whose worker stopped reporting (until they
    have had `max_attempts`, then fail them); fail training runs whose trainer stopped reporting.
    Returns counts for the log."""
    s = get_settings()
    now = utcnow()
    counts = {"requeued_lost": 0, "requeued_stale": 0, "failed_stale": 0, "training_runs_lost": 0}
    lost = session.scalars(select(Job.id).where(
        Job.status == JobStatus.QUEUED, Job.queued_at < now - timedelta(seconds=s.requeue_after_s))).all()
    for job_id in lost:
        if session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                           .values(queued_at=now)).rowcount:
            session.commit()
            if _resend(job_id):
                counts["requeued_lost"] += 1
                log.warning("job queued too long; sent again", extra={"job_id": job_id})
    stale = session.execute(select(Job.id, Job.claim, Job.attempts).where(
        Job.status == JobStatus.RUNNING, Job.heartbeat_at < now - timedelta(seconds=s.stale_after_s))).all()
    for job_id, owner, attempts in stale:
        if attempts >= s.max_attempts:
            values = dict(status=JobStatus.FAILED, stage=JobStage.FAILED, claim=None, finished_at=now,
                          error=WORKER_LOST.format(attempts=attempts))
            key = "failed_stale"
        else:
            values = dict(status=JobStatus.QUEUED, stage=JobStage.QUEUED, claim=None, queued_at=now)
            key = "requeued_stale"
        if session.execute(update(Job).where(Job.id == job_id, Job.claim == owner,
                                             Job.status == JobStatus.RUNNING).values(**values)).rowcount:
            session.commit()
            counts[key] += 1
            log.warning("worker stopped reporting: %s", key, extra={"job_id": job_id})
            if key == "requeued_stale":
                _resend(job_id)
    counts["training_runs_lost"] = session.execute(
        update(TrainingRun).where(TrainingRun.status == TrainingRunStatus.RUNNING,
                                  TrainingRun.heartbeat_at < now - timedelta(seconds=s.stale_after_s))
        .values(status=TrainingRunStatus.FAILED, finished_at=now,
                error="the trainer stopped reporting; resume the run to continue from its last checkpoint")).rowcount
    session.commit()
    return counts
