"""glibc's allocator in the one process of `make run` (config/embedded.py).

That process runs the web server, the Celery worker's threads, beat and the simulators. Measured
over an hour at 20 webhooks/s, glibc kept 17.6 MB more free memory inside its heaps at the end
than after 5 minutes, memory Python had freed and the process still held; `malloc_trim(0)` gave
21.5 MB of it back to the system at once (docs/benchmarks.md, P5). So embedded mode caps glibc at
two heaps ("arenas"; by default it makes up to eight per core as threads contend, each keeping its
own free memory) and trims every `EMBEDDED_MALLOC_TRIM_SECONDS`. The worker processes of a
deployment need neither: Celery replaces a pool process past CELERY_WORKER_MAX_MEMORY_PER_CHILD.

Elsewhere than glibc (musl, macOS) both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import threading

logger = logging.getLogger("tradefleet.embedded")
M_ARENA_MAX = -8  # glibc's malloc.h


@functools.cache  # find_library runs `ldconfig -p`: once per process
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def limit_arenas(count: int = 2) -> bool:
    """Cap the heaps glibc makes for new threads; call before the threads start. An operator's own
    MALLOC_ARENA_MAX wins (glibc read it at start-up). True when the cap was set here."""
    libc = _glibc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(libc.mallopt(M_ARENA_MAX, count))


def trim() -> None:
    """Give the free memory at the top of glibc's heaps, and whole free pages inside them, back."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


class PeriodicTrim:
    """A daemon thread that calls `trim()` every `seconds` until stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="malloc-trim", daemon=True)

    def start(self) -> None:
        if self.seconds > 0 and _glibc() is not None:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                trim()
            except Exception:  # never let the allocator's housekeeping end the process
                logger.exception("malloc_trim failed")
