"""The worker's tasks, thin like views: load the job, run the tunescribe pipeline, store the
files, update the row (through services/common/jobs.py). A task takes only a job id and is safe to
run twice: it works on a job only while it holds the job's claim."""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded

from services.common import jobs
from services.common.artifacts import RESULTS, storage_key
from services.common.db import session_scope
from services.common.heartbeat import Heartbeat
from services.common.limits import too_long
from services.common.models import Artifact, JobStage
from services.common.queue import SWEEP, TRANSCRIBE, celery_app
from services.common.settings import get_settings
from services.common.storage import NotStored, StorageUnavailable, copy_to_file, get_storage
from services.worker import model_holder
from tunescribe.cards import Instrument

log = logging.getLogger("tunescribe.worker")

# share of the job's progress bar at the start of each stage
STAGE_START = {JobStage.DECODING: 0.0, JobStage.TRANSCRIBING: 0.1, JobStage.NOTATION: 0.8}
STAGE_SHARE = {JobStage.DECODING: 0.1, JobStage.TRANSCRIBING: 0.7, JobStage.NOTATION: 0.2}


MISSING_UPLOAD = "the uploaded file is missing from storage"


class JobFailed(Exception):
    """The job cannot succeed; `str(error)` is the reason shown to the user."""


@celery_app.task(name=TRANSCRIBE, bind=True)
def transcribe(self, job_id: str) -> None:
    job_id = uuid.UUID(job_id)
    owner = self.request.id or uuid.uuid4().hex
    attempt = jobs.claim(job_id, owner)
    if attempt is None:
        return
    extra = {"job_id": job_id, "attempt": attempt}
    log.info("job started", extra=extra)
    with Heartbeat(lambda: jobs.heartbeat(job_id, owner), get_settings().heartbeat_s):
        try:
            _run(job_id, owner)
        except jobs.LostClaim:
            log.warning("job claimed by another run; stopping", extra=extra)
        except StorageUnavailable as e:  # the detail (endpoint, error) for the operator, a sentence for the user
            jobs.fail(job_id, owner, "the file store was unavailable; upload the recording again in a few minutes")
            log.error("job failed: %s", e, extra=extra)
        except JobFailed as e:
            jobs.fail(job_id, owner, str(e))
            log.info("job failed: %s", e, extra=extra)
        except SoftTimeLimitExceeded:
            jobs.fail(job_id, owner, f"timed out: transcription took longer than {get_settings().job_soft_limit_s} s")
            log.warning("job timed out", extra=extra)
        except Exception as e:  # a bug: say so plainly rather than leave the job running
            log.exception("job crashed", extra=extra)
            jobs.fail(job_id, owner, f"internal error ({type(e).__name__})")


@celery_app.task(name=SWEEP)
def sweep_jobs() -> None:
    with session_scope() as session:
        counts = jobs.sweep(session)
    if any(counts.values()):
        log.info("sweep %s", counts)


def _run(job_id: uuid.UUID, owner: str) -> None:
    from tunescribe.audio import AudioError, AudioTooLong
    from tunescribe.notation.engrave import EngravingError
    from tunescribe.notation.weights import NotationModelError
    from tunescribe.pipeline import transcribe_file

    s, storage = get_settings(), get_storage()
    audio_key, title, instrument = jobs.upload_of(job_id)
    try:
        model = model_holder.current(Instrument(instrument or Instrument.AUTO))
    except model_holder.ModelUnavailable as e:
        raise JobFailed(str(e)) from None
    if audio_key is None:
        raise JobFailed(MISSING_UPLOAD)
    last = {"stage": None, "progress": 0.0}

    def report(stage, fraction: float) -> None:  # a new stage at once, else every 2 % of the bar
        stage = JobStage(stage)
        value = round(STAGE_START[stage] + STAGE_SHARE[stage] * fraction, 3)
        if stage != last["stage"] or value - last["progress"] >= 0.02:
            last.update(stage=stage, progress=value)
            jobs.progress(job_id, owner, stage=stage, progress=value)

    # the upload copied to a temporary file (the store may be a bucket on another machine); the
    # results are written beside it and stored from there
    with tempfile.TemporaryDirectory(prefix="tunescribe-") as tmp:
        audio = Path(tmp) / Path(audio_key).name
        try:
            copy_to_file(storage, audio_key, audio)
        except NotStored:
            raise JobFailed(MISSING_UPLOAD) from None
        try:
            out = transcribe_file(audio, tmp, "score", model=model, pdf=True, title=title,
                                  max_duration_s=s.max_audio_minutes * 60, on_progress=report)
        except AudioTooLong:
            raise JobFailed(too_long(s.max_audio_minutes)) from None
        except AudioError as e:  # the reason without our storage name, which the user never chose
            raise JobFailed(str(e).removeprefix(f"{Path(audio_key).name}: ")) from None
        except NotationModelError as e:
            raise JobFailed(f"notation model unavailable: {e}") from None
        except EngravingError as e:
            raise JobFailed(f"the PDF could not be made: {e}") from None
        results = []
        for spec in RESULTS:
            key = storage_key(job_id, spec.kind, spec.suffix)
            with open(out.files[spec.output], "rb") as f:
                size = storage.save(key, f)
            results.append(Artifact(job_id=job_id, kind=spec.kind, key=key, content_type=spec.content_type,
                                    size_bytes=size))
    jobs.succeed(job_id, owner, results, note_count=len(out.notes), duration_s=out.duration_s,
                 model_version=out.model_version, **{f"{stage}_s": round(t, 3) for stage, t in out.timings.items()})
    log.info("job succeeded", extra={"job_id": job_id, "status": "succeeded",
                                     "duration_s": round(sum(out.timings.values()), 2)})
