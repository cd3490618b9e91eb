"""Prometheus metrics.

- Web: GET /metrics (behind `Authorization: Bearer <METRICS_TOKEN>` when that is set).
- Workers: with CELERY_METRICS_PORT set, each worker serves its metrics on that port.
With PROMETHEUS_MULTIPROC_DIR set (compose sets it), every process of a web server or worker
writes its samples there and one scrape sums them; without it each process reports its own.
"""

from __future__ import annotations

import logging
import os
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

logger = logging.getLogger(__name__)


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), token.encode()):
            return HttpResponse("metrics token required\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def start_worker_metrics_server(port: int) -> None:
    """Serve this worker's task metrics (duration, outcomes) for Prometheus on `port`."""
    from prometheus_client import start_http_server

    start_http_server(port, registry=registry())
    logger.info("worker metrics on :%s/metrics", port)
