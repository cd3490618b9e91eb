"""The one exception hierarchy for everything that talks to an exchange.

Adapters translate their library's errors (ccxt's, the paper broker's) into these, so `trading`
never sees a ccxt class. The split that matters for orders: `ExchangeUnavailable` means the
outcome of a request is unknown (a create may or may not have happened; look the order up by its
client order id before retrying), while every other error means the exchange answered.
"""

from __future__ import annotations


class BrokerError(Exception):
    """Base class. `message` is safe to show to the account's owner (never contains secrets)."""

    def __init__(self, message: str = "", *, exchange: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange


class AuthenticationFailed(BrokerError):
    """The exchange refused the API key or signature, or the key lacks a needed permission."""


class InsufficientFunds(BrokerError):
    """Not enough free balance for the order."""


class InvalidOrder(BrokerError):
    """The exchange refused the order; `message` carries the exchange's reason (tick, step,
    minimum notional, market closed...)."""


class OrderNotFound(BrokerError):
    """No order with that id (or client order id) on the exchange."""


class BadSymbol(BrokerError):
    """The exchange has no such market."""


class RateLimited(BrokerError):
    """The exchange asked us to slow down (HTTP 429/418). `retry_after` is in seconds. `limiter`:
    raised by our own fleet-wide limiter (brokers/ratelimit.py) before sending, not an answer."""

    def __init__(
        self, message: str = "", *, exchange: str = "", retry_after: float = 1.0, limiter: bool = False
    ) -> None:
        super().__init__(message, exchange=exchange)
        self.retry_after = retry_after
        self.limiter = limiter


class ExchangeUnavailable(BrokerError):
    """Network error, timeout, 5xx or maintenance: the state of the request is unknown."""


# Transient: worth a retry after a pause (Celery tasks name these in `retry_on`).
TRANSIENT_ERRORS: tuple[type[BrokerError], ...] = (RateLimited, ExchangeUnavailable)
