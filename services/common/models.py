"""Tables (users, jobs with their revisions and artifacts, worker heartbeats, models, training
runs) and the values of their status columns. Job state lives here, not in Celery's result store;
every change of a job's row goes through services/common/jobs.py, of a revision's through
services/common/revisions.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Integer, MetaData, String, Text, TypeDecorator,
                        UniqueConstraint, Uuid)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tunescribe.cards import Instrument


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobStage(StrEnum):
    """Where a job is: queued, one of the pipeline's stages (tunescribe.pipeline.Stage), done or failed."""

    QUEUED = "queued"
    DECODING = "decoding"
    TRANSCRIBING = "transcribing"
    NOTATION = "notation"
    DONE = "done"
    FAILED = "failed"


class TrainingRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"  # registered, not serving
    ACTIVE = "active"  # the one workers use; at most one
    RETIRED = "retired"  # served before


class WorkerRole(StrEnum):
    TRANSCRIBE = "transcribe"  # services/worker
    TRAIN = "train"  # services/trainer


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={  # stable constraint names for migrations
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class Timestamp(TypeDecorator):
    """A timezone-aware UTC datetime on every database: SQLite stores no zone, so values read
    back from it are marked UTC here (else the API would send times a browser reads as local)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    jobs: Mapped[list[Job]] = relationship(back_populates="user", cascade="all, delete-orphan", passive_deletes=True)


class Job(Base):
    """One uploaded recording and its transcription: `status` a JobStatus, `stage` a JobStage."""

    __tablename__ = "jobs"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    stage: Mapped[str] = mapped_column(String(16), default=JobStage.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))  # as the user named it; never a storage path
    size_bytes: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    note_count: Mapped[int | None] = mapped_column(Integer)
    instrument: Mapped[str] = mapped_column(String(16), default=Instrument.AUTO, server_default=Instrument.AUTO.value)  # as asked
    model_version: Mapped[str | None] = mapped_column(String(64))  # the model that made it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim: Mapped[str | None] = mapped_column(String(64))  # the task run that owns a running job
    # seconds in each stage and from start to success, as columns so /metrics sums them in SQL
    decoding_s: Mapped[float | None] = mapped_column(Float)
    transcribing_s: Mapped[float | None] = mapped_column(Float)
    notation_s: Mapped[float | None] = mapped_column(Float)
    run_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    queued_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    user: Mapped[User] = relationship(back_populates="jobs")
    artifacts: Mapped[list[Artifact]] = relationship(back_populates="job", cascade="all, delete-orphan", passive_deletes=True)
    revisions: Mapped[list[Revision]] = relationship(back_populates="job", cascade="all, delete-orphan", passive_deletes=True)


class Revision(Base):
    """A set of corrections to a job's notes (`edits`: tunescribe.edits.NoteEdit fields, against
    the original notes) and the files made again from them; `status` a JobStatus. Numbered from 1
    in each job (0 is the original transcription); made one at a time, in order. Every change of
    its row goes through services/common/revisions.py."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("job_id", "number", name="uq_revisions_job_id_number"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    edits: Mapped[list] = mapped_column(JSON, default=list)
    note_count: Mapped[int | None] = mapped_column(Integer)
    claim: Mapped[str | None] = mapped_column(String(64))  # the task run making it
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    job: Mapped[Job] = relationship(back_populates="revisions")


class Artifact(Base):
    """A file of a job in storage: the upload (`audio`) or a result (`midi`, `musicxml`,
    `score_midi`, `timemap`, `pdf`) of the original transcription (`revision` 0) or of a revision."""

    __tablename__ = "artifacts"
    # one of each kind per revision: a revision's PDF is kept by the first request that engraved it
    __table_args__ = (UniqueConstraint("job_id", "kind", "revision", name="uq_artifacts_job_id_kind_revision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # Revision.number; 0: the original
    key: Mapped[str] = mapped_column(String(200))  # storage key, generated by the server
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    job: Mapped[Job] = relationship(back_populates="artifacts")


class WorkerBeat(Base):
    """A worker or trainer process's last sign of life and the model it holds (for health, metrics
    and the admin page)."""

    __tablename__ = "worker_beats"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # hostname:pid
    role: Mapped[str] = mapped_column(String(16), default=WorkerRole.TRANSCRIBE, server_default=WorkerRole.TRANSCRIBE.value)
    model_version: Mapped[str | None] = mapped_column(String(64))
    model_error: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ModelVersion(Base):
    """A trained model in the registry; `status` a ModelStatus."""

    __tablename__ = "models"
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(500))  # folder with model.weights.h5 and card.json
    status: Mapped[str] = mapped_column(String(16), default=ModelStatus.CANDIDATE, index=True)
    instrument: Mapped[str] = mapped_column(String(16), default=Instrument.ENSEMBLE,
                                            server_default=Instrument.ENSEMBLE.value)  # one active model each
    parameters: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)  # test split, as measured at registration
    card: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(Timestamp)


class TrainingRun(Base):
    """A retraining run; `status` a TrainingRunStatus. Checkpoints are kept under var/runs/<id>, so
    a cancelled or failed run resumes where it stopped."""

    __tablename__ = "training_runs"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16), default=TrainingRunStatus.QUEUED, index=True)
    dataset: Mapped[str] = mapped_column(String(16))  # synthetic | musicnet
    instrument: Mapped[str] = mapped_column(String(16), default=Instrument.ENSEMBLE,
                                            server_default=Instrument.ENSEMBLE.value)  # the model it trains
    path: Mapped[str] = mapped_column(String(500))
    labels_path: Mapped[str | None] = mapped_column(String(500))  # MusicNetEM MIDI labels, if any
    epochs: Mapped[int] = mapped_column(Integer)
    steps_per_epoch: Mapped[int] = mapped_column(Integer, default=300)
    base_model: Mapped[str | None] = mapped_column(String(64))  # start from this model's weights
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    loss: Mapped[float | None] = mapped_column(Float)
    val_note_f1: Mapped[float | None] = mapped_column(Float)
    test_note_f1: Mapped[float | None] = mapped_column(Float)
    active_note_f1: Mapped[float | None] = mapped_column(Float)  # the serving model, same test split
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    model_version: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
