"""Upload guards: the type decided by the file's first bytes (audio is decoded only in the
worker) and a size cap enforced while the body arrives, so a huge upload is never stored whole."""

from __future__ import annotations

import json
import os
from typing import BinaryIO

import mutagen
from fastapi import HTTPException

from services.common.limits import too_large

# leading bytes -> (extension, content type); checked in order
_SIGNATURES = [
    (0, b"RIFF", 8, b"WAVE", "wav", "audio/wav"),
    (0, b"fLaC", 0, b"", "flac", "audio/flac"),
    (0, b"OggS", 0, b"", "ogg", "audio/ogg"),
    (0, b"ID3", 0, b"", "mp3", "audio/mpeg"),
    (0, b"FORM", 8, b"AIFF", "aiff", "audio/aiff"),
    (0, b"FORM", 8, b"AIFC", "aiff", "audio/aiff"),
    (4, b"ftyp", 0, b"", "m4a", "audio/mp4"),
    (0, b"\x1aE\xdf\xa3", 0, b"", "webm", "audio/webm"),
    (0, b"caff", 0, b"", "caf", "audio/x-caf"),
    (0, b".snd", 0, b"", "au", "audio/basic"),
]


def sniff_audio(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of an audio container recognised by its first bytes, else None."""
    for offset, magic, offset2, magic2, ext, content_type in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic and head[offset2:offset2 + len(magic2)] == magic2:
            return ext, content_type
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio / ADTS frame sync
        return "mp3", "audio/mpeg"
    return None


def declared_minutes(stream: BinaryIO) -> float | None:
    """The length in minutes that a file's header gives (mutagen reads WAV, FLAC, MP3, OGG, M4A
    and AIFF headers without decoding), or None when it gives none. A header may claim more than
    the file holds (a WAV cut short): the length its size allows at the stated bit rate is the cap.
    The stream is left at its start."""
    try:
        info = mutagen.File(stream).info
        seconds = float(info.length)
        bitrate = float(getattr(info, "bitrate", 0) or 0)
        if bitrate > 0:
            size = stream.seek(0, os.SEEK_END)
            seconds = min(seconds, size * 8 / bitrate)
    except Exception:  # no header mutagen knows, or a damaged one: the worker decodes and decides
        return None
    finally:
        stream.seek(0)
    return seconds / 60 if seconds > 0 else None


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` is answered 413 — at once when
    Content-Length says so, else as soon as the running count passes it."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            return await _too_large(send, self.max_bytes)
        seen, started = 0, False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge(self.max_bytes)
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _too_large(send, self.max_bytes)


class _TooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on as a 413 instead of a 400."""

    def __init__(self, max_bytes: int):
        super().__init__(413, too_large(max_bytes // 2**20))


async def _too_large(send, max_bytes: int) -> None:
    body = json.dumps({"detail": too_large(max_bytes // 2**20)}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
