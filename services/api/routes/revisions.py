"""Revisions: corrections to a job's notes, made into new files by a worker."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from services.api.deps import OwnJob, SessionDep
from services.api.schemas import RevisionCreate, RevisionPublic, RevisionsPublic
from services.common import revisions
from services.common.models import Revision
from tunescribe.edits import NoteEdit

router = APIRouter(prefix="/jobs", tags=["revisions"])


@router.post("/{job_id}/revisions", response_model=RevisionPublic, status_code=status.HTTP_202_ACCEPTED,
             responses={404: {}, 409: {"description": "the transcription has not succeeded"}, 422: {},
                        503: {"description": "the job queue is unavailable; nothing was stored"}})
def create_revision(job: OwnJob, session: SessionDep, body: RevisionCreate) -> Revision:
    """Queue the next revision; it is made after every earlier one has ended."""
    return revisions.create(session, job, [NoteEdit(**e.model_dump()) for e in body.edits])


@router.get("/{job_id}/revisions", response_model=RevisionsPublic, responses={404: {}})
def list_revisions(job: OwnJob, session: SessionDep) -> RevisionsPublic:
    rows = session.scalars(select(Revision).where(Revision.job_id == job.id).order_by(Revision.number)).all()
    return RevisionsPublic(data=[RevisionPublic.model_validate(r) for r in rows], count=len(rows))
