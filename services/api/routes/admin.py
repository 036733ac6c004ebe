"""Administration: training runs and the model registry. Every route is 403 for non-admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select, update

from services.api.deps import AdminUser, SessionDep
from services.api.schemas import ModelInstrument, ModelPublic, TrainingRunCreate, TrainingRunPublic, WorkerPublic, WorkersPublic
from services.common.models import ModelVersion, TrainingRun, TrainingRunStatus, WorkerRole
from services.common.presence import alive
from services.common.queue import TRAIN, QueueUnavailable, send
from services.common.registry import RegistryError, active_model, promote, rollback
from tunescribe.cards import Instrument

router = APIRouter(prefix="/admin", tags=["admin"], responses={401: {}, 403: {}})


def _run(session, run_id: uuid.UUID) -> TrainingRun:
    run = session.get(TrainingRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such training run")
    return run


@router.post("/training-runs", response_model=TrainingRunPublic, status_code=status.HTTP_202_ACCEPTED)
def start_training_run(body: TrainingRunCreate, _: AdminUser, session: SessionDep) -> TrainingRun:
    if body.base_model and session.get(ModelVersion, body.base_model) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"no registered model {body.base_model}")
    run = TrainingRun(**body.model_dump())
    session.add(run)
    session.commit()
    try:
        send(TRAIN, run.id)
    except QueueUnavailable:  # no run is left queued forever
        session.delete(run)
        session.commit()
        raise
    return run


@router.get("/training-runs", response_model=list[TrainingRunPublic])
def list_training_runs(_: AdminUser, session: SessionDep) -> list[TrainingRun]:
    return list(session.scalars(select(TrainingRun).order_by(TrainingRun.created_at.desc()).limit(100)))


@router.get("/training-runs/{run_id}", response_model=TrainingRunPublic, responses={404: {}})
def get_training_run(run_id: uuid.UUID, _: AdminUser, session: SessionDep) -> TrainingRun:
    return _run(session, run_id)


@router.post("/training-runs/{run_id}/cancel", response_model=TrainingRunPublic, responses={404: {}, 409: {}})
def cancel_training_run(run_id: uuid.UUID, _: AdminUser, session: SessionDep) -> TrainingRun:
    """A queued run is cancelled at once; a running one stops after its current epoch."""
    run = _run(session, run_id)
    if run.status not in (TrainingRunStatus.QUEUED, TrainingRunStatus.RUNNING):
        raise HTTPException(status.HTTP_409_CONFLICT, f"the run is {run.status}")
    session.execute(update(TrainingRun).where(TrainingRun.id == run_id, TrainingRun.status == TrainingRunStatus.QUEUED)
                    .values(status=TrainingRunStatus.CANCELLED))
    run.cancel_requested = True
    session.commit()
    session.refresh(run)
    return run


@router.post("/training-runs/{run_id}/resume", response_model=TrainingRunPublic, status_code=status.HTTP_202_ACCEPTED,
             responses={404: {}, 409: {}})
def resume_training_run(run_id: uuid.UUID, _: AdminUser, session: SessionDep) -> TrainingRun:
    """Continue a cancelled or failed run from its last checkpoint."""
    run = _run(session, run_id)
    if run.status not in (TrainingRunStatus.CANCELLED, TrainingRunStatus.FAILED):
        raise HTTPException(status.HTTP_409_CONFLICT, f"the run is {run.status}")
    before = run.status, run.error, run.finished_at
    run.status, run.cancel_requested, run.error, run.finished_at = TrainingRunStatus.QUEUED, False, None, None
    session.commit()
    try:
        send(TRAIN, run.id)
    except QueueUnavailable:  # a broker that is down leaves the run as it was
        run.status, run.error, run.finished_at = before
        session.commit()
        raise
    return run


@router.get("/workers", response_model=WorkersPublic)
def list_workers(_: AdminUser, session: SessionDep) -> WorkersPublic:
    """The transcription workers and the trainers alive now; with no trainer, training runs wait."""
    def public(role: WorkerRole) -> list[WorkerPublic]:
        return [WorkerPublic.model_validate(w, from_attributes=True) for w in alive(session, role)]

    return WorkersPublic(workers=public(WorkerRole.TRANSCRIBE), trainers=public(WorkerRole.TRAIN))


@router.get("/models", response_model=list[ModelPublic])
def list_models(_: AdminUser, session: SessionDep) -> list[ModelVersion]:
    for instrument in (Instrument.ENSEMBLE, Instrument.PIANO):
        active_model(session, instrument)  # registers the shipped models on a fresh install
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc())))


@router.post("/models/{version}/promote", response_model=ModelPublic, responses={404: {}})
def promote_model(version: str, _: AdminUser, session: SessionDep) -> ModelVersion:
    try:
        return promote(session, version)
    except RegistryError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from None


@router.post("/models/rollback", response_model=ModelPublic, responses={409: {}})
def rollback_model(_: AdminUser, session: SessionDep, instrument: ModelInstrument = Instrument.ENSEMBLE) -> ModelVersion:
    """Serve again the model of `instrument` that was active before the current one."""
    try:
        return rollback(session, instrument)
    except RegistryError as e:
        raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from None
