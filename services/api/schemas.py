"""Request and response bodies, named by role."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class UserCreate(BaseModel):
    email: str = Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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
    status: str
    stage: str
    progress: float
    error: str | None
    title: str
    filename: str
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


class WorkerPublic(BaseModel):
    name: str
    model_version: str | None
    model_error: str | None
    seen_at: datetime


class Health(BaseModel):
    status: str  # ok | degraded
    database: str
    broker: str
    workers: list[WorkerPublic]
