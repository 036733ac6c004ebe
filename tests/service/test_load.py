"""The API under a burst: more requests at once than it has threads and database connections."""

from __future__ import annotations

import asyncio
import time

import httpx


def test_a_burst_of_status_polls_is_answered_without_stalling(api, client, piano_wav):
    """80 polls at once (the thread pool has 40 threads, the engine 10 connections): all answered,
    quickly, rather than every request waiting for the connection pool's 30 s timeout."""
    job = client.upload(piano_wav)
    headers = {"Authorization": client.http.headers["Authorization"]}

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=api, headers=headers, limits=limits, timeout=60) as http:
            responses = await asyncio.gather(*[http.get(f"/api/jobs/{job['id']}") for _ in range(80)])
        return [r.status_code for r in responses]

    t0 = time.monotonic()
    statuses = asyncio.run(burst())
    assert statuses == [200] * 80
    assert time.monotonic() - t0 < 20
