"""ccxt exceptions -> brokers.errors, with messages safe to show the account's owner.

ccxt builds messages from the request: `binance GET https://.../api/v3/order?symbol=..&
timestamp=..&signature=<hmac> 400 Bad Request {"code":-1013,"msg":"Filter failure: NOTIONAL"}`.
The signature is not the secret, but a signed URL is replayable within the receive window and
has no business in logs or in the UI; query strings are cut, anything that looks like a
signature is masked, and the account's own key, secret and passphrase are replaced should an
exchange echo them back. When the body carries the exchange's `{"code", "msg"}`, the message
becomes just that: the reason a trader can act on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import ccxt

from brokers import errors

_URL_QUERY = re.compile(r"(https?://[^\s?#\"']+)[?#][^\s\"']*")
_SIGNATURE = re.compile(
    r"(?i)\b(signature|sign|apikey|api_key|x-mbx-apikey)([=:\"'\s]+)[A-Za-z0-9+/=_\-]{8,}"
)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

# Binance-style codes that mean "no such order" whatever class ccxt's tables give them
# (the spot table maps -2011 to a plain ExchangeError).
_UNKNOWN_ORDER_CODES = {"-2011", "-2013"}
_UNKNOWN_ORDER_TEXT = ("unknown order", "order does not exist", "order not found")

# Operations whose refusal means "this order is not acceptable" rather than a generic failure.
CREATE, CANCEL, LOOKUP, OTHER = "create", "cancel", "lookup", "other"


def sanitize(message: str, secrets: Iterable[str] = ()) -> str:
    text = _URL_QUERY.sub(r"\1", message)
    text = _SIGNATURE.sub(r"\1\2***", text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def exchange_reason(message: str) -> tuple[str | None, str | None]:
    """(code, msg) from the exchange's JSON error body inside a ccxt message, if there is one."""
    match = _JSON_OBJECT.search(message)
    if not match:
        return None, None
    try:
        body = json.loads(match.group(0))
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    msg = body.get("msg") or body.get("message") or body.get("error")
    code = body.get("code")
    return (str(code) if code is not None else None), (str(msg) if msg else None)


def map_error(
    exc: ccxt.BaseError,
    *,
    exchange: str,
    op: str = OTHER,
    status: int | None = None,
    retry_after: float | None = None,
    secrets: Iterable[str] = (),
) -> errors.BrokerError:
    """The brokers.errors exception for a ccxt exception raised during operation `op`.
    `status` is the HTTP status of the answer, when there was one."""
    raw = sanitize(str(exc), secrets)
    code, reason = exchange_reason(raw)
    message = (f"{exchange}: {reason}" + (f" (code {code})" if code else "")) if reason else raw
    message = sanitize(message, secrets)

    def make(cls: type[errors.BrokerError]) -> errors.BrokerError:
        return cls(message, exchange=exchange)

    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection) or status in (418, 429):
        return errors.RateLimited(message, exchange=exchange, retry_after=retry_after or 1.0)
    if status is not None and status >= 500:
        # A 5xx is an answer that says nothing about the request: binance documents the
        # execution state as unknown, whatever body ccxt managed to parse.
        return make(errors.ExchangeUnavailable)
    if isinstance(exc, ccxt.AuthenticationError):  # PermissionDenied, AccountSuspended, ...
        return make(errors.AuthenticationFailed)
    if isinstance(exc, ccxt.InsufficientFunds):
        return make(errors.InsufficientFunds)
    if isinstance(exc, ccxt.OrderNotFound) or (op in (CANCEL, LOOKUP) and _is_unknown_order(code, reason)):
        return make(errors.OrderNotFound)
    if isinstance(exc, ccxt.BadSymbol):
        return make(errors.BadSymbol)
    if isinstance(exc, ccxt.InvalidOrder):
        return make(errors.InvalidOrder)
    if isinstance(exc, ccxt.OperationFailed):  # NetworkError, RequestTimeout, OnMaintenance, ...
        return make(errors.ExchangeUnavailable)
    if op == CREATE and isinstance(exc, ccxt.ExchangeError) and not isinstance(exc, ccxt.NotSupported):
        # The exchange answered and refused (binance's spot table maps filter failures such as
        # -1013 to BadRequest): the order was not accepted, and the reason is in the message.
        return make(errors.InvalidOrder)
    return make(errors.BrokerError)


def _is_unknown_order(code: str | None, reason: str | None) -> bool:
    if code in _UNKNOWN_ORDER_CODES:
        return True
    text = (reason or "").lower()
    return any(marker in text for marker in _UNKNOWN_ORDER_TEXT)
