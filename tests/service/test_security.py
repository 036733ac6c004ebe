"""Security of the gateway, against the running API: every route with a job id is scoped to its
owner, tokens that are expired, forged or unsigned are refused, sign-in is throttled, passwords
are argon2id, every response carries the security headers, and the API never loads TensorFlow."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from services.common.db import new_session
from services.common.models import User
from services.common.settings import Settings
from benchmarks import stack

# Every route behind sign-in that takes an id. A new one that is not listed here fails
# test_every_route_with_an_id_is_in_the_matrix: add it, so that it is checked for another user and
# for no token (401). Job routes, with what the owner of a succeeded job gets (another user: 404):
JOB_ROUTES = {
    ("GET", "/api/jobs/{job_id}"): 200,
    ("GET", "/api/jobs/{job_id}/midi"): 200,
    ("GET", "/api/jobs/{job_id}/musicxml"): 200,
    ("GET", "/api/jobs/{job_id}/score-midi"): 200,
    ("GET", "/api/jobs/{job_id}/timemap"): 200,
    ("GET", "/api/jobs/{job_id}/pdf"): 200,
    ("GET", "/api/jobs/{job_id}/audio"): 200,
    ("GET", "/api/jobs/{job_id}/revisions"): 200,
    ("POST", "/api/jobs/{job_id}/revisions"): 422,  # sent no edits: the owner is told what is missing
    ("DELETE", "/api/jobs/{job_id}"): 204,  # last: it removes the job
}
# administration (another user, not an administrator: 403)
ADMIN_ID_ROUTES = {
    ("GET", "/api/admin/training-runs/{run_id}"),
    ("POST", "/api/admin/training-runs/{run_id}/cancel"),
    ("POST", "/api/admin/training-runs/{run_id}/resume"),
    ("POST", "/api/admin/models/{version}/promote"),
}
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")

_INTROSPECT = """
import json, sys
from fastapi.routing import APIRoute
from services.api.deps import get_admin, get_current_user
from services.api.main import app

def needs(dependant, call):
    return any(d.call is call or needs(d, call) for d in dependant.dependencies)

try:  # recent FastAPI keeps included routers nested; this walks them with their full paths
    from fastapi.routing import iter_route_contexts
except ImportError:
    iter_route_contexts = iter

routes = []
for r in iter_route_contexts(app.routes):
    original = getattr(r, "original_route", r)
    if isinstance(original, APIRoute):
        routes.append({"path": r.path, "methods": sorted(r.methods),
                       "needs_user": needs(original.dependant, get_current_user),
                       "needs_admin": needs(original.dependant, get_admin)})
print(json.dumps({"routes": routes, "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def app_facts(services_env) -> dict:
    """The API's routes and the modules its import loads, from a fresh interpreter."""
    out = subprocess.run([stack.PYTHON, "-c", _INTROSPECT], env=services_env, cwd=stack.ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _route_keys(facts: dict, predicate) -> set[tuple[str, str]]:
    return {(m, r["path"]) for r in facts["routes"] if predicate(r) for m in r["methods"] if m != "HEAD"}


@pytest.fixture(scope="module")
def finished_job(worker, api, piano_wav) -> tuple[stack.Client, str]:
    """A user and one of their jobs that succeeded, so every download exists for its owner."""
    owner = stack.Client(api)
    job = owner.upload(piano_wav)
    assert owner.wait(job["id"])["status"] == "succeeded"
    return owner, job["id"]


def _call(http: httpx.Client, method: str, path: str, job_id: str, **kw) -> httpx.Response:
    path = path.replace("{job_id}", job_id).replace("{run_id}", str(uuid.uuid4())).replace("{version}", "v1")
    return http.request(method, path, **kw)


def test_every_route_with_an_id_is_in_the_matrix(app_facts):
    with_an_id = _route_keys(app_facts, lambda r: "{job_id}" in r["path"] or ("{" in r["path"] and r["needs_user"]))
    assert with_an_id == set(JOB_ROUTES) | ADMIN_ID_ROUTES


def test_every_route_with_an_id_needs_a_user(app_facts):
    assert set(JOB_ROUTES) <= _route_keys(app_facts, lambda r: r["needs_user"])
    assert ADMIN_ID_ROUTES <= _route_keys(app_facts, lambda r: r["needs_admin"])


def test_administration_is_403_for_a_user(app_facts, client):
    routes = _route_keys(app_facts, lambda r: r["needs_admin"])
    assert ADMIN_ID_ROUTES <= routes
    for method, path in sorted(routes):
        r = _call(client.http, method, path, str(uuid.uuid4()), **({"json": {}} if method == "POST" else {}))
        assert r.status_code == 403, (method, path, r.status_code)


def test_other_users_job_is_404_on_every_route(finished_job, client):
    owner, job_id = finished_job
    for method, path in JOB_ROUTES:
        r = _call(client.http, method, path, job_id)
        assert r.status_code == 404, (method, path, r.status_code)
    for (method, path), expected in JOB_ROUTES.items():  # the owner still has it all, then deletes it
        r = _call(owner.http, method, path, job_id)
        assert r.status_code == expected, (method, path, r.status_code, r.text[:200])


def test_missing_job_is_404_and_a_malformed_id_is_4xx(client):
    for method, path in JOB_ROUTES:
        assert _call(client.http, method, path, str(uuid.uuid4())).status_code == 404, (method, path)
        assert _call(client.http, method, path, "not-a-uuid").status_code == 422, (method, path)
        assert _call(client.http, method, path, "..%2F..%2Fetc").status_code in (404, 422), (method, path)


def test_no_token_is_401_on_every_route_that_needs_a_user(app_facts, api):
    routes = _route_keys(app_facts, lambda r: r["needs_user"])
    assert {("GET", "/api/auth/me"), ("GET", "/api/jobs"), ("POST", "/api/jobs")} <= routes
    with httpx.Client(base_url=api, timeout=30) as anonymous:
        for method, path in sorted(routes):
            r = _call(anonymous, method, path, str(uuid.uuid4()))
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.headers["WWW-Authenticate"] == "Bearer"


# --- tokens --------------------------------------------------------------------------------------

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _bad_tokens(user_id: str, secret: str) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    valid = {"sub": user_id, "iat": now, "exp": now + timedelta(minutes=10)}
    unsigned = {"sub": user_id, "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 600}
    return {
        "expired": jwt.encode({**valid, "iat": now - timedelta(hours=2), "exp": now - timedelta(seconds=5)},
                              secret, algorithm="HS256"),
        "forged (another key)": jwt.encode(valid, "another-key-" + "y" * 40, algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(unsigned)}.",
        "alg None, signature kept": f"{_b64({'alg': 'None', 'typ': 'JWT'})}.{_b64(unsigned)}."
                                    + jwt.encode(valid, secret, algorithm="HS256").split(".")[2],
        "HS512 (not the algorithm we sign with)": jwt.encode(valid, secret, algorithm="HS512"),
        "no expiry": jwt.encode({"sub": user_id}, secret, algorithm="HS256"),
        "unknown user": jwt.encode({**valid, "sub": str(uuid.uuid4())}, secret, algorithm="HS256"),
        "subject not an id": jwt.encode({**valid, "sub": "admin"}, secret, algorithm="HS256"),
        "payload edited": ".".join([jwt.encode(valid, secret, algorithm="HS256").split(".")[0],
                                    _b64({**unsigned, "exp": unsigned["exp"] + 10**6}),
                                    jwt.encode(valid, secret, algorithm="HS256").split(".")[2]]),
        "garbage": "not-a-token",
        "three dots": "...",
        "empty parts": "a..b",
    }


def test_expired_forged_unsigned_and_garbage_tokens_are_401(client, services_env):
    me = client.http.get("/api/auth/me")
    assert me.status_code == 200
    job_path = f"/api/jobs/{uuid.uuid4()}"
    for name, token in _bad_tokens(me.json()["id"], services_env["TUNESCRIBE_SECRET_KEY"]).items():
        for path in ("/api/auth/me", job_path, "/api/jobs"):
            r = client.http.get(path, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401, (name, path, r.status_code)


def test_token_is_hs256_and_lives_an_hour_at_most(client, services_env):
    token = client.http.headers["Authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, services_env["TUNESCRIBE_SECRET_KEY"], algorithms=["HS256"])
    assert 0 < claims["exp"] - claims["iat"] <= 3600


# --- accounts -------------------------------------------------------------------------------------

def _login(http: httpx.Client, email: str, password: str) -> httpx.Response:
    return http.post("/api/auth/login", data={"username": email, "password": password})


def test_login_is_throttled_with_retry_after(api):
    s = Settings()
    user = stack.Client(api)  # a fresh email: the API process keeps its own throttle state
    with httpx.Client(base_url=api, timeout=30) as http:
        for _ in range(s.login_attempts):
            assert _login(http, user.email, "wrong password!").status_code == 401
        for password in ("wrong password!", user.password):  # the right one waits too
            r = _login(http, user.email.upper(), password)  # emails are case-insensitive
            assert r.status_code == 429, r.text
            assert 0 < int(r.headers["Retry-After"]) <= s.login_window_s + 1
        other = stack.Client(api)  # one email's failures do not lock out another
        assert _login(http, other.email, other.password).status_code == 200


def test_wrong_password_and_unknown_email_are_the_same_401(api):
    user = stack.Client(api)
    with httpx.Client(base_url=api, timeout=30) as http:
        wrong = _login(http, user.email, "not the password")
        unknown = _login(http, f"nobody-{uuid.uuid4().hex[:8]}@example.com", "whatever123")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "access_token" not in wrong.text


def test_duplicate_email_is_409(api):
    user = stack.Client(api)
    with httpx.Client(base_url=api, timeout=30) as http:
        for email in (user.email, user.email.upper()):
            r = http.post("/api/auth/register", json={"email": email, "password": "another long one"})
            assert r.status_code == 409, (email, r.text)


@pytest.mark.parametrize("body", [
    {"email": "weak@example.com", "password": "short"},
    {"email": "weak@example.com", "password": ""},
    {"email": "weak@example.com", "password": "x" * 129},
    {"email": "not-an-email", "password": "long enough password"},
    {"email": "weak@example.com"},
], ids=["short password", "empty password", "password too long", "not an email", "no password"])
def test_weak_password_or_bad_email_is_422(api, body):
    with httpx.Client(base_url=api, timeout=30) as http:
        assert http.post("/api/auth/register", json=body).status_code == 422


ODD_INPUTS = {  # text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates) -> expected
    "register, NUL in the email": ("POST", "/api/auth/register", 422,
                                   {"json": {"email": "a\x00b@example.com", "password": "long enough password"}}),
    "register, lone surrogates": ("POST", "/api/auth/register", 422,
                                  {"content": b'{"email": "a\\ud800b@example.com", "password": "long enough \\udfff"}',
                                   "headers": {"Content-Type": "application/json"}}),
    "login, NUL in the email": ("POST", "/api/auth/login", 401,
                                {"data": {"username": "a\x00b@example.com", "password": "x"}}),
    "login, invalid UTF-8": ("POST", "/api/auth/login", 401,
                             {"content": b"username=%ED%A0%80&password=%FF%FE",
                              "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    "history, NUL in the filter": ("GET", "/api/jobs?q=a%00b", 422, {}),
    "history, invalid UTF-8 in the filter": ("GET", "/api/jobs?q=%ED%A0%80%FF", 200, {}),
}


@pytest.mark.parametrize("method, path, expected, kw", ODD_INPUTS.values(), ids=ODD_INPUTS.keys())
def test_unstorable_text_is_refused_not_a_server_error(client, method, path, expected, kw):
    r = client.http.request(method, path, **kw)
    assert r.status_code == expected, r.text[:300]
    r.json()  # a body that is valid JSON even when it echoes the input


def test_control_characters_are_dropped_from_titles(client):
    wav = (b"RIFF\x24\x00\x00\x00WAVEfmt ")
    r = client.http.post("/api/jobs", files={"file": ("a\x00b.wav", wav, "audio/wav")},
                         data={"title": "la\x00 mer\x1b"})
    assert r.status_code == 202, r.text
    assert r.json()["title"] == "la mer"


def test_passwords_are_stored_as_argon2id(client):
    with new_session() as session:
        stored = session.scalar(select(User.password_hash).where(User.email == client.email))
    assert stored.startswith("$argon2id$")
    assert client.password not in stored


# --- responses and configuration --------------------------------------------------------------

def test_security_headers_on_every_response(api, client):
    with httpx.Client(base_url=api, timeout=30) as anonymous:
        responses = {
            "health": anonymous.get("/api/health"),
            "404 unknown path": anonymous.get("/api/no-such-route"),
            "404 unknown job": client.http.get(f"/api/jobs/{uuid.uuid4()}"),
            "401": anonymous.get("/api/auth/me"),
            "405": anonymous.put("/api/health"),
            "422": anonymous.post("/api/auth/register", json={}),
            "415": client.http.post("/api/jobs", files={"file": ("a.wav", b"<html></html>")}),
            "openapi": anonymous.get("/openapi.json"),
            "200 json": client.http.get("/api/jobs"),
        }
    for name, r in responses.items():
        missing = [h for h in SECURITY_HEADERS if h not in r.headers]
        assert not missing, (name, r.status_code, missing)
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


@pytest.mark.parametrize("secret", ["", "changeme", "CHANGETHIS", "secret", "x" * 31])
def test_placeholder_or_short_secret_is_refused_outside_development(secret, tmp_path, monkeypatch):
    monkeypatch.delenv("TUNESCRIBE_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="TUNESCRIBE_SECRET_KEY"):
        Settings(environment="production", secret_key=secret, var_dir=tmp_path)


def test_strong_secret_is_accepted_and_development_makes_its_own(tmp_path, monkeypatch):
    monkeypatch.delenv("TUNESCRIBE_SECRET_KEY", raising=False)
    assert Settings(environment="production", secret_key="k" * 32, var_dir=tmp_path).secret_key == "k" * 32
    dev = Settings(environment="development", secret_key="", var_dir=tmp_path)
    assert len(dev.secret_key) >= 32 and dev.secret_key not in ("k" * 32,)
    assert Settings(environment="development", secret_key="", var_dir=tmp_path).secret_key == dev.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_tokens_cannot_be_configured_to_live_over_an_hour(tmp_path):
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key="k" * 32, var_dir=tmp_path, token_minutes=120)


def test_api_import_does_not_load_tensorflow(app_facts):
    assert "fastapi" in app_facts["modules"]
    assert not [m for m in app_facts["modules"] if m.split(".")[0] in ("tensorflow", "keras", "tf_keras")]


# --- sign-in throttling: by address and account, by address, shared by replicas -------------------

def _from(api: str, address: str) -> httpx.Client:
    """A client whose connections come from another loopback address (another machine, to the API)."""
    return httpx.Client(base_url=api, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def test_guesses_from_one_address_do_not_lock_the_owner_out_elsewhere(api):
    s = Settings()
    user = stack.Client(api)
    with _from(api, "127.0.0.2") as guesser, _from(api, "127.0.0.3") as owner:
        for _ in range(s.login_attempts):
            assert _login(guesser, user.email, "wrong password!").status_code == 401
        assert _login(guesser, user.email, user.password).status_code == 429
        assert _login(owner, user.email, user.password).status_code == 200


def test_one_address_cannot_try_many_accounts(api):
    s = Settings()
    with _from(api, "127.0.0.4") as guesser, _from(api, "127.0.0.5") as other:
        for i in range(s.login_address_attempts):
            assert _login(guesser, f"nobody-{i}@example.com", "wrong password!").status_code == 401
        user = stack.Client(api)
        r = _login(guesser, user.email, user.password)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        assert _login(other, user.email, user.password).status_code == 200


def test_throttle_is_shared_by_api_replicas(services_env, var_dir, api):
    s = Settings()
    port = stack.free_port()
    replica = stack.start_api(services_env, port, var_dir / "api-replica.log")
    try:
        user = stack.Client(api)
        with _from(api, "127.0.0.6") as first, _from(f"http://127.0.0.1:{port}", "127.0.0.6") as second:
            for _ in range(s.login_attempts):
                assert _login(first, user.email, "wrong password!").status_code == 401
            assert _login(second, user.email, user.password).status_code == 429
    finally:
        replica.stop()


def test_huge_username_is_422_before_any_work(api):
    with _from(api, "127.0.0.7") as http:
        r = _login(http, "x" * 900_000 + "@example.com", "wrong password!")
        assert r.status_code == 422, r.text[:200]


def test_throttle_without_redis_stays_bounded():
    from services.api.security import _MemoryWindows

    windows = _MemoryWindows(max_keys=100)
    for i in range(1000):
        windows.add(f"key-{i}", 60)
    assert len(windows._times) == 100
    for i in range(1000):  # asking about keys never seen keeps nothing
        windows.oldest_within(f"asked-{i}", 60, 1)
    assert len(windows._times) == 100
    assert windows.oldest_within("key-999", 60, 1) is not None and windows.oldest_within("key-0", 60, 1) is None


def test_upload_places_without_redis_never_pass_the_limit():
    from concurrent.futures import ThreadPoolExecutor

    from services.api.security import _MemoryWindows

    windows = _MemoryWindows(max_keys=100)
    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: windows.take("user", 60, 5), range(40)))
    names = [name for name, _ in taken if name is not None]
    assert len(names) == 5 and all(oldest is not None for name, oldest in taken if name is None)
    windows.remove("user", names[0])  # a refused upload gives its place back
    assert windows.take("user", 60, 5)[0] is not None and windows.take("user", 60, 5)[0] is None


def test_upload_places_in_redis_never_pass_the_limit_under_concurrent_requests(services_env):
    from concurrent.futures import ThreadPoolExecutor

    from services.api.security import _RedisWindows

    windows, key = _RedisWindows(services_env["BROKER_URL"]), f"tunescribe:test:{uuid.uuid4().hex}"
    with ThreadPoolExecutor(16) as pool:
        taken = list(pool.map(lambda _: windows.take(key, 60, 5), range(64)))
    accepted = [name for name, _ in taken if name is not None]
    assert 1 <= len(accepted) <= 5  # racers for the last places may all be refused; never one too many
    for name in accepted:
        windows.remove(key, name)
    assert windows.take(key, 60, 5)[0] is not None


# --- what is public ---------------------------------------------------------------------------------

def test_operator_pages_need_the_operator_token(api, worker, client, piano_wav):
    assert client.wait(client.upload(piano_wav)["id"])["status"] == "succeeded"
    with httpx.Client(base_url=api, timeout=30) as anonymous:
        for path in ("/metrics", "/docs", "/openapi.json"):
            assert anonymous.get(path).status_code == 403, path
            assert anonymous.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 403, path
            assert anonymous.get(path, headers=stack.OPERATOR).status_code == 200, path
        public = anonymous.get("/api/health").json()
        assert set(public) == {"status", "database", "broker"}
        operator = anonymous.get("/api/health", headers=stack.OPERATOR).json()
        assert operator["workers"] and ":" in operator["workers"][0]["name"]
        metrics = anonymous.get("/metrics", headers=stack.OPERATOR).text
    succeeded = re.search(r'^tunescribe_jobs\{status="succeeded"\} (\S+)$', metrics, re.M)
    assert succeeded and float(succeeded.group(1)) >= 1, metrics[:2000]
    runs = re.search(r"^tunescribe_job_duration_seconds_count (\S+)$", metrics, re.M)
    stage = re.search(r'^tunescribe_job_stage_seconds_count\{stage="transcribing"\} (\S+)$', metrics, re.M)
    assert runs and stage and float(runs.group(1)) == float(stage.group(1)) == float(succeeded.group(1))


def test_operators_are_open_in_development_without_a_token(tmp_path, monkeypatch):
    from services.api.security import is_operator

    monkeypatch.setenv("TUNESCRIBE_VAR_DIR", str(tmp_path))
    for env, token, header, expected in [("development", "", None, True), ("production", "", None, False),
                                         ("production", "t" * 32, None, False),
                                         ("production", "t" * 32, "Bearer " + "t" * 32, True)]:
        monkeypatch.setenv("TUNESCRIBE_ENVIRONMENT", env)
        monkeypatch.setenv("TUNESCRIBE_OPERATOR_TOKEN", token)
        monkeypatch.setenv("TUNESCRIBE_SECRET_KEY", "s" * 40)
        from services.common.settings import get_settings

        get_settings.cache_clear()
        try:
            assert is_operator(header) is expected, (env, token, header)
        finally:
            get_settings.cache_clear()
