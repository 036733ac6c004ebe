"""Request and response bodies, named by role."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.common.models import JobStage, JobStatus, ModelStatus, TrainingRunStatus
from tunescribe.cards import Instrument
from tunescribe.edits import HIGHEST_PITCH, LOWEST_PITCH, EditOp

ModelInstrument = Literal[Instrument.PIANO, Instrument.ENSEMBLE]  # what a model is made for


class UserCreate(BaseModel):
    email: str = Field(max_length=320, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
    password: str = Field(min_length=8, max_length=128)

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    email: str
    is_admin: bool


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class JobPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    status: JobStatus
    stage: JobStage
    progress: float
    error: str | None
    title: str
    filename: str
    instrument: Instrument  # as asked at upload
    size_bytes: int
    duration_s: float | None
    note_count: int | None
    model_version: str | None
    attempts: int
    created_at: datetime
    finished_at: datetime | None


class JobsPublic(BaseModel):
    data: list[JobPublic]
    count: int


class NoteEditIn(BaseModel):
    """One correction to the original transcription's notes, which are numbered from 0 in the
    order of its MIDI (by start, then pitch). change: the given fields of note `index`; delete:
    note `index`; add: a new note (pitch, start_s, duration_s; velocity 80 unless given)."""

    model_config = ConfigDict(extra="forbid")
    op: EditOp
    index: int | None = Field(None, ge=0, le=10**7)
    pitch: int | None = Field(None, ge=LOWEST_PITCH, le=HIGHEST_PITCH, description="MIDI note number")
    start_s: float | None = Field(None, ge=0, le=10**6, allow_inf_nan=False,
                                  description="seconds from the start of the recording")
    duration_s: float | None = Field(None, gt=0, le=10**6, allow_inf_nan=False, description="seconds")
    velocity: int | None = Field(None, ge=1, le=127)


class RevisionCreate(BaseModel):
    """The full set of corrections, each against the original notes (never against an earlier revision)."""

    model_config = ConfigDict(extra="forbid")
    edits: list[NoteEditIn] = Field(min_length=1, max_length=20_000)


class RevisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int  # 1, 2, ...; 0 is the original transcription
    status: JobStatus
    progress: float
    error: str | None
    note_count: int | None
    edits: list[NoteEditIn]
    created_at: datetime
    finished_at: datetime | None


class RevisionsPublic(BaseModel):
    data: list[RevisionPublic]  # oldest first
    count: int


class WorkerPublic(BaseModel):
    name: str
    model_version: str | None
    model_error: str | None
    seen_at: datetime


class WorkersPublic(BaseModel):
    workers: list[WorkerPublic]  # transcription workers
    trainers: list[WorkerPublic]  # none: training runs wait


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    broker: str
    workers: list[WorkerPublic] | None = Field(None, description="live workers; shown to operators only")


class Limits(BaseModel):
    max_upload_mb: int
    max_audio_minutes: float


class TrainingRunCreate(BaseModel):
    dataset: Literal["synthetic", "musicnet"] = "synthetic"
    instrument: ModelInstrument = Field(Instrument.ENSEMBLE, description="the model it trains; gated against that instrument's active model")
    path: str = Field(min_length=1, max_length=500, description="corpus folder (synthetic) or MusicNet root, on the trainer's volume")
    labels_path: str | None = Field(None, max_length=500, description="MusicNetEM: a folder of <id>.mid labels")
    epochs: int = Field(6, ge=1, le=1000)
    steps_per_epoch: int = Field(300, ge=1, le=100_000)
    base_model: str | None = Field(None, max_length=64, description="start from this registered model's weights")


class TrainingRunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    status: TrainingRunStatus
    dataset: str
    instrument: ModelInstrument
    path: str
    labels_path: str | None
    epochs: int
    steps_per_epoch: int
    base_model: str | None
    epoch: int
    loss: float | None
    val_note_f1: float | None
    test_note_f1: float | None
    active_note_f1: float | None
    promoted: bool
    model_version: str | None
    error: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ModelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: str
    status: ModelStatus
    instrument: ModelInstrument
    parameters: int
    data: dict
    metrics: dict
    created_at: datetime
    activated_at: datetime | None
