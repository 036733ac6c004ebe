"""What routes get injected, as Annotated aliases so signatures read like sentences."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from services.api.security import user_id_from_token
from services.common.db import new_session
from services.common.models import Job, User
from services.common.storage import Storage, get_storage

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/login")


def get_session() -> Iterator[Session]:
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
