"""One settings object for every service, read from the environment once (pydantic-settings).

With no DATABASE_URL / BROKER_URL the service runs on the embedded default: a SQLite file and
Celery's file-system broker under ./var, so `make up` needs no servers."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_S3_URL = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>[^\x00-\x1f]*))?$")
PLACEHOLDER_SECRETS = {"changeme", "change-me", "changethis", "secret", "placeholder", "dev", "test"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUNESCRIBE_", extra="ignore")

    environment: str = "development"  # development | production
    var_dir: Path = Path("var")
    database_url: str = Field("", validation_alias="DATABASE_URL")
    broker_url: str = Field("", validation_alias="BROKER_URL")
    storage_dir: Path | None = None  # uploads and artifacts; default var/storage
    # s3://BUCKET[/PREFIX]: uploads and artifacts in an S3-compatible bucket instead of storage_dir
    storage_url: str = ""
    s3_endpoint_url: str = ""  # a server other than AWS (SeaweedFS, MinIO, …), e.g. http://127.0.0.1:8333
    # boto3's usual variables; left empty, boto3 looks further (instance profile, pod role)
    aws_access_key_id: str = Field("", validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str = Field("", validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_region: str = Field("us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    secret_key: str = ""
    token_minutes: int = Field(60, le=60)
    max_upload_mb: int = 100
    max_audio_minutes: float = 20.0
    login_attempts: int = 5  # failed sign-ins per client address and email within login_window_s before 429
    login_address_attempts: int = 30  # failed sign-ins per client address, whatever the email
    login_window_s: int = 300
    login_max_keys: int = 10_000  # the in-process throttle's bound (without Redis)
    upload_limit: int = Field(60, ge=1)  # accepted uploads per user within upload_window_s before 429
    upload_window_s: int = Field(3600, ge=1)
    operator_token: str = ""  # Bearer token for /metrics, /docs and health's worker list (open in development without it)
    # a job: soft limit -> failed "timed out"; the hard limit kills the process; the broker's
    # visibility timeout stays above it so a running task is never handed to a second worker
    job_soft_limit_s: int = 600
    job_hard_limit_s: int = 660
    max_attempts: int = 3
    heartbeat_s: float = 5.0  # a running job's worker touches the row this often
    stale_after_s: float = 60.0  # a running job silent this long lost its worker
    requeue_after_s: float = 120.0  # a job queued this long lost its message (e.g. a broker restart)
    sweep_every_s: float = 15.0
    model_dir: Path | None = None  # pins workers to one model folder; default: the registry's active model
    promote_margin: float = 0.0  # a new model is promoted when its test note F1 >= the active one's + this
    frontend_dir: Path = Path("frontend/dist")
    admin_email: str = ""
    admin_password: str = ""

    @model_validator(mode="after")
    def _defaults_and_secret(self) -> "Settings":
        self.var_dir = self.var_dir.resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'tunescribe.db'}"
        if not self.broker_url:
            self.broker_url = "tsfs://"  # services/common/fsbroker.py
        if self.storage_dir is None:
            self.storage_dir = self.var_dir / "storage"
        self.storage_dir = self.storage_dir.resolve()
        if self.storage_url:
            parse_s3_url(self.storage_url)
        if not self.secret_key:
            if self.environment != "development":
                raise ValueError("TUNESCRIBE_SECRET_KEY must be set outside development")
            self.secret_key = _development_secret(self.var_dir)
        elif self.environment != "development" and (
            self.secret_key.lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        ):
            raise ValueError("TUNESCRIBE_SECRET_KEY is a placeholder or shorter than 32 characters")
        return self

    @property
    def embedded(self) -> bool:
        return self.broker_url.startswith("tsfs")

    @property
    def broker_dir(self) -> Path:
        return self.var_dir / "broker"


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, key prefix) of `s3://BUCKET[/PREFIX]`; ValueError saying the expected form."""
    match = _S3_URL.fullmatch(url)
    if match is None:
        raise ValueError(f"TUNESCRIBE_STORAGE_URL must be s3://BUCKET or s3://BUCKET/PREFIX, not {url!r}")
    return match["bucket"], (match["prefix"] or "").strip("/")


def _development_secret(var_dir: Path) -> str:
    """A random secret kept under var/, so development tokens survive a restart."""
    path = var_dir / "secret_key"
    if not path.is_file():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
