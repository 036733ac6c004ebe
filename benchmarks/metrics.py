"""The cost of a Prometheus scrape of `/metrics` as the job history grows, on the real stack.

    .venv/bin/python benchmarks/metrics.py [--jobs 100000] [--scrapes 200]

A fresh PostgreSQL database is migrated and filled with `--jobs` job rows (80 % succeeded with
start, finish and stage seconds, the rest queued, running and failed), the API runs under uvicorn
(operator token set), and `/metrics` is scraped `--scrapes` times one after another after a warm-up;
each scrape's latency is the whole HTTP request. The scrape also checks that the numbers it reports
are the database's. Needs PostgreSQL and Redis on 127.0.0.1 (`make servers`). Writes
benchmarks/results/metrics.json and .md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchmarks import stack  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
TARGET_P99_MS = 100.0


def fill(url: str, n_jobs: int) -> dict[str, int]:
    """`n_jobs` rows for one user, written with COPY; returns the count per status."""
    import psycopg

    rng = np.random.default_rng(0)
    statuses = rng.choice(["succeeded", "failed", "queued", "running"], size=n_jobs, p=[0.8, 0.1, 0.05, 0.05])
    user_id = uuid.uuid4()
    now = datetime.now(timezone.utc)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES (%s, %s, 'x', false, %s)",
                     (user_id, "history@example.com", now))
        columns = ("id, user_id, status, stage, progress, title, filename, size_bytes, attempts, decoding_s, "
                   "transcribing_s, notation_s, run_s, created_at, queued_at, started_at, heartbeat_at, finished_at")
        with conn.cursor().copy(f"COPY jobs ({columns}) FROM STDIN") as copy:
            for i, status in enumerate(statuses):
                created = now - timedelta(minutes=n_jobs - i)
                started = created + timedelta(seconds=float(rng.uniform(0, 30))) if status != "queued" else None
                run_s = float(rng.gamma(2.0, 8.0))
                finished = started + timedelta(seconds=run_s) if status in ("succeeded", "failed") else None
                seconds = ((0.05 * run_s, 0.8 * run_s, 0.15 * run_s, run_s) if status == "succeeded"
                           else (None, None, None, None))
                stage = {"succeeded": "done", "failed": "failed", "queued": "queued", "running": "transcribing"}[status]
                copy.write_row((uuid.uuid4(), user_id, status, stage, 1.0 if status == "succeeded" else 0.0,
                                f"Piece {i}", f"piece-{i}.wav", 1000, 1, *seconds, created, created, started,
                                started, finished))
        conn.execute("ANALYZE jobs")
    return {s: int((statuses == s).sum()) for s in ("succeeded", "failed", "queued", "running")}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--scrapes", type=int, default=200)
    args = ap.parse_args(argv)

    name, url = stack.create_database()
    root = Path(tempfile.mkdtemp(prefix="tunescribe-metrics-"))
    env = stack.service_env(root, url, "redis://127.0.0.1:6379/14")
    api = None
    try:
        import subprocess

        subprocess.run([stack.PYTHON, "-m", "services.common.migrate"], env=env, cwd=stack.ROOT, check=True)
        t = time.perf_counter()
        counts = fill(url, args.jobs)
        fill_s = time.perf_counter() - t
        port = stack.free_port()
        api = stack.start_api(env, port, root / "api.log")
        latencies = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=stack.OPERATOR, timeout=30) as http:
            for _ in range(10):  # warm-up: connections, plans, the Python side
                body = http.get("/metrics").text
            for _ in range(args.scrapes):
                t = time.perf_counter()
                r = http.get("/metrics")
                latencies.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
        for status, n in counts.items():  # the scrape reports what the database holds
            assert f'tunescribe_jobs{{status="{status}"}} {float(n)}' in body, (status, n)
        assert f"tunescribe_job_duration_seconds_count {float(counts['succeeded'])}" in body
    finally:
        if api:
            api.stop()
        stack.drop_database(name)

    lat = np.array(latencies)
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "jobs": args.jobs, "by_status": counts, "fill_s": round(fill_s, 1), "scrapes": args.scrapes,
        "p50_ms": round(float(np.percentile(lat, 50)), 1), "p99_ms": round(float(np.percentile(lat, 99)), 1),
        "max_ms": round(float(lat.max()), 1), "target_p99_ms": TARGET_P99_MS,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "metrics.json").write_text(json.dumps(result, indent=1) + "\n")
    verdict = "met" if result["p99_ms"] < TARGET_P99_MS else "MISSED"
    (RESULTS / "metrics.md").write_text(
        f"# /metrics scrape cost ({result['date']}, {result['machine']})\n\n"
        f"`.venv/bin/python benchmarks/metrics.py --jobs {args.jobs} --scrapes {args.scrapes}`: PostgreSQL with "
        f"{args.jobs} job rows ({', '.join(f'{k} {v}' for k, v in counts.items())}), the API under uvicorn, "
        f"{args.scrapes} scrapes one after another after 10 to warm up.\n\n"
        f"| jobs | p50 | p99 | max | target p99 |\n|---|---|---|---|---|\n"
        f"| {args.jobs} | {result['p50_ms']} ms | {result['p99_ms']} ms | {result['max_ms']} ms | "
        f"< {TARGET_P99_MS:g} ms ({verdict}) |\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
