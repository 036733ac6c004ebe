"""Passwords (argon2id), access tokens (JWT HS256, an hour at most), login throttling and operator access."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.common.settings import get_settings

log = logging.getLogger("tunescribe.api")
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


class _MemoryWindows:
    """Sliding windows of failure times in this process, for the embedded default: at most
    `max_keys` keys, the least recently failed dropped first, so memory stays bounded."""

    def __init__(self, max_keys: int):
        self._times: OrderedDict[str, deque[float]] = OrderedDict()
        self._max_keys = max_keys
        self._lock = threading.Lock()

    def oldest_within(self, key: str, window_s: float, limit: int) -> float | None:
        """The oldest failure in the window if there are `limit` of them, else None."""
        now = time.time()
        with self._lock:
            times = self._times.get(key)
            while times and times[0] <= now - window_s:
                times.popleft()
            return times[0] if times and len(times) >= limit else None

    def add(self, key: str) -> None:
        with self._lock:
            self._times.setdefault(key, deque()).append(time.time())
            self._times.move_to_end(key)
            while len(self._times) > self._max_keys:
                self._times.popitem(last=False)

    def clear(self, key: str) -> None:
        with self._lock:
            self._times.pop(key, None)


class _RedisWindows:
    """The same windows in Redis (a sorted set of failure times per key, expiring with the
    window), so every API replica sees one count."""

    def __init__(self, url: str, window_s: float):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._window_s = window_s

    def oldest_within(self, key: str, window_s: float, limit: int) -> float | None:
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(key, 0, time.time() - window_s)
        pipe.zrange(key, 0, 0, withscores=True)
        pipe.zcard(key)
        _, oldest, count = pipe.execute()
        return oldest[0][1] if oldest and count >= limit else None

    def add(self, key: str) -> None:
        now = time.time()
        pipe = self._redis.pipeline()
        pipe.zadd(key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
        pipe.expire(key, int(self._window_s) + 1)
        pipe.execute()

    def clear(self, key: str) -> None:
        self._redis.delete(key)


class LoginThrottle:
    """OWASP's advice against guessing without locking owners out: failed sign-ins are counted per
    client address and account together (`login_attempts` in `login_window_s`), and per address
    alone (`login_address_attempts`). A guesser elsewhere cannot lock the owner out, and one address
    cannot try many accounts. Counts live in Redis when the broker is Redis (shared by replicas),
    else in this process, bounded."""

    def __init__(self):
        self._windows = None

    def _store(self):
        if self._windows is None:
            s = get_settings()
            self._windows = (_RedisWindows(s.broker_url, s.login_window_s) if s.broker_url.startswith("redis")
                             else _MemoryWindows(s.login_max_keys))
        return self._windows

    @staticmethod
    def _keys(address: str, email: str) -> tuple[str, str]:
        account = hashlib.sha256(f"{address}\0{email.lower()}".encode()).hexdigest()[:32]
        return f"tunescribe:login:account:{account}", f"tunescribe:login:address:{address}"

    def retry_after(self, address: str, email: str) -> int:
        """Seconds until this address may try this account again (0: now)."""
        s = get_settings()
        account, per_address = self._keys(address, email)
        waits = []
        for key, limit in ((account, s.login_attempts), (per_address, s.login_address_attempts)):
            oldest = self._safely(lambda: self._store().oldest_within(key, s.login_window_s, limit))
            if oldest is not None:
                waits.append(max(1, int(oldest + s.login_window_s - time.time() + 1)))
        return max(waits, default=0)

    def failed(self, address: str, email: str) -> None:
        for key in self._keys(address, email):
            self._safely(lambda: self._store().add(key))

    def succeeded(self, address: str, email: str) -> None:
        self._safely(lambda: self._store().clear(self._keys(address, email)[0]))

    @staticmethod
    def _safely(action):
        """Redis down: sign-in goes on unthrottled (and says so in the log) rather than failing."""
        try:
            return action()
        except Exception as e:  # redis.RedisError and socket errors
            log.warning("login throttle unavailable: %s", e)
            return None


throttle = LoginThrottle()


def is_operator(authorization: str | None) -> bool:
    """Whether a request may see operators' pages (/metrics, /docs, the worker list in health):
    it sends `Authorization: Bearer <TUNESCRIBE_OPERATOR_TOKEN>`; with no token set, only in
    development."""
    s = get_settings()
    if not s.operator_token:
        return s.environment == "development"
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), s.operator_token.encode())
