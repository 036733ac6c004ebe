"""The worker's tasks, thin like views: load the job, run the tunescribe pipeline, store the
files, update the row. A task takes only a job id and is safe to run twice: it works on a job
only while it holds the job's claim, and every write is conditional on that claim."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import delete, or_, select, update

from services.common.db import session_scope
from services.common.jobs import WORKER_LOST, sweep
from services.common.models import Artifact, Job, utcnow
from services.common.queue import SWEEP, TRANSCRIBE, celery_app
from services.common.settings import get_settings
from services.common.storage import get_storage
from services.worker import model_holder

log = logging.getLogger("tunescribe.worker")

RESULTS = {  # artifact kind -> (file written by the pipeline, content type)
    "midi": ("transcription.mid", "audio/midi"),
    "musicxml": ("score.musicxml", "application/vnd.recordare.musicxml+xml"),
    "score_midi": ("score.score.mid", "audio/midi"),
    "timemap": ("score.timemap.json", "application/json"),
}


class LostClaim(Exception):
    """Another run owns the job now (or it was deleted): stop without writing."""


class JobFailed(Exception):
    """The job cannot succeed; `str(error)` is the reason shown to the user."""


@celery_app.task(name=TRANSCRIBE, bind=True)
def transcribe(self, job_id: str) -> None:
    job_id = uuid.UUID(job_id)
    claim = self.request.id or uuid.uuid4().hex
    attempts = _claim(job_id, claim)
    if attempts is None:
        return
    extra = {"job_id": job_id, "attempt": attempts}
    log.info("job started", extra=extra)
    beat = _Heartbeat(job_id, claim)
    try:
        _run(job_id, claim)
    except LostClaim:
        log.warning("job claimed by another run; stopping", extra=extra)
    except JobFailed as e:
        _finish(job_id, claim, status="failed", stage="failed", error=str(e))
        log.info("job failed: %s", e, extra=extra)
    except SoftTimeLimitExceeded:
        _finish(job_id, claim, status="failed", stage="failed",
                error=f"timed out: transcription took longer than {get_settings().job_soft_limit_s} s")
        log.warning("job timed out", extra=extra)
    except Exception as e:  # a bug: say so plainly rather than leave the job running
        log.exception("job crashed", extra=extra)
        _finish(job_id, claim, status="failed", stage="failed", error=f"internal error ({type(e).__name__})")
    finally:
        beat.stop()


@celery_app.task(name=SWEEP)
def sweep_jobs() -> None:
    with session_scope() as session:
        counts = sweep(session)
    if any(counts.values()):
        log.info("sweep %s", counts)


def _claim(job_id: uuid.UUID, claim: str) -> int | None:
    """Take the job: a queued one, or a running one whose own message came back (its worker died).
    Returns the attempt number, or None when there is nothing to do."""
    s = get_settings()
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.status in ("succeeded", "failed"):
            return None
        if job.status == "running" and job.claim != claim:
            return None  # another live run has it
        attempts = job.attempts
        if attempts >= s.max_attempts:
            session.execute(update(Job).where(Job.id == job_id, Job.status == job.status).values(
                status="failed", stage="failed", claim=None, finished_at=utcnow(),
                error=WORKER_LOST.format(attempts=attempts)))
            return None
        won = session.execute(
            update(Job)
            .where(Job.id == job_id, or_(Job.status == "queued", Job.claim == claim))
            .values(status="running", stage="decoding", progress=0.0, claim=claim, error=None,
                    attempts=Job.attempts + 1, started_at=utcnow(), heartbeat_at=utcnow())
        ).rowcount
        return attempts + 1 if won else None


def _update(job_id: uuid.UUID, owner: str, /, **values) -> None:
    """Write to the job only while `owner` holds its claim."""
    with session_scope() as session:
        won = session.execute(update(Job).where(Job.id == job_id, Job.claim == owner, Job.status == "running")
                              .values(heartbeat_at=utcnow(), **values)).rowcount
    if not won:
        raise LostClaim()


def _finish(job_id: uuid.UUID, owner: str, /, **values) -> None:
    try:
        _update(job_id, owner, claim=None, finished_at=utcnow(), **values)
    except LostClaim:
        pass


def _run(job_id: uuid.UUID, claim: str) -> None:
    from tunescribe.audio import AudioError, load_audio
    from tunescribe.constants import SAMPLE_RATE
    from tunescribe.midi import write_midi
    from tunescribe.notation.export import write_sheet_music
    from tunescribe.notation.weights import NotationModelError
    from tunescribe.transcribe import transcribe_audio

    s, storage = get_settings(), get_storage()
    timings: dict[str, float] = {}
    try:
        model = model_holder.current()
    except model_holder.ModelUnavailable as e:
        raise JobFailed(str(e)) from None
    with session_scope() as session:
        audio_key = session.scalar(select(Artifact.key).where(Artifact.job_id == job_id, Artifact.kind == "audio"))
        title = session.scalar(select(Job.title).where(Job.id == job_id))
    if audio_key is None or not storage.exists(audio_key):
        raise JobFailed("the uploaded file is missing from storage")

    t = time.perf_counter()
    try:
        audio = load_audio(storage.path(audio_key), max_duration_s=s.max_audio_minutes * 60)
    except AudioError as e:  # the reason without our storage name, which the user never chose
        raise JobFailed(str(e).removeprefix(f"{Path(audio_key).name}: ")) from None
    timings["decoding"] = time.perf_counter() - t
    _update(job_id, claim, stage="transcribing", progress=0.1, duration_s=len(audio) / SAMPLE_RATE)

    t = time.perf_counter()
    last = [0.0]

    def progress(fraction: float) -> None:  # at most every 2 % so the row is not hammered
        if fraction - last[0] >= 0.02:
            last[0] = fraction
            _update(job_id, claim, progress=round(0.1 + 0.7 * fraction, 3))

    notes = transcribe_audio(audio, model, on_progress=progress)
    timings["transcribing"] = time.perf_counter() - t
    _update(job_id, claim, stage="notation", progress=0.8)

    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tunescribe-") as tmp:
        out = Path(tmp)
        write_midi(notes, out / RESULTS["midi"][0])
        try:
            write_sheet_music(notes, audio, out, "score", title)
        except NotationModelError as e:
            raise JobFailed(f"notation model unavailable: {e}") from None
        timings["notation"] = time.perf_counter() - t
        rows = []
        for kind, (name, content_type) in RESULTS.items():
            key = f"{job_id}/{kind}.{name.rsplit('.', 1)[1]}"
            with open(out / name, "rb") as f:
                size = storage.save(key, f)
            rows.append(Artifact(job_id=job_id, kind=kind, key=key, content_type=content_type, size_bytes=size))
    with session_scope() as session:
        won = session.execute(update(Job).where(Job.id == job_id, Job.claim == claim, Job.status == "running").values(
            status="succeeded", stage="done", progress=1.0, note_count=len(notes), claim=None,
            model_version=model.version, timings={k: round(v, 3) for k, v in timings.items()},
            finished_at=utcnow(), heartbeat_at=utcnow())).rowcount
        if not won:
            raise LostClaim()
        session.execute(delete(Artifact).where(Artifact.job_id == job_id, Artifact.kind.in_(list(RESULTS))))
        session.add_all(rows)
    log.info("job succeeded", extra={"job_id": job_id, "status": "succeeded",
                                     "duration_s": round(sum(timings.values()), 2)})


class _Heartbeat:
    """Touches the job's row while a long stage runs, so the sweep can tell a live worker from a
    dead one."""

    def __init__(self, job_id: uuid.UUID, claim: str):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(job_id, claim), daemon=True)
        self._thread.start()

    def _loop(self, job_id, claim):
        interval = get_settings().heartbeat_s
        while not self._stop.wait(interval):
            with session_scope() as session:
                session.execute(update(Job).where(Job.id == job_id, Job.claim == claim)
                                .values(heartbeat_at=utcnow()))

    def stop(self):
        self._stop.set()
