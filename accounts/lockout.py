"""Login lockout: after N failed logins for one account from one IP within the window, that
account is locked for that IP until the window (counted from the first failure) has passed.

Counters live in the cache (Redis in production) and are incremented atomically, so parallel
guesses cannot slip past the limit. The key is a hash, so no e-mail address sits in Redis.
Written here rather than with django-axes: we need exactly this window, a 429 with Retry-After
from the same store the throttles use, and no extra tables written on every failed attempt.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from .emails import normalize_email


def _keys(email: str, ip: str) -> tuple[str, str]:
    # The address as the login looks it up: spellings of one account share its lock.
    digest = hashlib.sha256(f"{normalize_email(email)}|{ip}".encode()).hexdigest()[:32]
    return f"lockout:{digest}:count", f"lockout:{digest}:since"


def retry_after(email: str, ip: str) -> int:
    """Seconds until this account may try again from this IP; 0 when it is not locked."""
    count_key, since_key = _keys(email, ip)
    values = cache.get_many([count_key, since_key])
    if int(values.get(count_key) or 0) < settings.LOGIN_LOCKOUT_ATTEMPTS:
        return 0
    since = float(values.get(since_key) or time.time())
    return max(1, math.ceil(since + settings.LOGIN_LOCKOUT_WINDOW_SECONDS - time.time()))


def register_failure(email: str, ip: str) -> int:
    """Count one failed login; returns the failures in the current window."""
    count_key, since_key = _keys(email, ip)
    window = settings.LOGIN_LOCKOUT_WINDOW_SECONDS
    cache.add(since_key, time.time(), window)
    cache.add(count_key, 0, window)
    try:
        return cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, window)
        return 1


def clear(email: str, ip: str) -> None:
    cache.delete_many(list(_keys(email, ip)))
