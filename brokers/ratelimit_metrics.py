"""The rate limiter's wait histogram (the admin's dashboard reads it by name). Apart from
brokers/ratelimit.py, which light processes import: prometheus_client takes ~0.2 s to import and
only a request that waited needs it."""

from __future__ import annotations

from prometheus_client import Histogram

RATELIMIT_WAIT = Histogram(
    "tradefleet_ratelimit_wait_seconds",
    "Time a request to an exchange waited for the rate limiter.",
    ["exchange"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)


def wait_observe(exchange: str, seconds: float) -> None:
    RATELIMIT_WAIT.labels(exchange).observe(seconds)
