"""The worker's tasks, thin like views: load the job, run the tunescribe pipeline, store the
files, update the row (through services/common/jobs.py). A task takes only a job id and is safe to
run twice: it works on a job only while it holds the job's claim."""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded

from services.common import jobs, revisions
from services.common.artifacts import RESULTS, REVISION_RESULTS, ArtifactKind, storage_key
from services.common.db import session_scope
from services.common.heartbeat import Heartbeat
from services.common.limits import too_long
from services.common.models import Artifact, JobStage
from services.common.queue import REVISE, SWEEP, TRANSCRIBE, celery_app
from services.common.settings import get_settings
from services.common.storage import NotStored, StorageUnavailable, copy_to_file, get_storage
from services.worker import model_holder
from tunescribe.cards import Instrument

log = logging.getLogger("tunescribe.worker")

# share of the job's progress bar at the start of each stage
STAGE_START = {JobStage.DECODING: 0.0, JobStage.TRANSCRIBING: 0.1, JobStage.NOTATION: 0.8}
STAGE_SHARE = {JobStage.DECODING: 0.1, JobStage.TRANSCRIBING: 0.7, JobStage.NOTATION: 0.2}


MISSING_UPLOAD = "the uploaded file is missing from storage"
MISSING_ORIGINAL = "the original transcription's files are missing from storage"
# what a revision is made from: the original's notes (and pedal), and the beats and meter it keeps
REVISION_SOURCES = (ArtifactKind.MIDI, ArtifactKind.TIMEMAP, ArtifactKind.SCORE_MIDI)


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
        _settle(lambda: _run(job_id, owner), lambda reason: jobs.fail(job_id, owner, reason), extra,
                what="job", doing="transcription", again="upload the recording again")


def _settle(work: Callable[[], None], fail: Callable[[str], None], extra: dict, *, what: str, doing: str,
            again: str) -> None:
    """Run `work` (a job's or a revision's, while its run holds it) and end what goes wrong with
    `fail(reason)`, a reason the user reads; the log names it `what`."""
    try:
        work()
    except jobs.LostClaim:
        log.warning(f"{what} claimed by another run; stopping", extra=extra)
    except StorageUnavailable as e:  # the detail (endpoint, error) for the operator, a sentence for the user
        fail(f"the file store was unavailable; {again} in a few minutes")
        log.error(f"{what} failed: %s", e, extra=extra)
    except JobFailed as e:
        fail(str(e))
        log.info(f"{what} failed: %s", e, extra=extra)
    except SoftTimeLimitExceeded:
        fail(f"timed out: {doing} took longer than {get_settings().job_soft_limit_s} s")
        log.warning(f"{what} timed out", extra=extra)
    except Exception as e:  # a bug: say so plainly rather than leave it running
        log.exception(f"{what} crashed", extra=extra)
        fail(f"internal error ({type(e).__name__})")


@celery_app.task(name=REVISE, bind=True)
def revise(self, revision_id: str) -> None:
    """Make a revision's files from the original notes with its edits made."""
    revision_id = uuid.UUID(revision_id)
    owner = self.request.id or uuid.uuid4().hex
    claimed = revisions.claim(revision_id, owner)
    if claimed is None:
        return
    extra = {"job_id": claimed.job_id, "revision": claimed.number}
    log.info("revision started", extra=extra)
    with Heartbeat(lambda: revisions.heartbeat(revision_id, owner), get_settings().heartbeat_s):
        _settle(lambda: _revise(revision_id, owner, claimed), lambda reason: revisions.fail(revision_id, owner, reason),
                extra, what="revision", doing="the revision", again="send the corrections again")


@celery_app.task(name=SWEEP)
def sweep_jobs() -> None:
    with session_scope() as session:
        counts = jobs.sweep(session) | revisions.sweep(session)
    if any(counts.values()):
        log.info("sweep %s", counts)


def _run(job_id: uuid.UUID, owner: str) -> None:
    from tunescribe.audio import AudioError, AudioTooLong
    from tunescribe.cards import ModelError
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
        except ModelError as e:  # the beat network's (the transcription model was loaded above)
            raise JobFailed(str(e)) from None
        except EngravingError as e:
            raise JobFailed(f"the PDF could not be made: {e}") from None
        results = _store_results(job_id, out.files, storage)
    jobs.succeed(job_id, owner, results, note_count=len(out.notes), duration_s=out.duration_s,
                 model_version=out.model_version, **{f"{stage}_s": round(t, 3) for stage, t in out.timings.items()})
    log.info("job succeeded", extra={"job_id": job_id, "status": "succeeded",
                                     "duration_s": round(sum(out.timings.values()), 2)})


def _revise(revision_id: uuid.UUID, owner: str, claimed: revisions.Claimed) -> None:
    """The revision's files from the original's notes with its edits made, written on the
    original's beats; its PDF is engraved by the API when it is first asked for."""
    from tunescribe.edits import InvalidEdit, NoteEdit, apply_edits
    from tunescribe.midi import read_midi_notes, read_midi_pedal
    from tunescribe.notation.timemap import TimeMapError
    from tunescribe.notation.weights import NotationModelError
    from tunescribe.pipeline import notate_file

    storage = get_storage()
    job_id = claimed.job_id
    _, title, _ = jobs.upload_of(job_id)
    keys = {kind: jobs.original_key(job_id, kind) for kind in REVISION_SOURCES}
    if None in keys.values():
        raise JobFailed(MISSING_ORIGINAL)

    def report(stage, fraction: float) -> None:  # the notation is the whole of a revision
        revisions.progress(revision_id, owner, round(fraction, 3))

    with tempfile.TemporaryDirectory(prefix="tunescribe-") as tmp:
        files = {kind: Path(tmp) / f"original-{kind.value}" for kind in REVISION_SOURCES}
        try:
            for kind, key in keys.items():
                copy_to_file(storage, key, files[kind])
        except NotStored:
            raise JobFailed(MISSING_ORIGINAL) from None
        original = files[ArtifactKind.MIDI]
        try:
            notes = apply_edits(read_midi_notes(original), [NoteEdit(**e) for e in claimed.edits])
            out = notate_file(notes, Path(tmp) / "out", "score", time_map=files[ArtifactKind.TIMEMAP],
                              score_midi=files[ArtifactKind.SCORE_MIDI], pedal=read_midi_pedal(original), title=title,
                              on_progress=report)
        except InvalidEdit as e:
            raise JobFailed(str(e)) from None
        except TimeMapError as e:
            raise JobFailed(f"the original transcription's beats could not be read: {e}") from None
        except NotationModelError as e:
            raise JobFailed(f"notation model unavailable: {e}") from None
        results = _store_results(job_id, out.files, storage, claimed.number)
    revisions.succeed(revision_id, owner, results, note_count=len(out.notes))
    log.info("revision succeeded", extra={"job_id": job_id, "revision": claimed.number, "status": "succeeded",
                                          "duration_s": round(sum(out.timings.values()), 2)})


def _store_results(job_id: uuid.UUID, files: dict, storage, revision: int = 0) -> list[Artifact]:
    """Each result file of a transcription (RESULTS) or revision (REVISION_RESULTS) saved under its
    storage key; their rows."""
    results = []
    for spec in REVISION_RESULTS if revision else RESULTS:
        key = storage_key(job_id, spec.kind, spec.suffix, revision)
        with open(files[spec.output], "rb") as f:
            size = storage.save(key, f)
        results.append(Artifact(job_id=job_id, kind=spec.kind, revision=revision, key=key,
                                content_type=spec.content_type, size_bytes=size))
    return results
