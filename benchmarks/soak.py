"""The soak: the service as it runs beyond one machine, on this one. Two API processes, three
workers each in a working and var folder of its own (they share nothing but PostgreSQL, Redis and
the bucket), SeaweedFS for the files, beat for the sweep; production heartbeat and sweep periods.
The workers run at nice WORKER_NICE, as on machines of their own they would not take the API
processes' cores.

    .venv/bin/python benchmarks/soak.py [--quick]

Measures
- jobs per minute with 1, 2 and 3 workers, on a batch of short clips (warm workers, no faults);
- status polling (`GET /api/jobs/{id}`) at 100 requests/s, open loop, round robin over the two API
  processes: with the workers idle, and during the soak;
- the soak: `--jobs` short jobs sent by `--users` users in bursts (each user one upload a burst,
  all at once), while one worker is killed (SIGKILL, mid-job) and started again every minute. Every
  job must end exactly once: a row in a final state, and one "job succeeded" line in all the
  workers' logs for each succeeded job, and its objects in the bucket (five when measured, before
  the PDF).

Needs PostgreSQL and Redis on 127.0.0.1 (`make servers`); starts SeaweedFS when it is not up (`make
storage`). Uses Redis database TUNESCRIBE_TEST_REDIS_DB (default 13), flushed at start, and a fresh
PostgreSQL database and bucket, removed at the end. Writes benchmarks/results/soak.json and .md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchmarks import stack  # noqa: E402
from benchmarks.service import PRODUCTION, REDIS_DB, RESULTS, loadavg, machine, poll_load, save  # noqa: E402

WORK = REPO / "benchmarks" / "work" / "soak"
STATUS_P99_TARGET_MS = 50.0
KILL_EVERY_S = 60.0
# the workers run at this lower CPU priority: beyond one machine they have cores of their own, and
# here the three of them would otherwise take the API processes' two cores from under the polling
WORKER_NICE = 10


class Soak:
    """The stack: two APIs, beat, workers started and killed by name, each in its own folder."""

    def __init__(self, root: Path):
        import redis

        redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
        self.root = root
        self.weed = None if stack.storage_running() else stack.start_storage(root / "seaweedfs", root / "weed.log")
        self.bucket = f"tunescribe-soak-{uuid.uuid4().hex[:8]}"
        self.db_name, self.db_url = stack.create_database()
        self.env = stack.service_env(root, self.db_url, f"redis://127.0.0.1:6379/{REDIS_DB}", **PRODUCTION,
                                     **stack.s3_env(self.bucket))
        subprocess.run([stack.PYTHON, "-m", "services.common.migrate"], env=self.env, cwd=REPO, check=True)
        self.ports = [stack.free_port(), stack.free_port()]
        self.procs = [stack.start_api(self._own_folder(f"api-{i}"), port, root / f"api-{i}.log")
                      for i, port in enumerate(self.ports)]
        self.procs.append(stack.start_beat(self.env, root, root / "beat.log"))
        self.urls = [f"http://127.0.0.1:{p}" for p in self.ports]
        self.workers: dict[str, stack.Process] = {}

    def _own_folder(self, name: str) -> dict[str, str]:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        return {**self.env, "TUNESCRIBE_VAR_DIR": str(folder / "var")}

    def start_worker(self, name: str) -> None:
        self.workers[name] = stack.start_worker(self._own_folder(f"worker-{name}"), name,
                                                self.root / f"worker-{name}.log", cwd=self.root / f"worker-{name}",
                                                nice=WORKER_NICE)

    def kill_worker(self, name: str) -> None:
        """SIGKILL, as a machine that dies: its job is found stale by the sweep and run again."""
        w = self.workers.pop(name)
        w.kill()
        w.stop()

    def succeeded_lines(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        marker = '"message": "job succeeded", "job_id": "'
        for log in self.root.glob("worker-*.log"):
            for part in log.read_text().split(marker)[1:]:
                counts[part[:36]] = counts.get(part[:36], 0) + 1
        return counts

    def rows(self) -> list[tuple[str, str, int]]:
        import psycopg

        with psycopg.connect(self.db_url.replace("+psycopg", "")) as conn:
            return [(str(i), s, a) for i, s, a in conn.execute("SELECT id, status, attempts FROM jobs")]

    def objects(self) -> list[str]:
        pages = stack.s3_store(self.bucket).client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def close(self) -> None:
        for p in list(self.workers.values()) + self.procs:
            p.stop()
        stack.drop_database(self.db_name)
        self._remove_bucket()
        if self.weed is not None:
            self.weed.stop()

    def _remove_bucket(self) -> None:
        client = stack.s3_store(self.bucket).client
        for key in self.objects():
            client.delete_object(Bucket=self.bucket, Key=key)
        client.delete_bucket(Bucket=self.bucket)


def wait_all(users: list[stack.Client], jobs: list[tuple[int, str]], timeout: float) -> list[dict]:
    """Each job's final state (jobs: (user index, job id))."""
    return [users[u].wait(job_id, timeout=timeout) for u, job_id in jobs]


def warm(soak: Soak, users: list[stack.Client], clip: Path) -> None:
    """Short jobs until every running worker has finished one (its model traced and warm)."""
    for _ in range(8):
        logs = [(soak.root / f"worker-{n}.log").read_text() for n in soak.workers]
        if all('"job succeeded"' in log for log in logs):
            return
        wait_all(users, [(0, users[0].upload(clip)["id"]) for _ in soak.workers], 600)
    raise AssertionError("a worker never took a job")


def throughput(soak: Soak, users: list[stack.Client], clips: list[Path]) -> dict:
    """The batch uploaded at once; jobs per minute from the first upload to the last success."""
    t0 = time.perf_counter()
    jobs = [(i % len(users), users[i % len(users)].upload(c)["id"]) for i, c in enumerate(clips)]
    done = wait_all(users, jobs, 1800)
    elapsed = time.perf_counter() - t0
    assert all(j["status"] == "succeeded" for j in done), [j["error"] for j in done]
    result = {"workers": len(soak.workers), "jobs": len(jobs), "clip_s": done[0]["duration_s"],
              "batch_s": round(elapsed, 1), "jobs_per_minute": round(len(jobs) / elapsed * 60, 1),
              "loadavg_1m": loadavg()[0]}
    print("throughput:", result, flush=True)
    return result


def soak_run(soak: Soak, users: list[stack.Client], clips: list[Path], jobs: int, burst_every_s: float,
             poll: tuple[str, str], poll_s: float, kill_every_s: float) -> dict:
    """Bursts of uploads (one per user) while a worker is killed and restarted every `kill_every_s`, and
    status polling at 100/s once the queue is full; then every job must end exactly once."""
    stop, kills = threading.Event(), []

    def chaos() -> None:
        names = sorted(soak.workers)
        while not stop.wait(kill_every_s):
            name = names[len(kills) % len(names)]
            soak.kill_worker(name)
            soak.start_worker(name)
            kills.append({"worker": name, "at_s": round(time.perf_counter() - t0, 1)})
            print("killed and restarted", name, flush=True)

    sent: list[tuple[int, str]] = []
    t0 = time.perf_counter()
    killer = threading.Thread(target=chaos, daemon=True)
    killer.start()
    status = None
    with ThreadPoolExecutor(16) as pool:
        while len(sent) < jobs:
            burst = range(min(len(users), jobs - len(sent)))
            sent += pool.map(lambda u: (u, users[u].upload(clips[(len(sent) + u) % len(clips)])["id"]), burst)
            print(f"sent {len(sent)} jobs at {time.perf_counter() - t0:.0f} s", flush=True)
            if status is None and len(sent) >= jobs // 2:  # the queue is long and the workers busy
                status = poll_load(soak.ports, *poll, 100, poll_s)
                print("status polling during the soak:", status, flush=True)
            else:
                time.sleep(burst_every_s)
    done = wait_all(users, sent, 3600)
    elapsed = time.perf_counter() - t0
    stop.set()
    killer.join()
    rows, lines, objects = soak.rows(), soak.succeeded_lines(), soak.objects()
    ours = {job_id for _, job_id in sent}
    succeeded = [j for j in done if j["status"] == "succeeded"]
    succeeded_ids = {j["id"] for j in succeeded}
    return {
        "jobs": jobs, "users": len(users), "seconds": round(elapsed, 1),
        "jobs_per_minute": round(jobs / elapsed * 60, 1), "kill_every_s": kill_every_s, "kills": kills,
        "ended": sum(j["status"] in ("succeeded", "failed") for j in done),
        "succeeded": len(succeeded), "failed_reasons": sorted({j["error"] for j in done if j["status"] == "failed"}),
        "rows_not_ended": sum(1 for i, s, _ in rows if i in ours and s not in ("succeeded", "failed")),
        # a job's transcription finished by two runs would log "job succeeded" twice; none at all
        # is a run killed between committing its success and writing the line
        "succeeded_twice": sum(1 for j in done if lines.get(j["id"], 0) > 1),
        "success_line_missing": sum(1 for j in succeeded if j["id"] not in lines),
        "run_again_after_a_kill": sum(1 for i, _, attempts in rows if i in ours and attempts > 1),
        "objects_per_succeeded_job": round(sum(1 for k in objects if k.split("/")[0] in succeeded_ids)
                                           / max(1, len(succeeded)), 2),
        "status_polling": status, "loadavg_1m": loadavg()[0],
    }


def write_markdown(r: dict, path: Path) -> None:
    s, idle, busy = r["soak"], r["polling_idle"], r["soak"]["status_polling"]
    met = lambda p99: "met" if p99 < STATUS_P99_TARGET_MS else "missed"  # noqa: E731
    lines = [
        "# Soak benchmark",
        "",
        f"`{r['command']}` on {r['machine']['cpu']} ({r['machine']['cores']} cores), commit {r['machine']['commit']}, "
        f"{r['machine']['date']}. Two API processes, three Celery workers each in a folder of its own, beat, "
        "SeaweedFS (S3), PostgreSQL and Redis, all on these cores; production heartbeat and sweep periods. "
        f"The workers run at nice {r.get('worker_nice', 0)}: beyond one machine they have cores of their own, "
        "here they would take the API processes' cores. "
        f"Load average before / after: {r['loadavg_before']} / {r['loadavg_after']}.",
        "",
        "## The soak",
        "",
        f"{s['jobs']} jobs of {r['clip_s']:.0f} s clips sent by {s['users']} users in bursts (one upload each a burst), "
        f"a worker killed (SIGKILL) and restarted every {s['kill_every_s']:.0f} s ({len(s['kills'])} kills).",
        "",
        "| ended | succeeded | succeeded twice | rows not ended | run again after a kill "
        "| objects per succeeded job | time | jobs per minute |",
        "|---|---|---|---|---|---|---|---|",
        f"| **{s['ended']} of {s['jobs']}** | {s['succeeded']} | **{s['succeeded_twice']}** | {s['rows_not_ended']} | "
        f"{s['run_again_after_a_kill']} | {s['objects_per_succeeded_job']} | {s['seconds']} s | {s['jobs_per_minute']} |",
        "",
        f"Failed jobs' reasons: {', '.join(s['failed_reasons']) or 'none'}. \"Succeeded twice\" counts the jobs whose "
        "\"job succeeded\" line is in the workers' logs more than once; "
        f"{s['success_line_missing']} succeeded jobs have no such line (their run was killed between committing "
        "the success and writing the line).",
        "",
        "## Status polling, 100 requests/s over the two API processes (open loop)",
        "",
        "| when | requests | errors | p50 | p99 | target p99 < 50 ms | machine load (1 min) |",
        "|---|---|---|---|---|---|---|",
        *[f"| {when} | {p['requests']} | {p['errors']} | {p['p50_ms']} ms | **{p['p99_ms']} ms** | {met(p['p99_ms'])} | "
          f"{p['loadavg_1m']} |" for when, p in (("workers idle", idle), ("during the soak", busy))],
        "",
        "## Jobs per minute by workers (no faults)",
        "",
        "| workers | jobs | batch time | jobs per minute | machine load (1 min) |",
        "|---|---|---|---|---|",
        *[f"| {t['workers']} | {t['jobs']} | {t['batch_s']} s | **{t['jobs_per_minute']}** | {t['loadavg_1m']} |"
          for t in r["throughput"]],
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a short run, to try the benchmark (results not written)")
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--clip-s", type=float, default=3.0, help="length of each short clip, seconds")
    args = ap.parse_args()
    q = args.quick
    jobs, n_users = (40, 10) if q else (args.jobs, args.users)
    audio = WORK / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    clips = [stack.piano_wav(audio / f"clip-{i}.wav", seconds=args.clip_s, seed=i) for i in range(10)]
    run_dir = WORK / datetime.now().strftime("run-%Y%m%d-%H%M%S")
    run_dir.mkdir()
    result = {"command": "benchmarks/soak.py" + (" --quick" if q else ""), "machine": machine(),
              "loadavg_before": loadavg(), "clip_s": args.clip_s, "worker_nice": WORKER_NICE}
    soak = Soak(run_dir)
    try:
        users = [stack.Client(soak.urls[i % 2]) for i in range(n_users)]
        batch = (clips * 10)[:12 if q else 40]
        result["throughput"] = []
        for n in (1, 2, 3):
            soak.start_worker(f"w{n}")
            warm(soak, users, clips[0])
            result["throughput"].append(throughput(soak, users, batch))
        job = users[0].upload(clips[0])
        users[0].wait(job["id"], timeout=300)
        poll = (f"/api/jobs/{job['id']}", users[0].http.headers["Authorization"].split()[1])
        result["polling_idle"] = poll_load(soak.ports, *poll, 100, 5 if q else 30)
        print("status polling, workers idle:", result["polling_idle"], flush=True)
        result["soak"] = soak_run(soak, users, clips, jobs, 5 if q else 20, poll, 5 if q else 30,
                                  20 if q else KILL_EVERY_S)
        print("soak:", result["soak"], flush=True)
    finally:
        soak.close()
    result["loadavg_after"] = loadavg()
    save(result, (WORK / "quick") if q else RESULTS, "soak", write_markdown)


if __name__ == "__main__":
    main()
