"""Jobs: upload a recording, watch it, list the history, download the results, delete."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, Response, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy import func, or_, select

from services.api.deps import CurrentUser, OwnJob, SessionDep, StorageDep
from services.api.schemas import JobPublic, JobsPublic
from services.api.uploads import sniff_audio
from services.common.jobs import enqueue
from services.common.models import Artifact, Job
from services.common.storage import TooLarge
from services.common.settings import get_settings

router = APIRouter(prefix="/jobs", tags=["jobs"])
log = logging.getLogger("tunescribe.api")

DOWNLOADS = {  # route -> (artifact kind, file suffix)
    "midi": ("midi", ".mid"),
    "musicxml": ("musicxml", ".musicxml"),
    "score-midi": ("score_midi", ".score.mid"),
    "timemap": ("timemap", ".timemap.json"),
    "audio": ("audio", ""),
}


def _printable(text: str) -> str:
    """Without control characters (PostgreSQL text cannot even hold NUL), trimmed."""
    return re.sub(r"[\x00-\x1f\x7f]", "", text).strip()


def _clean_filename(name: str | None) -> str:
    """The user's filename for display only: its last path part, printable, at most 255 chars."""
    base = _printable(PurePath((name or "").replace("\\", "/")).name)
    return base[-255:] if base.strip(".") else "upload"  # "..", "." or nothing: no name


@router.post("", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED,
             responses={413: {}, 415: {}, 422: {}})
def create_job(user: CurrentUser, session: SessionDep, storage: StorageDep,
               file: Annotated[UploadFile, File(description="an audio recording")],
               title: Annotated[str | None, Form(max_length=200)] = None) -> Job:
    head = file.file.read(64)
    file.file.seek(0)
    if not head:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "the file is empty")
    kind = sniff_audio(head)
    if kind is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            "not an audio file (WAV, FLAC, MP3, OGG, M4A, AIFF or WebM)")
    ext, content_type = kind
    filename = _clean_filename(file.filename)
    job = Job(id=uuid.uuid4(), user_id=user.id, filename=filename,
              title=_printable(title or "")[:200] or PurePath(filename).stem[:200] or "Untitled")
    key = f"{job.id}/audio.{ext}"
    try:  # the file first, then the rows: a job row always has its audio
        job.size_bytes = storage.save(key, file.file, max_bytes=get_settings().max_upload_mb * 2**20)
    except TooLarge:
        storage.delete_prefix(str(job.id))
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                            f"the file is larger than the {get_settings().max_upload_mb} MB limit") from None
    session.add(job)
    session.add(Artifact(job_id=job.id, kind="audio", key=key, content_type=content_type, size_bytes=job.size_bytes))
    session.commit()
    enqueue(job.id)
    log.info("job queued", extra={"job_id": job.id, "user_id": user.id})
    return job


@router.get("", response_model=JobsPublic)
def list_jobs(user: CurrentUser, session: SessionDep,
              q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$",
                                            description="text in the title or filename")] = None,
              limit: Annotated[int, Query(ge=1, le=100)] = 20,
              offset: Annotated[int, Query(ge=0)] = 0) -> JobsPublic:
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


def _download(route: str):
    kind, suffix = DOWNLOADS[route]

    def download(job: OwnJob, session: SessionDep, storage: StorageDep) -> FileResponse:
        artifact = session.scalar(select(Artifact).where(Artifact.job_id == job.id, Artifact.kind == kind))
        if artifact is None or not storage.exists(artifact.key):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {route} for this job" +
                                ("" if job.status == "succeeded" else f" (it is {job.status})"))
        stem = re.sub(r"[^\w.-]+", "_", PurePath(job.filename).stem)[:100] or "transcription"
        name = job.filename if kind == "audio" else stem + suffix
        return FileResponse(storage.path(artifact.key), media_type=artifact.content_type, filename=name)

    download.__name__ = f"download_{route.replace('-', '_')}"
    return download


for _route in DOWNLOADS:
    router.add_api_route(f"/{{job_id}}/{_route}", _download(_route), methods=["GET"],
                         response_class=FileResponse, responses={404: {}})


@router.delete("/{job_id}", status_code=status.HTTP_204_NO_CONTENT, responses={404: {}})
def delete_job(job: OwnJob, session: SessionDep, storage: StorageDep) -> Response:
    job_id = job.id
    session.delete(job)
    session.commit()
    storage.delete_prefix(str(job_id))  # a worker still running it loses its claim and stops
    log.info("job deleted", extra={"job_id": job_id})
    return Response(status_code=status.HTTP_204_NO_CONTENT)
