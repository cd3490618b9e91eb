"""Binance's request signing (SIGNED endpoints): `X-MBX-APIKEY` names the key, `signature` is the
HMAC-SHA256 hex of the query string followed by the body (signature removed), and `timestamp`
must be within `recvWindow` (default 5000 ms, at most 60000) of the server's clock."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

from . import errors
from .errors import BinanceError

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000
MAX_AHEAD_MS = 1000  # Binance refuses timestamps more than a second in its future
_KEY_FORMAT = re.compile(r"^[A-Za-z0-9_\-]{8,128}$")


def _split_signature(raw: str) -> tuple[str, str | None]:
    kept: list[str] = []
    signature = None
    for part in raw.split("&") if raw else []:
        if part.startswith("signature="):
            signature = part.removeprefix("signature=")
        else:
            kept.append(part)
    return "&".join(kept), signature


def sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _int(value: str | None, name: str) -> int:
    if value is None or not value.isdigit() or len(value) > 18:
        raise errors.mandatory(name)
    return int(value)


def authenticate(
    *,
    api_key: str | None,
    query: str,
    body: str,
    params: dict[str, str],
    secret_for: Callable[[str], str | None],
    now_ms: int,
) -> str:
    """The API key of a correctly signed, timely request; raises BinanceError otherwise."""
    if not api_key or not _KEY_FORMAT.match(api_key):
        raise errors.bad_key_format()
    secret = secret_for(api_key)
    if secret is None:
        raise errors.bad_key()
    query_part, query_signature = _split_signature(query)
    body_part, body_signature = _split_signature(body)
    signature = query_signature or body_signature
    if not signature:
        raise errors.mandatory("signature")
    if not hmac.compare_digest(sign(secret, query_part + body_part), signature.lower()):
        raise errors.bad_signature()
    timestamp = _int(params.get("timestamp"), "timestamp")
    recv_window = DEFAULT_RECV_WINDOW
    if "recvWindow" in params:
        recv_window = _int(params["recvWindow"], "recvWindow")
        if recv_window > MAX_RECV_WINDOW:
            raise BinanceError(-1131, "recvWindow must be less than 60000")
    if timestamp > now_ms + MAX_AHEAD_MS:
        raise errors.ahead_of_server()
    if now_ms - timestamp > recv_window:
        raise errors.outside_recv_window()
    return api_key
