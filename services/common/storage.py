"""Where uploads and artifacts live: keys chosen by the server (`<job id>/<kind>.<ext>`, a
revision's files `<job id>/r<number>/<kind>.<ext>`), never
the user's filename. Two stores with the same methods: `LocalStorage`, a folder (the embedded
default: API and workers on one machine or one shared volume), and `S3Storage`, a bucket on any
S3-compatible server (`TUNESCRIBE_STORAGE_URL=s3://BUCKET/PREFIX`), which lets API and workers on
different machines share files with no folder in common. Only the local store has `path()`."""

from __future__ import annotations

import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"^[0-9a-f-]{36}/(r[1-9][0-9]{0,8}/)?[a-z_]+\.[a-z0-9.]+$")
_JOB = re.compile(r"^[0-9a-f-]{36}$")
CHUNK = 1 << 20


class TooLarge(Exception):
    """The stream passed the size cap; nothing was kept."""


class NotStored(Exception):
    """Nothing is stored under the key."""


class StorageUnavailable(Exception):
    """The object store did not answer or refused us; `str(error)` says so to a user."""


def check_key(key: str) -> str:
    """`key` if it is a server-made key, else ValueError (a caller's bug, never a user's input)."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _check_job(prefix: str) -> str:
    if not _JOB.fullmatch(prefix):
        raise ValueError(f"not a job folder: {prefix!r}")
    return prefix


class Storage(Protocol):
    def save(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> int: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def prepare(self) -> None: ...


class _Capped:
    """A read-only view of a stream that counts its bytes and raises TooLarge past `max_bytes`.
    It has no seek, so boto3 uploads it part by part instead of measuring it first."""

    def __init__(self, stream: BinaryIO, max_bytes: int | None):
        self._stream, self._max, self.size = stream, max_bytes, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(n)
        self.size += len(chunk)
        if self._max is not None and self.size > self._max:
            raise TooLarge(f"larger than {self._max} bytes")
        return chunk


def copy_to_file(storage: Storage, key: str, target: Path) -> None:
    """The object under `key` written to the local file `target` (a worker's temporary copy)."""
    with storage.open(key) as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The file for a key; refuses anything that is not a server-made key."""
        return self.root / check_key(key)

    def save(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> int:
        """Copy a stream under `key` (atomically: a partial file is never visible); returns bytes."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        capped = _Capped(stream, max_bytes)
        try:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(capped, out, CHUNK)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        return capped.size

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            raise NotStored(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise NotStored(key) from None

    def delete_prefix(self, prefix: str) -> None:
        """Remove every file of one job (`prefix` is its id)."""
        shutil.rmtree(self.root / _check_job(prefix), ignore_errors=True)

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)


class S3Storage:
    """Objects `PREFIX/<key>` in one bucket. An object appears whole or not at all (a multipart
    upload that fails is aborted), so a partial upload is never visible, as with the folder."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._errors = (BotoCoreError, ClientError)
        self._transfer = TransferConfig(multipart_chunksize=8 * CHUNK, max_concurrency=4)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _unavailable(self, e: Exception) -> StorageUnavailable:
        return StorageUnavailable(f"the file store ({self.bucket}) is unavailable: {e}")

    @staticmethod
    def _missing(e: Exception) -> bool:
        code = getattr(e, "response", {}).get("Error", {}).get("Code", "")
        return code in ("404", "NoSuchKey", "NotFound", "NoSuchBucket")

    def save(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> int:
        """Upload a stream under `key` in parts of 8 MiB (never whole in memory); returns bytes."""
        capped = _Capped(stream, max_bytes)
        try:
            self.client.upload_fileobj(capped, self.bucket, self._name(key), Config=self._transfer)
        except self._errors as e:
            raise self._unavailable(e) from None
        return capped.size

    def _object(self, action, key: str) -> dict:
        """`action` (get_object, head_object) on the object of `key`: NotStored when there is none."""
        try:
            return action(Bucket=self.bucket, Key=self._name(key))
        except self._errors as e:
            if self._missing(e):
                raise NotStored(key) from None
            raise self._unavailable(e) from None

    def open(self, key: str) -> BinaryIO:
        """The object as a stream read from the server as it is consumed; close it after use."""
        return self._object(self.client.get_object, key)["Body"]

    def size(self, key: str) -> int:
        return self._object(self.client.head_object, key)["ContentLength"]

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
            return True
        except NotStored:
            return False

    def delete_prefix(self, prefix: str) -> None:
        """Remove every object of one job (`prefix` is its id)."""
        folder = f"{self.prefix}{_check_job(prefix)}/"
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder):
                names = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if names:
                    self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": names, "Quiet": True})
        except self._errors as e:
            raise self._unavailable(e) from None

    def prepare(self) -> None:
        """Create the bucket if it is missing (the migration runs this once before the services)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self._errors as e:
            if not self._missing(e):
                raise self._unavailable(e) from None
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except self._errors as e:
                raise self._unavailable(e) from None


def get_storage() -> Storage:
    from services.common.settings import get_settings

    s = get_settings()
    if s.storage_url:
        return s3_storage(s.storage_url, s.s3_endpoint_url, s.aws_access_key_id, s.aws_secret_access_key,
                           s.aws_region)
    return LocalStorage(s.storage_dir)


@lru_cache(maxsize=4)
def s3_storage(url: str, endpoint_url: str, key_id: str, secret: str, region: str) -> S3Storage:
    """One client per process and configuration (a client is thread-safe and costly to build).
    Credentials left empty fall back to boto3's own chain (instance or pod roles)."""
    import boto3
    from botocore.config import Config

    from services.common.settings import parse_s3_url

    bucket, prefix = parse_s3_url(url)
    client = boto3.client(
        "s3", endpoint_url=endpoint_url or None, region_name=region,
        aws_access_key_id=key_id or None, aws_secret_access_key=secret or None,
        # path-style addressing: S3-compatible servers on a plain host name have no per-bucket DNS
        config=Config(s3={"addressing_style": "path"} if endpoint_url else {}, connect_timeout=5, read_timeout=60,
                      retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32))
    return S3Storage(client, bucket, prefix)
