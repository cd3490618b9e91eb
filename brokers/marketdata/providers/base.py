"""What a market data provider is, and how it fails."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from brokers.adapters.base import Candle
from brokers.errors import BrokerError, ExchangeUnavailable


class MarketDataError(BrokerError):
    """The provider answered but gave no usable candles (unknown symbol, unsupported interval, a
    malformed answer). `message` is safe to show to admins."""


class MarketDataUnavailable(ExchangeUnavailable):
    """The provider could not be reached (network, timeout, 5xx): worth a retry later."""


class CandleProvider(Protocol):
    source: str

    def fetch(self, *, symbol: str, interval: str, since: datetime | None = None) -> list[Candle]:
        """Candles of `symbol`, oldest first, from `since` (included) on, or the provider's
        default history when `since` is None. Opened-at times are UTC-aware."""
        ...
