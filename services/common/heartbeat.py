"""One heartbeat for every long-lived thing that must show it is alive: a running job, a worker
or trainer process, a training run."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("tunescribe.heartbeat")


class Heartbeat:
    """Calls `beat()` now and then every `every_s` seconds on a daemon thread, until `stop()` (or
    the end of a `with` block). A beat that raises is logged and the next one is tried."""

    def __init__(self, beat: Callable[[], None], every_s: float, *, first: bool = False):
        self._beat, self._every_s, self._first = beat, every_s, first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        if self._first:
            self._safe_beat()
        while not self._stop.wait(self._every_s):
            self._safe_beat()

    def _safe_beat(self) -> None:
        try:
            self._beat()
        except Exception:  # a database blip must not end the heartbeat for good
            log.exception("heartbeat failed")

    def stop(self) -> None:
        self._stop.set()

    def __enter__(self) -> Heartbeat:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
