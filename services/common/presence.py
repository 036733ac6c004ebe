"""A worker or trainer process's row in `worker_beats`: written every heartbeat while it runs,
removed when it stops. Health, metrics and the admin page read who is alive from there."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.common.db import session_scope
from services.common.heartbeat import Heartbeat
from services.common.models import WorkerBeat, WorkerRole, utcnow
from services.common.settings import get_settings


def process_name() -> str:
    """This process, as health and the admin page list it."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Presence:
    """`model_status()` gives (model version, model error) to report with each beat."""

    def __init__(self, role: WorkerRole, model_status: Callable[[], tuple[str | None, str | None]]):
        self.role, self.model_status = role, model_status
        self._heartbeat: Heartbeat | None = None

    def start(self) -> None:
        self._heartbeat = Heartbeat(self._beat, get_settings().heartbeat_s, first=True)

    def _beat(self) -> None:
        version, error = self.model_status()
        with session_scope() as session:
            row = session.get(WorkerBeat, process_name()) or WorkerBeat(name=process_name())
            row.role, row.model_version, row.model_error, row.seen_at = self.role, version, error, utcnow()
            session.add(row)

    def stop(self) -> None:
        if self._heartbeat:
            self._heartbeat.stop()
        with session_scope() as session:
            session.execute(delete(WorkerBeat).where(WorkerBeat.name == process_name()))


def alive(session: Session, role: WorkerRole) -> list[WorkerBeat]:
    """The processes of a role that reported within three heartbeats."""
    since = utcnow() - timedelta(seconds=3 * get_settings().heartbeat_s + 5)
    return list(session.scalars(select(WorkerBeat).where(WorkerBeat.role == role, WorkerBeat.seen_at >= since)
                                .order_by(WorkerBeat.name)))
