"""What one beat task samples for the whole platform every minute: the depth of each Celery
queue (from the broker) and whether each running user service has a fresh heartbeat."""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from config.metrics_events import QUEUE_DEPTH as QUEUE_DEPTH_GAUGE
from config.metrics_events import SERVICE_UP as SERVICE_UP_GAUGE

from .models import MetricMinute, ProcessKind
from .recorder import labels_key, minute_of
from .selectors import QUEUE_DEPTH, SERVICE_UP

logger = logging.getLogger(__name__)

# A heartbeat older than this many of its intervals means the service was not running then.
HEARTBEAT_GRACE_INTERVALS = 3


def queue_depths() -> dict[str, int]:
    """Tasks waiting in each Celery queue: Redis lists (all priority steps) in production; in
    embedded mode what the in-memory transport holds."""
    if not settings.EMBEDDED:
        from config.health import queue_depths as redis_depths

        return {name: int(depth) for name, depth in redis_depths()["queues"].items()}
    from config.celery import app

    names = {
        app.conf.task_default_queue or "celery",
        getattr(settings, "TICK_QUEUE", "ticks"),
        getattr(settings, "ML_QUEUE", "ml"),
    }
    depths: dict[str, int] = {}
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        for name in sorted(names):
            try:
                depths[name] = int(channel._size(name))
            except Exception:  # a queue never declared in this process
                depths[name] = 0
    return depths


def service_heartbeats(now: datetime) -> dict[str, int]:
    """1 for each running user service whose heartbeat is fresh, 0 for one whose is stale."""
    status = apps.get_model("trading", "ServiceStatus")  # by name: ops must not import trading
    every = float(
        getattr(settings, "CELERY_BEAT_SCHEDULE", {}).get("trading-service-heartbeat", {}).get("schedule", 30)
    )
    fresh_after = now - timedelta(seconds=every * HEARTBEAT_GRACE_INTERVALS)
    return {
        str(user_id): int(beat is not None and beat >= fresh_after)
        for user_id, beat in status.objects.filter(running=True).values_list("user_id", "last_heartbeat")
    }


def platform_sample(*, now: datetime | None = None) -> int:
    """Write this minute's queue depths and service heartbeats. Returns the rows written."""
    now = now or timezone.now()
    minute = minute_of(now.astimezone(UTC))
    process = f"{socket.gethostname()}:{os.getpid()}"[:80]
    rows = []
    try:
        depths = queue_depths()
    except Exception:
        logger.warning("queue depths unavailable", exc_info=True)
        depths = {}
    rows += [
        MetricMinute(
            minute=minute,
            kind=ProcessKind.BEAT,
            process=process,
            metric=QUEUE_DEPTH,
            labels=labels_key({"queue": name}),
            value=float(depth),
        )
        for name, depth in depths.items()
    ]
    rows += [
        MetricMinute(
            minute=minute,
            kind=ProcessKind.BEAT,
            process=process,
            metric=SERVICE_UP,
            labels=labels_key({"user": user}),
            value=float(up),
        )
        for user, up in service_heartbeats(now).items()
    ]
    MetricMinute.objects.bulk_create(rows)
    for row in rows:  # the same readings for Prometheus (the worker's metrics port)
        gauge = QUEUE_DEPTH_GAUGE if row.metric == QUEUE_DEPTH else SERVICE_UP_GAUGE
        gauge.labels(*json.loads(row.labels).values()).set(row.value)
    return len(rows)


def metrics_prune(*, now: datetime | None = None) -> int:
    """Delete rows older than MONITORING_KEEP_DAYS; returns how many."""
    now = now or timezone.now()
    keep = int(getattr(settings, "MONITORING_KEEP_DAYS", 8))
    deleted, _ = MetricMinute.objects.filter(minute__lt=now - timedelta(days=keep)).delete()
    return deleted
