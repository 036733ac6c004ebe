"""Passwords (argon2id), access tokens (JWT HS256, an hour at most) and login throttling."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict, deque
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.common.settings import get_settings

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def create_token(user_id: uuid.UUID) -> tuple[str, int]:
    """A signed token for a user and its lifetime in seconds."""
    s = get_settings()
    lifetime = timedelta(minutes=s.token_minutes)
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user_id), "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, s.secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def user_id_from_token(token: str) -> uuid.UUID | None:
    """The user a valid token names; None for an expired, forged or unsigned one."""
    try:
        claims = jwt.decode(token, get_settings().secret_key, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub"]})
        return uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None


class LoginThrottle:
    """At most `attempts` failed logins per email in a sliding window; then 429 until the oldest
    failure leaves the window. Kept in the API process (one per replica)."""

    def __init__(self):
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, email: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        s = get_settings()
        now = time.monotonic()
        with self._lock:
            failures = self._failures[email.lower()]
            while failures and failures[0] <= now - s.login_window_s:
                failures.popleft()
            if len(failures) < s.login_attempts:
                return 0
            return max(1, int(failures[0] + s.login_window_s - now + 1))

    def failed(self, email: str) -> None:
        with self._lock:
            self._failures[email.lower()].append(time.monotonic())

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email.lower(), None)


throttle = LoginThrottle()
