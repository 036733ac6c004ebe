"""Health (database, broker, workers) and Prometheus metrics, read from our tables. The status is
public; the worker list and /metrics are for operators (services.api.security.is_operator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, SummaryMetricFamily
from sqlalchemy import case, func, select, text

from services.api.schemas import Health, WorkerPublic
from services.api.security import is_operator
from services.common.db import new_session
from services.common.models import Job, JobStage, JobStatus, WorkerRole
from services.common.presence import alive
from services.common.queue import celery_app

router = APIRouter(tags=["operations"])
DURATION_BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
STAGES = (JobStage.DECODING, JobStage.TRANSCRIBING, JobStage.NOTATION)
Authorization = Annotated[str | None, Header(include_in_schema=False)]


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception:
        return False


@router.get("/api/health", response_model=Health, responses={503: {"model": Health}})
def health(authorization: Authorization = None) -> JSONResponse:
    """ok: database and broker reachable, at least one worker alive, every worker holds a model.
    503 when the database or broker is down; 200 with `degraded` otherwise. Operators also get
    the list of workers."""
    workers: list[WorkerPublic] = []
    try:
        with new_session() as session:
            session.execute(text("SELECT 1"))
            workers = [WorkerPublic.model_validate(w, from_attributes=True)
                       for w in alive(session, WorkerRole.TRANSCRIBE)]
        database = "ok"
    except Exception as e:
        database = f"unreachable: {type(e).__name__}"
    broker = "ok" if _broker_ok() else "unreachable"
    healthy = database == "ok" and broker == "ok"
    ready = healthy and workers and all(w.model_version and not w.model_error for w in workers)
    body = Health(status="ok" if ready else "degraded", database=database, broker=broker, workers=workers)
    public = None if is_operator(authorization) else {"workers"}
    return JSONResponse(body.model_dump(mode="json", exclude=public), status_code=200 if healthy else 503)


class _JobsCollector:
    """Computed at scrape time by SQL aggregates over indexed status and float columns (three
    queries whatever the number of jobs), so every API replica reports the same numbers."""

    def collect(self):
        stage_seconds = [getattr(Job, f"{stage}_s") for stage in STAGES]
        with new_session() as session:
            by_status = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
            workers = len(alive(session, WorkerRole.TRANSCRIBE))
            succeeded = session.execute(select(
                func.count(Job.run_s), func.coalesce(func.sum(Job.run_s), 0.0),
                *[func.coalesce(func.sum(case((Job.run_s <= b, 1), else_=0)), 0) for b in DURATION_BUCKETS],
                *[func.count(c) for c in stage_seconds], *[func.coalesce(func.sum(c), 0.0) for c in stage_seconds],
            ).where(Job.status == JobStatus.SUCCEEDED)).one()
        n, k = len(DURATION_BUCKETS), len(STAGES)
        count, total, buckets = succeeded[0], succeeded[1], succeeded[2:2 + n]
        stage_counts, stage_sums = succeeded[2 + n:2 + n + k], succeeded[2 + n + k:]
        jobs = GaugeMetricFamily("tunescribe_jobs", "jobs by status", labels=["status"])
        for s in JobStatus:
            jobs.add_metric([s.value], by_status.get(s, 0))
        yield jobs
        yield GaugeMetricFamily("tunescribe_queue_depth", "jobs waiting for a worker",
                                value=by_status.get(JobStatus.QUEUED, 0))
        yield GaugeMetricFamily("tunescribe_workers", "worker processes alive", value=workers)
        yield HistogramMetricFamily(
            "tunescribe_job_duration_seconds", "from start to succeeded",
            buckets=[(str(b), int(c)) for b, c in zip(DURATION_BUCKETS, buckets)] + [("+Inf", count)],
            sum_value=float(total))
        stages = SummaryMetricFamily("tunescribe_job_stage_seconds", "time in each stage", labels=["stage"])
        for stage, n, seconds in zip(STAGES, stage_counts, stage_sums):
            stages.add_metric([stage.value], count_value=n, sum_value=float(seconds))
        yield stages


_registry = CollectorRegistry()
_registry.register(_JobsCollector())


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """For operators only (main.OPERATOR_PATHS)."""
    return Response(generate_latest(_registry), media_type=CONTENT_TYPE_LATEST)
