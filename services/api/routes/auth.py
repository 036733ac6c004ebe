"""Accounts: register, log in (OAuth2 password form), who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.api.deps import CurrentUser, SessionDep
from services.api.schemas import Token, UserCreate, UserPublic
from services.api.security import create_token, hash_password, throttle, verify_password
from services.common.models import User

router = APIRouter(prefix="/auth", tags=["auth"])
_DUMMY_HASH = hash_password("not a real password")  # equal work for unknown emails


@router.post("/register", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def register(body: UserCreate, session: SessionDep) -> User:
    user = User(email=body.email, password_hash=hash_password(body.password))
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "email already registered") from None
    return user


class LoginForm:
    """OAuth2's password form with lengths capped, so a huge username is a 422 before any work."""

    def __init__(self, username: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)]):
        self.username, self.password = username, password


@router.post("/login", response_model=Token, responses={401: {}, 429: {}})
def login(form: Annotated[LoginForm, Depends()], request: Request, session: SessionDep) -> Token:
    email = form.username.lower()
    address = request.client.host if request.client else "unknown"
    if wait := throttle.retry_after(address, email):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, f"too many failed sign-ins; try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    # no account's email holds NUL, and PostgreSQL refuses to even compare one
    user = session.scalar(select(User).where(User.email == email)) if "\x00" not in email else None
    if not verify_password(form.password, user.password_hash if user else _DUMMY_HASH) or user is None:
        throttle.failed(address, email)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong email or password")
    throttle.succeeded(address, email)
    token, lifetime = create_token(user.id)
    return Token(access_token=token, expires_in=lifetime)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> User:
    return user
