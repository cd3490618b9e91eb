"""Who is on the other end of a request: client IP (behind the trusted proxies) and user agent."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# What keys (throttles, the login lockout) use for a client whose address is not an IP.
UNKNOWN = "unknown"


def client_address(request: HttpRequest) -> str | None:
    """The client's IP as rows store it (audit trail, sessions): a valid address, else None.

    X-Forwarded-For is read only as far as TRUSTED_PROXY_COUNT allows (the same rule DRF's
    throttles use, so lockout, throttles and the audit trail agree). Even a trusted hop can carry
    what a client wrote further down the chain, so whatever is not an IP address is dropped rather
    than stored as text that an admin page would later show.
    """
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    candidate = request.META.get("REMOTE_ADDR", "")
    if forwarded and proxies > 0:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-min(proxies, len(hops))]
    return ip_or_none(candidate)


def client_ip(request: HttpRequest) -> str:
    """The client's IP for keys (lockout, rate limits): `client_address`, or "unknown"."""
    return client_address(request) or UNKNOWN


def ip_or_none(value: object) -> str | None:
    """`value` as a normalised IP address (`::FFFF:1.2.3.4` -> `::ffff:1.2.3.4`), or None when it is
    not one. A scoped IPv6 address (`fe80::1%eth0`) is refused: no column type stores the zone."""
    if not isinstance(value, str) or not value or len(value) > 45:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        return None
    return str(address)


def user_agent(request: HttpRequest) -> str:
    # Without NUL: PostgreSQL stores it in no text column (a NUL here made the audit write fail).
    return (request.META.get("HTTP_USER_AGENT") or "").replace("\x00", "")[:400]
