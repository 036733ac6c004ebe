"""Health (database, broker, workers) and Prometheus metrics, read from our tables."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, SummaryMetricFamily
from sqlalchemy import func, select, text

from services.api.schemas import Health, WorkerPublic
from services.common.db import new_session
from services.common.models import Job, WorkerBeat, utcnow
from services.common.queue import celery_app
from services.common.settings import get_settings

router = APIRouter(tags=["operations"])
DURATION_BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)


def live_workers(session) -> list[WorkerBeat]:
    since = utcnow() - timedelta(seconds=3 * get_settings().heartbeat_s + 5)
    return list(session.scalars(select(WorkerBeat).where(WorkerBeat.seen_at >= since).order_by(WorkerBeat.name)))


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@router.get("/api/health", response_model=Health, responses={503: {"model": Health}})
def health() -> JSONResponse:
    """ok: database and broker reachable, at least one worker alive, every worker holds a model.
    503 when the database or broker is down; 200 with `degraded` otherwise."""
    workers: list[WorkerPublic] = []
    try:
        with new_session() as session:
            session.execute(text("SELECT 1"))
            workers = [WorkerPublic.model_validate(w, from_attributes=True) for w in live_workers(session)]
        database = "ok"
    except Exception as e:
        database = f"unreachable: {type(e).__name__}"
    broker = "ok" if _broker_ok() else "unreachable"
    healthy = database == "ok" and broker == "ok"
    ready = healthy and workers and all(w.model_version and not w.model_error for w in workers)
    body = Health(status="ok" if ready else "degraded", database=database, broker=broker, workers=workers)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if healthy else 503)


class _JobsCollector:
    """Computed at scrape time from the database, so every API replica reports the same numbers."""

    def collect(self):
        with new_session() as session:
            by_status = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
            finished = session.execute(select(Job.started_at, Job.finished_at, Job.timings)
                                       .where(Job.status == "succeeded")).all()
            workers = len(live_workers(session))
        jobs = GaugeMetricFamily("tunescribe_jobs", "jobs by status", labels=["status"])
        for status in ("queued", "running", "succeeded", "failed"):
            jobs.add_metric([status], by_status.get(status, 0))
        yield jobs
        yield GaugeMetricFamily("tunescribe_queue_depth", "jobs waiting for a worker", value=by_status.get("queued", 0))
        yield GaugeMetricFamily("tunescribe_workers", "worker processes alive", value=workers)
        durations = [(f - s).total_seconds() for s, f, _ in finished if s and f]
        counts = [sum(d <= b for d in durations) for b in DURATION_BUCKETS]
        yield HistogramMetricFamily(
            "tunescribe_job_duration_seconds", "from start to succeeded",
            buckets=[(str(b), c) for b, c in zip(DURATION_BUCKETS, counts)] + [("+Inf", len(durations))],
            sum_value=sum(durations))
        stages = SummaryMetricFamily("tunescribe_job_stage_seconds", "time in each stage", labels=["stage"])
        for stage in ("decoding", "transcribing", "notation"):
            values = [t[stage] for _, _, t in finished if t and stage in t]
            stages.add_metric([stage], count_value=len(values), sum_value=sum(values))
        yield stages


_registry = CollectorRegistry()
_registry.register(_JobsCollector())


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(_registry), media_type=CONTENT_TYPE_LATEST)
