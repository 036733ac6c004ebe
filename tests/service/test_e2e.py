"""The web app end to end: Debian's Chromium (headless, driven by frontend/e2e/journey.mjs) against
the real stack — the API serving the built app (frontend/dist, built by `make frontend`), a worker
with the shipped model, PostgreSQL and Redis. Screenshots of each page land in frontend/e2e/out/."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
import mido
import pytest

from benchmarks import stack

FRONTEND = stack.ROOT / "frontend"
DIST = FRONTEND / "dist"
OUT = FRONTEND / "e2e" / "out"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
JOURNEY_TIMEOUT_S = 600


def _missing() -> list[str]:
    needs = {
        "the built web app (make frontend)": (DIST / "index.html").is_file(),
        "the web app's packages (make frontend)": (FRONTEND / "node_modules" / "playwright-core").is_dir(),
        "node": shutil.which("node") is not None,
        f"Chromium at {CHROMIUM} (make system)": Path(CHROMIUM).is_file(),
    }
    return [what for what, there in needs.items() if not there]


@pytest.fixture(scope="module")
def app_url(services_env, var_dir, worker):
    """The API of the session's stack, serving the built web app at / (the session's own API does not)."""
    if missing := _missing():  # make test builds all of these; say plainly what is absent rather than skip
        pytest.fail("the end-to-end test needs " + ", ".join(missing))
    port = stack.free_port()
    env = {**services_env, "TUNESCRIBE_FRONTEND_DIR": str(DIST)}
    proc = stack.start_api(env, port, var_dir / "api-app.log")
    yield f"http://127.0.0.1:{port}"
    proc.stop()


def test_app_pages_answer_get_and_head_and_unknown_api_addresses_are_404(app_url):
    for path in ("/", "/signin", "/jobs/0b5f2a64-1d2c-4a8e-9e57-4f0c3b1f9a10", "/admin"):
        page = httpx.get(app_url + path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        assert '<div id="root">' in page.text and "Content-Security-Policy" in page.headers
        assert httpx.head(app_url + path).status_code == 200, path
    asset = httpx.get(app_url + "/favicon.svg")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("image/svg")
    missing = httpx.get(app_url + "/api/no-such-thing")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}


def test_the_whole_journey_in_chromium(app_url, tmp_path):
    """Sign up, refuse non-audio, upload a rendered clip, progress, score, playback with a moving
    cursor, MIDI download, the score for a B♭ instrument and its PDF, history, a note dragged with a finger
    on a touch screen, another user's 404, a normal user kept out of /admin, delete, and the
    administrator's model table with tsunet-v1 active."""
    clip = stack.piano_wav(tmp_path / "journey-clip.wav", seconds=8.0, seed=5)
    env = {
        **os.environ,
        "E2E_BASE_URL": app_url,
        "E2E_CLIP": str(clip),
        "E2E_OUT": str(OUT),
        "E2E_ADMIN_EMAIL": stack.ADMIN_EMAIL,
        "E2E_ADMIN_PASSWORD": stack.ADMIN_PASSWORD,
        "E2E_ACTIVE_MODEL": "tsunet-v1",
        "CHROMIUM": CHROMIUM,
    }
    started = time.monotonic()
    run = subprocess.run(["node", "e2e/journey.mjs"], cwd=FRONTEND, env=env, capture_output=True, text=True,
                         timeout=JOURNEY_TIMEOUT_S)
    report = run.stdout + run.stderr
    print(report, f"journey took {time.monotonic() - started:.0f} s", sep="\n")
    assert run.returncode == 0, report
    assert ", 0 failed" in report and "skip -" not in report, report

    midi = mido.MidiFile(OUT / "transcription.mid")  # the file the browser downloaded
    assert sum(1 for m in midi if m.type == "note_on" and m.velocity) > 5
    # the journey raised one note a semitone and deleted another: one note fewer, one pitch moved
    corrected = mido.MidiFile(OUT / "transcription-corrected.mid")
    before, after = (sorted(m.note for m in f if m.type == "note_on" and m.velocity) for f in (midi, corrected))
    assert len(after) == len(before) - 1
    assert len(Counter(after) - Counter(before)) == 1  # the raised note's new pitch (not the deleted one's)
    first_page = subprocess.run(["pdftotext", "-l", "1", str(OUT / "transcription-Bb.pdf"), "-"],
                                capture_output=True, text=True, check=True).stdout  # the PDF it downloaded
    assert "(for B♭ instruments)" in first_page and "transcribed by TuneScribe" in first_page, first_page
    for page in ("01-sign-in", "03-upload", "04-upload-refused", "06-score", "07-playing", "07a-corrected",
                 "07b-transposed", "08-history", "10a-touch-corrected", "12-other-user", "13-delete-confirm",
                 "14-admin-not-allowed", "15-admin"):
        assert (OUT / f"{page}.png").stat().st_size > 5000, page
