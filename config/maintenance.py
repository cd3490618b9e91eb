"""A platform-wide maintenance flag in the shared cache: while it is set (a restore is running),
trading's beat dispatchers send nothing, so no worker trades against a database being replaced.

Embedded mode's cache lives in one process: there the flag only pauses that process, and the
restore docs say to stop `make run` first.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

KEY = "platform:maintenance"
# A restore killed before it could end the flag must not stop trading for ever.
DEFAULT_TTL_SECONDS = 6 * 3600


def begin(reason: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
    cache.set(KEY, f"{reason} (since {timezone.now():%Y-%m-%d %H:%M} UTC)", timeout=ttl_seconds)


def end() -> None:
    cache.delete(KEY)


def active() -> str | None:
    """Why the platform is in maintenance, or None when it is not."""
    value = cache.get(KEY)
    return str(value) if value else None
