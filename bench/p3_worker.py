"""The production Celery app plus one probe, for benchmark P3 only.

    celery -A bench.p3_worker worker ...      # instead of `celery -A config worker ...`

Same app, same settings, same tasks. With P3_PROBE_KEY set, every task run appends one JSON line
to that Redis list (the broker's database): `{"task", "t0", "t1", "pid", "result"}` (wall-clock
seconds, the task's return value when it is a number or a small dict). One RPUSH per task.
With P3_PROFILE_DIR set too, each task runs under cProfile and leaves
`<dir>/<task>-<pid>-<n>.prof` (slower: for finding where the time goes, not for timing).
With P3_NOTIFICATIONS=off, notify() does nothing in the worker (P3 without notifications, to
compare the tick with and without them: docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from celery import signals

from config.celery import app

__all__ = ["app"]

PROBE_KEY = os.environ.get("P3_PROBE_KEY", "")
PROFILE_DIR = os.environ.get("P3_PROFILE_DIR", "")
if PROFILE_DIR:
    os.makedirs(PROFILE_DIR, exist_ok=True)  # a missing directory would silently drop the probe's lines

if os.environ.get("P3_NOTIFICATIONS") == "off":
    _silenced: list[bool] = []

    @signals.task_prerun.connect
    def _notifications_off(**_: Any) -> None:
        # Every module that imported notify() gets a no-op in its place (once per process).
        if _silenced:
            return
        import sys

        from notifications.services import notify as module

        real = module.notify
        for loaded in list(sys.modules.values()):
            if getattr(loaded, "notify", None) is real:
                loaded.notify = lambda *args, **kwargs: None  # type: ignore[attr-defined]
        _silenced.append(True)


if PROBE_KEY:
    import redis

    _redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    _started: dict[str, float] = {}

    _profiles: dict[str, Any] = {}

    @signals.task_prerun.connect
    def _prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
        _started[task_id] = time.time()
        if PROFILE_DIR:
            import cProfile

            _profiles[task_id] = profile = cProfile.Profile()
            profile.enable()

    @signals.task_postrun.connect
    def _postrun(task_id: str = "", task: Any = None, retval: Any = None, **_: Any) -> None:
        profile = _profiles.pop(task_id, None)
        if profile is not None:
            profile.disable()
            name = getattr(task, "name", "task").rsplit(".", 1)[-1]
            profile.dump_stats(f"{PROFILE_DIR}/{name}-{os.getpid()}-{task_id[:8]}.prof")
        line = {
            "task": getattr(task, "name", ""),
            "t0": _started.pop(task_id, 0.0),
            "t1": time.time(),
            "pid": os.getpid(),
            "result": retval if isinstance(retval, int | float | dict) else None,
        }
        _redis.rpush(PROBE_KEY, json.dumps(line, default=str))
