"""What routes get injected, as Annotated aliases so signatures read like sentences."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from services.api.security import user_id_from_token
from services.common.db import get_engine, new_session
from services.common.models import Job, User
from services.common.storage import Storage, get_storage

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/login")


@lru_cache
def _connection_slots() -> anyio.Semaphore:
    pool = get_engine().pool
    return anyio.Semaphore(pool.size() + max(0, getattr(pool, "_max_overflow", 0)))


async def _connection_slot() -> AsyncIterator[None]:
    """At most as many requests with a session as the engine has connections. A request keeps its
    connection between the thread-pool calls of its dependencies and route; unbounded, a burst fills
    the thread pool with requests blocked on the empty connection pool while the requests holding the
    connections wait for a thread, and every request stalls until the pool's 30 s timeout (a 500)."""
    async with _connection_slots():
        yield


def get_session(_: Annotated[None, Depends(_connection_slot)]) -> Iterator[Session]:
    with new_session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
StorageDep = Annotated[Storage, Depends(get_storage)]


def get_current_user(session: SessionDep, token: Annotated[str, Depends(oauth2)]) -> User:
    user_id = user_id_from_token(token)
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not signed in, or the session expired",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "administrators only")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


def get_own_job(job_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Job:
    """The caller's job; anyone else's is indistinguishable from a missing one (404)."""
    job = session.get(Job, job_id)
    if job is None or job.user_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such job")
    return job


OwnJob = Annotated[Job, Depends(get_own_job)]
