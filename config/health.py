"""Health checks: a fast public probe for load balancers and a detailed view for admins."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "config.heartbeat"
WORKER_SEEN_KEY = "health:workers"
WORKER_SEEN_TTL = 120  # a worker that has not run a heartbeat for 2 minutes is gone
_redis_clients: dict[str, Any] = {}


def _redis(url: str) -> Any:
    import redis

    client = _redis_clients.get(url)
    if client is None:
        # Short timeouts: the probe must answer in well under 100 ms even when Redis is gone.
        client = redis.Redis.from_url(url, socket_connect_timeout=0.3, socket_timeout=0.3)
        _redis_clients[url] = client
    return client


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    if settings.EMBEDDED:
        return  # the in-memory broker lives in this process
    _redis(settings.CELERY_BROKER_URL).ping()


def _run(checks: dict[str, Callable[[], Any]]) -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    healthy = True
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
            if isinstance(detail, dict):
                results[name].update(detail)
        except Exception as exc:  # a health check reports every failure, whatever its kind
            healthy = False
            # The class name only: messages of connection errors can carry hosts and credentials.
            results[name] = {"status": "error", "error": type(exc).__name__}
            logger.warning("health check %s failed: %s", name, type(exc).__name__)
    return healthy, results


class HealthView(APIView):
    """Is this instance able to serve? Database and broker reachable."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(
        responses={200: inline_serializer("Health", {"status": serializers.CharField()})},
        summary="Liveness and readiness (public)",
    )
    def get(self, request: Request) -> Response:
        healthy, checks = _run({"database": check_database, "broker": check_broker})
        if healthy:
            return Response({"status": "healthy"})
        return Response({"status": "unhealthy", "checks": checks}, status=503)


def check_channel_layer() -> dict[str, Any]:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    async def roundtrip() -> None:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.ping"})
        await layer.receive(channel)

    async_to_sync(roundtrip)()
    return {"backend": type(layer).__name__}


def check_cache() -> None:
    cache.set("health:probe", "1", 10)
    if cache.get("health:probe") != "1":
        raise RuntimeError("cache did not return what was written")


def workers_seen() -> dict[str, Any]:
    seen: dict[str, str] = cache.get(WORKER_SEEN_KEY) or {}
    cutoff = time.time() - WORKER_SEEN_TTL
    alive = {name: ts for name, ts in seen.items() if float(ts) >= cutoff}
    return {"count": len(alive), "workers": sorted(alive)}


def beat_last_tick() -> dict[str, Any]:
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.filter(task=HEARTBEAT_TASK).only("last_run_at").first()
    last = task.last_run_at if task else None
    age = (timezone.now() - last).total_seconds() if last else None
    return {"last_tick": last.isoformat() if last else None, "age_seconds": round(age, 1) if age else age}


def queue_depths() -> dict[str, Any]:
    if settings.EMBEDDED:
        return {"queues": {}, "note": "in-memory broker"}
    client = _redis(settings.CELERY_BROKER_URL)
    names = {"celery"} | {key.decode() for key in client.scan_iter("_kombu.binding.*", count=100)}
    depths = {}
    for name in sorted(names):
        queue = name.removeprefix("_kombu.binding.")
        depths[queue] = client.llen(queue)
    return {"queues": depths}


class HealthDetailView(APIView):
    """Everything an operator wants to see at a glance (admin only)."""

    permission_classes = (IsAdmin,)

    @extend_schema(summary="Detailed health (admin)", responses={200: dict, 503: dict})
    def get(self, request: Request) -> Response:
        healthy, checks = _run(
            {
                "database": check_database,
                "broker": check_broker,
                "cache": check_cache,
                "channel_layer": check_channel_layer,
                "workers": workers_seen,
                "beat": beat_last_tick,
                "queues": queue_depths,
            }
        )
        body = {"status": "healthy" if healthy else "unhealthy", "mode": settings.MODE, "checks": checks}
        return Response(body, status=200 if healthy else 503)
