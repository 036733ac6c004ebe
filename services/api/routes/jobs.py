"""Jobs: upload a recording, watch it, list the history, download the results, delete."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Annotated, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Response, UploadFile, status
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.api.deps import CurrentUser, OwnJob, SessionDep, StorageDep
from services.api.schemas import JobPublic, JobsPublic
from services.api.security import upload_slot
from services.api.uploads import declared_minutes, sniff_audio
from services.common import jobs, revisions
from services.common.artifacts import ARTIFACTS, RESULTS, REVISION_RESULTS, ArtifactKind, ArtifactSpec, storage_key
from services.common.limits import too_large, too_long
from services.common.models import Artifact, Job, JobStatus
from services.common.queue import QueueUnavailable
from services.common.settings import get_settings
from services.common.storage import CHUNK, NotStored, Storage, TooLarge
from tunescribe.cards import Instrument
from tunescribe.outputs import TRANSPOSED_FROM

router = APIRouter(prefix="/jobs", tags=["jobs"])
log = logging.getLogger("tunescribe.api")

# what browsers escape in a multipart filename (WHATWG HTML: form-data encoding)
_FORM_ESCAPES = {"%22": '"', "%0D": "", "%0A": ""}


def _printable(text: str) -> str:
    """Without control characters (PostgreSQL text cannot even hold NUL), trimmed."""
    return re.sub(r"[\x00-\x1f\x7f]", "", text).strip()


def _clean_filename(name: str | None) -> str:
    """The user's filename for display, as they named it: its last path part, printable, at most
    255 chars. A browser sends a `"` in a name as %22, so that is read back as `"`."""
    name = re.sub("%22|%0D|%0A", lambda m: _FORM_ESCAPES[m.group().upper()], name or "", flags=re.IGNORECASE)
    base = _printable(PurePath(name.replace("\\", "/")).name)
    return base[-255:] if base.strip(".") else "upload"  # "..", "." or nothing: no name


@router.post("", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             responses={413: {}, 415: {}, 422: {}, 429: {"description": "the user's upload limit is reached (Retry-After)"},
                        503: {"description": "the job queue or the file store is unavailable; nothing was stored"}})
def create_job(user: CurrentUser, session: SessionDep, storage: StorageDep,
               file: Annotated[UploadFile, File(description="an audio recording")],
               title: Annotated[str | None, Form(max_length=200)] = None,
               instrument: Annotated[Instrument, Form(description="auto: TuneScribe decides from the audio")] = Instrument.AUTO,
               ) -> Job:
    with upload_slot(user.id):  # given back if the upload is refused below
        return _accept_upload(user.id, session, storage, file, title, instrument)


def _accept_upload(user_id: uuid.UUID, session: Session, storage: Storage, file: UploadFile, title: str | None,
                   instrument: Instrument) -> Job:
    s = get_settings()
    head = file.file.read(64)
    file.file.seek(0)
    if not head:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "the file is empty")
    kind = sniff_audio(head)
    if kind is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            "not an audio file (WAV, FLAC, MP3, OGG, M4A, AIFF or WebM)")
    minutes = declared_minutes(file.file)
    if minutes is not None and minutes > s.max_audio_minutes:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, too_long(s.max_audio_minutes, minutes))
    ext, content_type = kind
    filename = _clean_filename(file.filename)
    job = Job(id=uuid.uuid4(), user_id=user_id, filename=filename, instrument=instrument,
              title=_printable(title or "")[:200] or PurePath(filename).stem[:200] or "Untitled")
    key = storage_key(job.id, ArtifactKind.AUDIO, ext)
    try:  # the file first, then the rows: a job row always has its audio
        job.size_bytes = storage.save(key, file.file, max_bytes=s.max_upload_mb * 2**20)
        return jobs.create(session, job, Artifact(job_id=job.id, kind=ArtifactKind.AUDIO, key=key,
                                                  content_type=content_type, size_bytes=job.size_bytes))
    except TooLarge:
        storage.delete_prefix(str(job.id))
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large(s.max_upload_mb)) from None
    except QueueUnavailable:
        storage.delete_prefix(str(job.id))
        raise


@router.get("", response_model=JobsPublic)
def list_jobs(user: CurrentUser, session: SessionDep,
              q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$",
                                            description="text in the title or filename")] = None,
              limit: Annotated[int, Query(ge=1, le=100)] = 20,
              offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> JobsPublic:  # PostgreSQL's OFFSET is a bigint
    where = [Job.user_id == user.id]
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(func.lower(Job.title).like(pattern, escape="\\"),
                         func.lower(Job.filename).like(pattern, escape="\\")))
    count = session.scalar(select(func.count()).select_from(Job).where(*where))
    jobs = session.scalars(select(Job).where(*where).order_by(Job.created_at.desc(), Job.id)
                           .limit(limit).offset(offset)).all()
    return JobsPublic(data=[JobPublic.model_validate(j) for j in jobs], count=count)


@router.get("/{job_id}", response_model=JobPublic, responses={404: {}})
def get_job(job: OwnJob) -> Job:
    return job


def _attachment(filename: str) -> str:
    """Content-Disposition for a download under the user's own name: RFC 6266 `filename*=` when it
    is not plain ASCII (as Starlette's FileResponse writes it)."""
    quoted = quote(filename)
    return f"attachment; filename*=utf-8''{quoted}" if quoted != filename else f'attachment; filename="{filename}"'


def _download_name(job: Job, spec: ArtifactSpec, transposition: str | None = None, revision: int = 0) -> str:
    if spec.output is None:
        return job.filename
    stem = PurePath(job.filename).stem or "transcription"
    notes = [f"revision {revision}"] * bool(revision) + [transposition] * bool(transposition)
    return stem + (f" ({', '.join(notes)})" if notes else "") + spec.suffix


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _open_stored(job: Job, session, spec: ArtifactSpec, storage, revision: int = 0) -> tuple[Artifact, BinaryIO]:
    """The job's artifact of `spec` (of `revision`; the upload has none), opened; 404 with the
    reason when it has none."""
    artifact = session.scalar(select(Artifact).where(Artifact.job_id == job.id, Artifact.kind == spec.kind,
                                                     Artifact.revision == (revision if spec.output else 0)))
    try:
        stream = storage.open(artifact.key) if artifact is not None else None
    except NotStored:
        stream = None
    if stream is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {spec.route} for this job" +
                            ("" if job.status == JobStatus.SUCCEEDED else f" (it is {job.status})"))
    return artifact, stream


def _copy_stored(job: Job, session, spec: ArtifactSpec, storage, revision: int, target: Path) -> Path:
    """The job's artifact of `spec` (of `revision`) copied to the local file `target`, for the work
    made on request (transposing, engraving); 404 with the reason when it has none."""
    _, stream = _open_stored(job, session, spec, storage, revision)
    with stream, open(target, "wb") as f:
        shutil.copyfileobj(stream, f)
    return target


# streamed through the API rather than redirected to a presigned URL: the app's pages fetch from
# their own origin only (CSP connect-src 'self'), the bucket need not be reachable from browsers,
# and the owner check and the user's file name stay here
def _send_stored(job: Job, session, spec: ArtifactSpec, storage, revision: int = 0) -> StreamingResponse:
    artifact, stream = _open_stored(job, session, spec, storage, revision)
    return StreamingResponse(_chunks(stream), media_type=artifact.content_type,
                             headers={"Content-Disposition": _attachment(_download_name(job, spec, revision=revision))})


RevisionQuery = Annotated[int | None, Query(
    ge=0, le=10**9, description="the revision's file (0: the original transcription); default the latest succeeded")]


def _download(spec: ArtifactSpec):
    if spec.output is None:  # the upload: one for every revision
        def download(job: OwnJob, session: SessionDep, storage: StorageDep) -> StreamingResponse:
            return _send_stored(job, session, spec, storage)
    else:
        def download(job: OwnJob, session: SessionDep, storage: StorageDep,
                     revision: RevisionQuery = None) -> StreamingResponse:
            return _send_stored(job, session, spec, storage, revisions.download_revision(session, job, revision))

    download.__name__ = f"download_{spec.route.replace('-', '_')}"
    return download


TransposeQuery = Annotated[str | None, Query(
    max_length=40, description="the written score for Bb, Eb or F instruments, or moved by an interval: M2 is up a "
                               "major second, -m3 down a minor third, P8 up an octave (at most two octaves)")]


def _transposable_download(spec: ArtifactSpec):
    source = next(s for s in RESULTS if s.output == TRANSPOSED_FROM[spec.output])

    def download(job: OwnJob, session: SessionDep, storage: StorageDep,
                 transpose: TransposeQuery = None, revision: RevisionQuery = None) -> Response:
        number = revisions.download_revision(session, job, revision)
        if transpose is None:
            if number and spec not in REVISION_RESULTS:
                _engrave_once(job, session, storage, spec, source, number)
            return _send_stored(job, session, spec, storage, number)
        from tunescribe.notation.engrave import EngravingError
        from tunescribe.notation.transpose import TranspositionError, parse_transposition, write_transposed

        try:
            transposition = parse_transposition(transpose)
        except TranspositionError as e:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(e)) from None
        tmp = Path(tempfile.mkdtemp(prefix="tunescribe-transpose-"))
        try:  # made on request (seconds: music21, and MuseScore for the PDF), deleted once sent
            original = _copy_stored(job, session, source, storage, number, tmp / f"original{source.suffix}")
            path = write_transposed(spec.output, original, tmp / f"score{spec.suffix}", transposition)
        except TranspositionError as e:
            code, reason = status.HTTP_422_UNPROCESSABLE_ENTITY, str(e)
        except EngravingError as e:
            code, reason = status.HTTP_503_SERVICE_UNAVAILABLE, f"the PDF could not be made: {e}"
        except HTTPException as e:  # nothing stored to transpose
            code, reason = e.status_code, e.detail
        else:
            return FileResponse(path, media_type=spec.content_type, background=BackgroundTask(shutil.rmtree, tmp),
                                filename=_download_name(job, spec, transposition.name, number))
        shutil.rmtree(tmp, ignore_errors=True)
        raise HTTPException(code, reason)

    download.__name__ = f"download_{spec.route.replace('-', '_')}"
    return download


def _engrave_once(job: Job, session: Session, storage: Storage, spec: ArtifactSpec, source: ArtifactSpec,
                  number: int) -> None:
    """Revision `number`'s file of `spec` (its PDF, which the worker leaves out), engraved from its
    `source` (the MusicXML) the first time it is asked for and kept with the revision's files, so
    that later requests stream it. 503 with the reason when it cannot be made."""
    if session.scalar(select(Artifact.id).where(Artifact.job_id == job.id, Artifact.kind == spec.kind,
                                                Artifact.revision == number)) is not None:
        return
    from tunescribe.notation.engrave import EngravingError, write_pdf

    with tempfile.TemporaryDirectory(prefix="tunescribe-engrave-") as tmp:
        score = _copy_stored(job, session, source, storage, number, Path(tmp) / f"score{source.suffix}")
        try:  # seconds (MuseScore), once per revision
            made = write_pdf(score, Path(tmp) / f"score{spec.suffix}")
        except EngravingError as e:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the PDF could not be made: {e}") from None
        key = storage_key(job.id, spec.kind, spec.suffix, number)
        with open(made, "rb") as f:
            size = storage.save(key, f)
    revisions.keep_engraved(session, Artifact(job_id=job.id, kind=spec.kind, revision=number, key=key,
                                              content_type=spec.content_type, size_bytes=size))
    log.info("revision's PDF engraved", extra={"job_id": job.id, "revision": number})


for _spec in ARTIFACTS:
    router.add_api_route(f"/{{job_id}}/{_spec.route}",
                         (_transposable_download if _spec.transposable else _download)(_spec), methods=["GET"],
                         response_class=StreamingResponse,
                         responses={404: {}, 503: {}, **({422: {}} if _spec.transposable else {})})


@router.delete("/{job_id}", status_code=status.HTTP_204_NO_CONTENT, responses={404: {}, 503: {}})
def delete_job(job: OwnJob, session: SessionDep, storage: StorageDep) -> Response:
    job_id = job.id
    storage.delete_prefix(str(job_id))  # first: with the store down the user gets 503 and can try again
    session.delete(job)
    session.commit()  # a worker still running it loses its claim and stops
    log.info("job deleted", extra={"job_id": job_id})
    return Response(status_code=status.HTTP_204_NO_CONTENT)
