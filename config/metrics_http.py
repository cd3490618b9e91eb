"""API latency by route: a histogram labelled with the method and the URL pattern the request
resolved to (`GET /api/v1/positions/<uuid:pk>`), never the raw path, so ids do not become
labels. Requests no route matched share one label."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram

HTTP_LATENCY = Histogram(
    "tradefleet_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10),
)
UNMATCHED = "(unmatched)"
# The routes not worth a label: the scrape itself and the SPA's static files.
SKIPPED_PREFIXES = ("/metrics", "/static/", "/assets/")


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED
    return "/" + match.route.lstrip("^").rstrip("$")


class HttpLatencyMiddleware:
    """Observe every request's wall time (first in MIDDLEWARE, so the other middleware counts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if not request.path.startswith(SKIPPED_PREFIXES):
            HTTP_LATENCY.labels(request.method or "GET", route_of(request)).observe(
                time.perf_counter() - started
            )
        return response
