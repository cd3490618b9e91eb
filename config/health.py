"""Health checks: a fast public probe for load balancers and a detailed view for admins."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "config.heartbeat"
HEARTBEAT_INTERVAL = 30.0
WORKER_SEEN_KEY = "health:workers"
HEARTBEAT_RAN_KEY = "health:heartbeat_ran"
# Four missed heartbeats: a worker is gone, or beat has stopped sending.
WORKER_SEEN_TTL = 4 * HEARTBEAT_INTERVAL


class HealthProblem(Exception):
    """A check failed for a reason that is safe to show as is."""


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
        except HealthProblem as exc:
            healthy = False
            results[name] = {"status": "error", "error": str(exc)}
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
    """Workers alive now. Production asks every worker over the broker (one heartbeat task a tick
    reaches only one of N workers, so it cannot tell them all); embedded mode has one worker, in
    this process, which marks itself seen when it runs the heartbeat."""
    if settings.EMBEDDED:
        seen: dict[str, float] = cache.get(WORKER_SEEN_KEY) or {}
        cutoff = time.time() - WORKER_SEEN_TTL
        alive = sorted(name for name, ts in seen.items() if float(ts) >= cutoff)
    else:
        from config.celery import app

        replies = app.control.ping(timeout=1.0) or []
        alive = sorted(name for reply in replies for name in reply)
    if not alive:
        raise HealthProblem("no worker answered")
    return {"count": len(alive), "workers": alive}


def beat_last_tick() -> dict[str, Any]:
    """When a heartbeat that beat sent last ran. (django-celery-beat writes its own last_run_at
    to the database only every few minutes, too coarse to tell a stopped beat.)"""
    ran = cache.get(HEARTBEAT_RAN_KEY)
    if ran is None:
        raise HealthProblem("no heartbeat from beat yet (beat or every worker is down)")
    age = time.time() - float(ran)
    last = datetime.fromtimestamp(float(ran), tz=UTC).isoformat()
    if age > WORKER_SEEN_TTL:
        raise HealthProblem(f"last heartbeat ran {age:.0f} s ago, at {last}")
    return {"last_tick": last, "age_seconds": round(age, 1)}


def queue_depths() -> dict[str, Any]:
    if settings.EMBEDDED:
        return {"queues": {}, "note": "in-memory broker"}
    client = _redis(settings.CELERY_BROKER_URL)
    # The default and `ticks` queues always (the queue-depth alert watches both), any other once
    # it was declared (by its first message or its first worker).
    bound = {key.decode() for key in client.scan_iter("_kombu.binding.*", count=100)}
    names = {"celery", settings.TICK_QUEUE} | {name.removeprefix("_kombu.binding.") for name in bound}
    depths = {}
    for queue in sorted(names):
        # Priority steps live in their own lists (`celery`, `celery:5`, ...): report the sum.
        depths[queue] = client.llen(queue) + sum(client.llen(f"{queue}:{step}") for step in range(1, 10))
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
