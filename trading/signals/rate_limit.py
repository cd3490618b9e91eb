"""The public webhook's rate limits: one token bucket per user for alerts, shared by every web
process, and counters of refused authentication (below).

The bucket is the outbound limiter's (brokers/ratelimit.py): one Lua script in Redis, so one
round trip per alert, and every gunicorn worker takes from the same bucket; in embedded mode
(no Redis) the same bucket lives in process memory, which is the only process there is. If Redis
cannot be reached, the limiter falls back to this process's own bucket rather than refusing
alerts (the broker lives in that Redis too, so the fleet is degraded anyway).

Only alerts that prove they are the trader's count: the limit is taken after the secret matched
(or, for a body that is not JSON, after it was found to contain the secret). A stranger who
knows a trader's URL, which is only their user id, cannot spend the trader's budget and make
TradingView's real alerts bounce: their posts are answered 401 (429 past the limits below)
before the bucket is touched; each costs one indexed SELECT and a few cache round trips. The
price is that the load of unauthenticated floods is not limited here; that is the reverse
proxy's job, per IP, and TradingView's own IPs must not be limited there either.

    WEBHOOK_RATE_LIMIT = "60/min"   sustained rate per user ("N/s", "N/min", "N/h", "N/day")
    WEBHOOK_RATE_BURST = 120        alerts that may arrive at once (the bucket's size)

Refused authentication is counted too (`auth_failure_count`, called by authentication.py after
the secret was compared), in fixed windows of WEBHOOK_AUTH_FAILURE_WINDOW seconds, in the cache
(Redis, shared by the fleet; process memory in embedded mode). Past a limit, further wrong
secrets are answered 429 with Retry-After (the window's end) instead of 401, and are no longer
logged one by one:

    WEBHOOK_AUTH_FAILURES_PER_SENDER = 10    one user id from one address (tight)
    WEBHOOK_AUTH_FAILURES_PER_USER = 100     one user id from every address (loose)
    WEBHOOK_AUTH_FAILURES_PER_ADDRESS = 100  one address to every user id (a scan)

The limits refuse only wrong secrets: a request is compared first, so the trader's own alerts pass
whatever a stranger sends, from wherever (TradingView's addresses are every customer's). Guessing
gains nothing from the rate (a secret is 256 random bits); what the limits buy is quiet: the
operators' log and the user's summary stay readable under a flood. Per-user counters exist only
for user ids whose row exists, so random ids cannot fill Redis with keys.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
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

    code = "rate_limited"

    def __init__(self, retry_after: int, detail: str = "Too many alerts; retry in {} s.") -> None:
        super().__init__(detail.format(retry_after))
        self.retry_after = retry_after


class WebhookAuthThrottled(WebhookRateLimited):
    """429: too many wrong secrets from this sender, for this user or from this address."""

    code = "auth_throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after, "Too many webhook requests with a wrong secret; retry in {} s.")


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


# --- refused authentication -----------------------------------------------------------------------
_AUTH_KEY = "webhook-auth"
SHOWN_ADDRESSES = 5  # a summary names this many of the window's addresses


@dataclass(frozen=True, slots=True)
class AuthFailureTally:
    window: int  # the window's number: it starts at window * WEBHOOK_AUTH_FAILURE_WINDOW (epoch s)
    window_left: int  # whole seconds until it ends
    first_for_user: bool  # the user's first refusal in this window: time to schedule its summary
    retry_after: int  # 0 while under every limit, else the seconds of the 429's Retry-After
    limit_reached: bool  # this refusal is the first one over a limit (logged once)


@dataclass(frozen=True, slots=True)
class AuthFailures:
    count: int
    addresses: int
    shown: list[str]  # the first SHOWN_ADDRESSES addresses, in order of arrival


def auth_failure_count(*, user_id: uuid.UUID | None, ip: str) -> AuthFailureTally:
    """Count one refused webhook request from `ip` (and against `user_id`, whose row exists, when
    given). Raises what the cache raises when its store is down."""
    seconds = settings.WEBHOOK_AUTH_FAILURE_WINDOW
    if seconds < 1:
        raise ImproperlyConfigured("WEBHOOK_AUTH_FAILURE_WINDOW must be at least 1 (seconds)")
    now = time.time()
    window = int(now // seconds)
    # Kept past the window's end so its summary, which runs just after, can still read them.
    ttl = 2 * seconds + 60
    address = hashlib.sha256(ip.encode("utf-8", "backslashreplace")).hexdigest()[:24]
    checks = [(_incr(f"{_AUTH_KEY}:{window}:a:{address}", ttl), settings.WEBHOOK_AUTH_FAILURES_PER_ADDRESS)]
    first = False
    if user_id is not None:
        user_key = f"{_AUTH_KEY}:{window}:u:{user_id}"
        first = cache.add(user_key, 0, ttl)
        sender_key = f"{user_key}:a:{address}"
        if cache.add(sender_key, 0, ttl):  # a new address for this user in this window
            seen = _incr(f"{user_key}:n", ttl)
            if seen <= SHOWN_ADDRESSES:
                cache.set(f"{user_key}:ip:{seen}", ip[:64], ttl)
        checks.append((_incr(user_key, ttl), settings.WEBHOOK_AUTH_FAILURES_PER_USER))
        checks.append((_incr(sender_key, ttl), settings.WEBHOOK_AUTH_FAILURES_PER_SENDER))
    left = max(1, math.ceil((window + 1) * seconds - now))
    over = [count > limit for count, limit in checks]
    return AuthFailureTally(
        window=window,
        window_left=left,
        first_for_user=first,
        retry_after=left if any(over) else 0,
        limit_reached=any(count == limit + 1 for count, limit in checks),
    )


def auth_failures_in(*, user_id: str, window: int) -> AuthFailures | None:
    """What auth_failure_count counted against `user_id` in `window` (None once expired)."""
    user_key = f"{_AUTH_KEY}:{window}:u:{user_id}"
    slots = [f"{user_key}:ip:{n}" for n in range(1, SHOWN_ADDRESSES + 1)]
    found = cache.get_many([user_key, f"{user_key}:n", *slots])
    if user_key not in found:
        return None
    return AuthFailures(
        count=int(found[user_key]),
        addresses=int(found.get(f"{user_key}:n") or 0),
        shown=[str(found[slot]) for slot in slots if slot in found],
    )


def _incr(key: str, ttl: int) -> int:
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1
