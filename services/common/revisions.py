"""The life of a revision (a set of corrections to a job's notes), in one module: create (API),
claim, progress, succeed and fail (worker), its PDF kept once engraved (API), the sweep, and which
revision a download gets. A job's revisions are made one at a time in the order they were sent: a
revision waits while an earlier one is queued or running, and the end of each sends the next. A
revision is never retried: when its worker dies it fails with a reason, and the revisions before
it stay as they were."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.db import session_scope
from services.common.jobs import LostClaim
from services.common.models import Artifact, Job, JobStatus, Revision, utcnow
from services.common.queue import REVISE, QueueUnavailable, send, send_or_remove
from services.common.settings import get_settings
from tunescribe.edits import NoteEdit, check_edits

log = logging.getLogger("tunescribe.revisions")

WORKER_LOST = "the worker stopped while making this revision; the revisions before it are unchanged"
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)
WAITING = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobNotReady(Exception):
    """The job has no finished transcription to correct yet; `str(error)` says so."""


class RevisionNotFound(Exception):
    """The job has no such revision to download; `str(error)` says so."""


@dataclass(frozen=True)
class Claimed:
    job_id: uuid.UUID
    number: int
    edits: list[dict]


def create(session: Session, job: Job, edits: list[NoteEdit]) -> Revision:
    """Insert the job's next revision with `edits`, queued, and hand it to the workers. JobNotReady
    unless the job succeeded; tunescribe.edits.InvalidEdit for an edit that cannot be made on its
    notes; QueueUnavailable (and no row left) when the broker cannot take it."""
    if job.status != JobStatus.SUCCEEDED:
        raise JobNotReady(f"the transcription is {job.status}; notes can be corrected once it has succeeded")
    check_edits(edits, job.note_count or 0, job.duration_s)
    stored = [{k: v for k, v in asdict(e).items() if v is not None} for e in edits]
    for _ in range(5):  # two revisions sent at once race for a number; the loser takes the next
        number = (session.scalar(select(func.max(Revision.number)).where(Revision.job_id == job.id)) or 0) + 1
        revision = Revision(id=uuid.uuid4(), job_id=job.id, number=number, edits=stored)
        session.add(revision)
        try:
            session.commit()
            break
        except IntegrityError:
            session.rollback()
    else:
        raise QueueUnavailable("too many revisions were sent at once; send it again")
    send_or_remove(session, REVISE, revision)
    log.info("revision queued", extra={"job_id": job.id, "revision": number})
    return revision


def claim(revision_id: uuid.UUID, owner: str) -> Claimed | None:
    """Take a queued revision for the task run `owner`, unless an earlier revision of its job is
    still queued or running (then it waits: the end of that one sends it again). A running revision
    whose own message came back lost its worker: it is failed. None when there is nothing to do."""
    with session_scope() as session:
        revision = session.get(Revision, revision_id)
        if revision is None or revision.status in FINISHED:
            return None
        if revision.status == JobStatus.RUNNING:
            if revision.claim == owner:
                lost = _fail_where(session, Revision.id == revision_id, Revision.claim == owner, reason=WORKER_LOST)
                if lost:
                    session.commit()
                    _send_next(revision.job_id)
            return None
        earlier = session.scalar(select(func.count()).select_from(Revision).where(
            Revision.job_id == revision.job_id, Revision.number < revision.number, Revision.status.in_(WAITING)))
        if earlier:
            return None
        won = session.execute(update(Revision).where(Revision.id == revision_id, Revision.status == JobStatus.QUEUED)
                              .values(status=JobStatus.RUNNING, progress=0.0, claim=owner, error=None,
                                      started_at=utcnow(), heartbeat_at=utcnow())).rowcount
        return Claimed(revision.job_id, revision.number, list(revision.edits)) if won else None


def progress(revision_id: uuid.UUID, owner: str, value: float) -> None:
    """Write a running revision's progress (0..1) while `owner` holds it; LostClaim otherwise."""
    with session_scope() as session:
        won = session.execute(update(Revision).where(Revision.id == revision_id, Revision.claim == owner,
                                                     Revision.status == JobStatus.RUNNING)
                              .values(progress=value, heartbeat_at=utcnow())).rowcount
    if not won:
        raise LostClaim()


def heartbeat(revision_id: uuid.UUID, owner: str) -> None:
    """Tell the sweep that the run making the revision is alive."""
    with session_scope() as session:
        session.execute(update(Revision).where(Revision.id == revision_id, Revision.claim == owner)
                        .values(heartbeat_at=utcnow()))


def succeed(revision_id: uuid.UUID, owner: str, results: list[Artifact], note_count: int) -> None:
    """Mark the revision succeeded with its files (Artifact.revision its number) and send the
    next one. LostClaim when `owner` no longer holds it."""
    with session_scope() as session:
        job_id = session.scalar(select(Revision.job_id).where(Revision.id == revision_id))
        won = session.execute(update(Revision).where(Revision.id == revision_id, Revision.claim == owner,
                                                     Revision.status == JobStatus.RUNNING)
                              .values(status=JobStatus.SUCCEEDED, progress=1.0, claim=None, error=None,
                                      note_count=note_count, finished_at=utcnow(), heartbeat_at=utcnow())).rowcount
        if not won:
            raise LostClaim()
        session.add_all(results)
    _send_next(job_id)


def keep_engraved(session: Session, pdf: Artifact) -> None:
    """Add a succeeded revision's PDF, engraved after it (on the first request for it), to its
    files. When another request kept one first, that one stays: the same score, engraved twice."""
    session.add(pdf)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def fail(revision_id: uuid.UUID, owner: str, reason: str) -> None:
    """Mark the revision failed with a reason a user can read, if `owner` still holds it; then
    send the next one."""
    with session_scope() as session:
        job_id = session.scalar(select(Revision.job_id).where(Revision.id == revision_id))
        lost = _fail_where(session, Revision.id == revision_id, Revision.claim == owner, reason=reason)
    if lost:
        _send_next(job_id)


def _fail_where(session: Session, *where, reason: str) -> int:
    return session.execute(update(Revision).where(*where, Revision.status == JobStatus.RUNNING).values(
        status=JobStatus.FAILED, claim=None, error=reason, finished_at=utcnow(), heartbeat_at=utcnow())).rowcount


def _send_next(job_id: uuid.UUID | None) -> None:
    """Send the job's earliest queued revision (it waited for the one that just ended); when the
    broker is down it stays queued for the sweep."""
    with session_scope() as session:
        next_id = session.scalar(select(Revision.id)
                                 .where(Revision.job_id == job_id, Revision.status == JobStatus.QUEUED)
                                 .order_by(Revision.number).limit(1))
    if next_id is not None:
        try:
            send(REVISE, next_id)
        except QueueUnavailable as e:
            log.warning("could not send the next revision: %s", e, extra={"job_id": job_id})


def sweep(session: Session) -> dict[str, int]:
    """Fail revisions whose worker stopped reporting (the revision before stays as it was) and send
    the next of their job; send again the first queued revision of each job queued too long (its
    message was lost). Returns counts for the log."""
    s = get_settings()
    now = utcnow()
    counts = {"revisions_failed_stale": 0, "revisions_resent": 0}
    stale = session.execute(select(Revision.id, Revision.job_id, Revision.claim).where(
        Revision.status == JobStatus.RUNNING, Revision.heartbeat_at < now - timedelta(seconds=s.stale_after_s))).all()
    for revision_id, job_id, owner in stale:
        if _fail_where(session, Revision.id == revision_id, Revision.claim == owner, reason=WORKER_LOST):
            session.commit()
            counts["revisions_failed_stale"] += 1
            log.warning("revision's worker stopped reporting; failed", extra={"job_id": job_id})
            _send_next(job_id)
    lost = set(session.scalars(select(Revision.job_id).where(
        Revision.status == JobStatus.QUEUED, Revision.queued_at < now - timedelta(seconds=s.requeue_after_s),
        ~Revision.job_id.in_(select(Revision.job_id).where(Revision.status == JobStatus.RUNNING)))).all())
    for job_id in lost:
        session.execute(update(Revision).where(Revision.job_id == job_id, Revision.status == JobStatus.QUEUED)
                        .values(queued_at=now))
        session.commit()
        _send_next(job_id)
        counts["revisions_resent"] += 1
    session.commit()
    return counts


def download_revision(session: Session, job: Job, number: int | None) -> int:
    """The revision a download of `job` serves: `number` if it is 0 (the original) or a succeeded
    revision, else RevisionNotFound with why; None: the latest succeeded revision, else 0."""
    if number is None:
        return session.scalar(select(func.max(Revision.number)).where(
            Revision.job_id == job.id, Revision.status == JobStatus.SUCCEEDED)) or 0
    if number == 0:
        return 0
    state = session.scalar(select(Revision.status).where(Revision.job_id == job.id, Revision.number == number))
    if state is None:
        raise RevisionNotFound(f"this job has no revision {number}")
    if state != JobStatus.SUCCEEDED:
        raise RevisionNotFound(f"revision {number} is {state}; it has no files")
    return number
