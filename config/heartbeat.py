"""The platform heartbeat: beat sends it every 30 s; the worker that runs it marks itself seen.

`GET /api/v1/health/detail` reads both from the cache: when a heartbeat last ran (beat is alive
and some worker consumes) and which workers ran one lately."""

from __future__ import annotations

import time

from celery import current_task
from django.core.cache import cache

from .health import HEARTBEAT_RAN_KEY, HEARTBEAT_TASK, WORKER_SEEN_KEY, WORKER_SEEN_TTL
from .tasks import house_task


def worker_mark_seen() -> str:
    hostname = getattr(current_task.request, "hostname", None) or "unknown"
    seen: dict[str, float] = cache.get(WORKER_SEEN_KEY) or {}
    now = time.time()
    seen = {name: ts for name, ts in seen.items() if ts >= now - WORKER_SEEN_TTL}
    seen[hostname] = now
    cache.set_many({WORKER_SEEN_KEY: seen, HEARTBEAT_RAN_KEY: now}, WORKER_SEEN_TTL * 2)
    return hostname


@house_task(name=HEARTBEAT_TASK, expires=60)
def heartbeat() -> str:
    return worker_mark_seen()
