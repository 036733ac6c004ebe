"""Where uploads and artifacts live: keys chosen by the server (`<job id>/<kind>.<ext>`), never
the user's filename. `LocalStorage` is a folder on a volume shared by API and workers; an
S3-compatible store can implement the same four methods."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"^[0-9a-f-]{36}/[a-z_]+\.[a-z0-9.]+$")


class TooLarge(Exception):
    """The stream passed the size cap; nothing was kept."""


class Storage(Protocol):
    def save(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> int: ...
    def path(self, key: str) -> Path: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def exists(self, key: str) -> bool: ...


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The file for a key; refuses anything that is not a server-made key."""
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def save(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> int:
        """Copy a stream under `key` (atomically: a partial file is never visible); returns bytes."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        size = 0
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(1 << 20):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(f"larger than {max_bytes} bytes")
                    out.write(chunk)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        return size

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        """Remove every file of one job (`prefix` is its id)."""
        folder = (self.root / prefix).resolve()
        if folder.parent != self.root:
            raise ValueError(f"not a job folder: {prefix!r}")
        shutil.rmtree(folder, ignore_errors=True)


def get_storage() -> Storage:
    from services.common.settings import get_settings

    return LocalStorage(get_settings().storage_dir)
