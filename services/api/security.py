"""Passwords (argon2id), access tokens (JWT HS256, an hour at most), login throttling, the upload
limit and operator access."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
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
    """Sliding windows of event times in this process, for the embedded default: at most
    `max_keys` keys, the least recently touched dropped first, so memory stays bounded."""

    def __init__(self, max_keys: int):
        self._times: OrderedDict[str, deque[float]] = OrderedDict()
        self._max_keys = max_keys
        self._lock = threading.Lock()

    def _window(self, key: str, window_s: float) -> deque[float]:
        """The key's events within the window (an empty one, not kept, for a key never seen)."""
        times = self._times.get(key, deque())
        while times and times[0] <= time.time() - window_s:
            times.popleft()
        return times

    def oldest_within(self, key: str, window_s: float, limit: int) -> float | None:
        """The oldest event in the window if there are `limit` of them, else None."""
        with self._lock:
            times = self._window(key, window_s)
            return times[0] if len(times) >= limit else None

    def add(self, key: str, window_s: float) -> float:
        """Records an event now; returns its time, which names it for `remove`."""
        with self._lock:
            return self._add(key)

    def _add(self, key: str) -> float:
        now = time.time()
        self._times.setdefault(key, deque()).append(now)
        self._times.move_to_end(key)
        while len(self._times) > self._max_keys:
            self._times.popitem(last=False)
        return now

    def take(self, key: str, window_s: float, limit: int) -> tuple[float | None, float | None]:
        """One of `limit` places in the window: (its name, None), or (None, the oldest event's time)
        when all are taken. Checked and taken at once, so concurrent requests never pass the limit."""
        with self._lock:
            times = self._window(key, window_s)
            if len(times) >= limit:
                return None, times[0]
            return self._add(key), None

    def remove(self, key: str, name: float) -> None:
        with self._lock:
            times = self._times.get(key)
            if times and name in times:
                times.remove(name)

    def clear(self, key: str) -> None:
        with self._lock:
            self._times.pop(key, None)


class _RedisWindows:
    """The same windows in Redis (a sorted set of event times per key, expiring with the window),
    so every API replica sees one count."""

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def oldest_within(self, key: str, window_s: float, limit: int) -> float | None:
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(key, 0, time.time() - window_s)
        pipe.zrange(key, 0, 0, withscores=True)
        pipe.zcard(key)
        _, oldest, count = pipe.execute()
        return oldest[0][1] if oldest and count >= limit else None

    def add(self, key: str, window_s: float) -> str:
        now = time.time()
        name = f"{now}:{uuid.uuid4().hex[:8]}"
        pipe = self._redis.pipeline()
        pipe.zadd(key, {name: now})
        pipe.expire(key, int(window_s) + 1)
        pipe.execute()
        return name

    def take(self, key: str, window_s: float, limit: int) -> tuple[str | None, float | None]:
        """As `_MemoryWindows.take`, across replicas: the event is added and counted in one
        transaction, and taken back when it is past the limit (two requests racing for the last
        place may both be refused, never both accepted)."""
        now = time.time()
        name = f"{now}:{uuid.uuid4().hex[:8]}"
        pipe = self._redis.pipeline()  # MULTI … EXEC
        pipe.zremrangebyscore(key, 0, now - window_s)
        pipe.zadd(key, {name: now})
        pipe.expire(key, int(window_s) + 1)
        pipe.zcard(key)
        pipe.zrange(key, 0, 0, withscores=True)
        *_, count, oldest = pipe.execute()
        if count <= limit:
            return name, None
        self._redis.zrem(key, name)
        return None, oldest[0][1]

    def remove(self, key: str, name: str) -> None:
        self._redis.zrem(key, name)

    def clear(self, key: str) -> None:
        self._redis.delete(key)


_windows = None


def _store():
    """The process's windows: in Redis when the broker is Redis (shared by replicas), else here."""
    global _windows
    if _windows is None:
        s = get_settings()
        _windows = _RedisWindows(s.broker_url) if s.broker_url.startswith("redis") else _MemoryWindows(s.login_max_keys)
    return _windows


def _safely(action, what: str):
    """Redis down: the request goes on unthrottled (and the log says so) rather than failing."""
    try:
        return action()
    except Exception as e:  # redis.RedisError and socket errors
        log.warning("%s unavailable: %s", what, e)
        return None


class LoginThrottle:
    """OWASP's advice against guessing without locking owners out: failed sign-ins are counted per
    client address and account together (`login_attempts` in `login_window_s`), and per address
    alone (`login_address_attempts`). A guesser elsewhere cannot lock the owner out, and one address
    cannot try many accounts. Counts live in Redis when the broker is Redis (shared by replicas),
    else in this process, bounded."""

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
            oldest = _safely(lambda: _store().oldest_within(key, s.login_window_s, limit), "login throttle")
            if oldest is not None:
                waits.append(_seconds_until(oldest + s.login_window_s))
        return max(waits, default=0)

    def failed(self, address: str, email: str) -> None:
        for key in self._keys(address, email):
            _safely(lambda: _store().add(key, get_settings().login_window_s), "login throttle")

    def succeeded(self, address: str, email: str) -> None:
        _safely(lambda: _store().clear(self._keys(address, email)[0]), "login throttle")


def _seconds_until(moment: float) -> int:
    return max(1, int(moment - time.time() + 1))


class UploadsLimited(Exception):
    """A user sent `limit` uploads within the window; `retry_after` seconds until the next may go."""

    def __init__(self, limit: int, window_s: int, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"You have sent {limit} recordings in the last {_duration(window_s)}, the most allowed. "
                         f"You can send the next one in {_duration(retry_after)}.")


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes" if seconds < 7200 else f"{round(seconds / 3600)} hours"


@contextmanager
def upload_slot(user_id: uuid.UUID) -> Iterator[None]:
    """One of the user's `upload_limit` uploads within `upload_window_s`, counted in Redis across
    API replicas (in this process on the embedded default); given back when the upload is refused
    or fails, so only accepted uploads count. UploadsLimited when none is left."""
    s = get_settings()
    key = f"tunescribe:uploads:{user_id}"
    taken = _safely(lambda: _store().take(key, s.upload_window_s, s.upload_limit), "upload limit")
    name, oldest = taken or (None, None)
    if oldest is not None:
        raise UploadsLimited(s.upload_limit, s.upload_window_s, _seconds_until(oldest + s.upload_window_s))
    try:
        yield
    except BaseException:
        if name is not None:
            _safely(lambda: _store().remove(key, name), "upload limit")
        raise


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
