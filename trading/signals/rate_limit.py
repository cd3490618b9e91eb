"""The public webhook's rate limit: one token bucket per user, shared by every web process.

The bucket is the outbound limiter's (brokers/ratelimit.py): one Lua script in Redis, so one
round trip per alert, and every gunicorn worker takes from the same bucket; in embedded mode
(no Redis) the same bucket lives in process memory, which is the only process there is. If Redis
cannot be reached, the limiter falls back to this process's own bucket rather than refusing
alerts (the broker lives in that Redis too, so the fleet is degraded anyway).

Only alerts that prove they are the trader's count: the limit is taken after the secret matched
(or, for a body that is not JSON, after it was found to contain the secret). A stranger who
knows a trader's URL, which is only their user id, cannot spend the trader's budget and make
TradingView's real alerts bounce: their posts are answered 401 before the bucket is touched
(each costs one indexed SELECT, and is counted and logged with the sender's address). The price
is that unauthenticated floods are not limited here; that is the reverse proxy's job, per IP,
and TradingView's own IPs must not be limited there either.

    WEBHOOK_RATE_LIMIT = "60/min"   sustained rate per user ("N/s", "N/min", "N/h", "N/day")
    WEBHOOK_RATE_BURST = 120        alerts that may arrive at once (the bucket's size)
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from brokers.errors import RateLimited
from brokers.ratelimit import Throttle

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$")
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Nothing sets this block (brokers/ratelimit.py blocks an exchange after its 429); the bucket
# API takes one, so the webhook's buckets share a name that no exchange uses.
_BLOCK = "webhook"


class WebhookRateLimited(Exception):
    """429: the user's alerts came faster than WEBHOOK_RATE_LIMIT allows; nothing is stored."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many alerts; retry in {retry_after} s.")
        self.retry_after = retry_after


@lru_cache(maxsize=8)
def parse_rate(spec: str, burst: int) -> tuple[float, float]:
    """`("60/min", 120)` -> (1.0 token per second, capacity 120.0); ImproperlyConfigured if bad."""
    match = _RATE.match(spec)
    if not match or float(match.group(1)) <= 0:
        raise ImproperlyConfigured(
            f"WEBHOOK_RATE_LIMIT must look like '60/min' (a positive number per s, min, h or day): {spec!r}"
        )
    if burst < 1:
        raise ImproperlyConfigured("WEBHOOK_RATE_BURST must be at least 1")
    return float(match.group(1)) / _PERIOD_SECONDS[match.group(2)[0]], float(burst)


# (user id, rate, capacity) -> the user's Throttle, built once per process: users, not requests
# (only ids whose secret matched get here), so it stays small.
_throttles: dict[tuple[str, float, float], Throttle] = {}


def webhook_admit(*, user_id: str) -> None:
    """Take one alert from the user's bucket, or raise WebhookRateLimited with the whole seconds
    until the next one may come (the answer's Retry-After)."""
    rate, capacity = parse_rate(settings.WEBHOOK_RATE_LIMIT, settings.WEBHOOK_RATE_BURST)
    throttle = _throttles.get((user_id, rate, capacity))
    if throttle is None:
        if len(_throttles) >= 10_000:
            _throttles.clear()
        throttle = Throttle(
            bucket=f"webhook:{user_id}", block=_BLOCK, rate=rate, capacity=capacity, max_wait=0.0
        )
        _throttles[user_id, rate, capacity] = throttle
    try:
        throttle.wait()
    except RateLimited as exc:
        raise WebhookRateLimited(max(1, math.ceil(exc.retry_after))) from None
