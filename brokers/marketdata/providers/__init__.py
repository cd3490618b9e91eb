"""Where each source's candles come from: `provider_for("yfinance" | "csv" | <broker id>)`."""

from __future__ import annotations

from brokers.errors import BrokerError

from .base import CandleProvider, MarketDataError, MarketDataUnavailable
from .broker import BrokerProvider
from .yahoo import YahooProvider

CSV = "csv"
YFINANCE = YahooProvider.source

__all__ = [
    "CSV",
    "YFINANCE",
    "CandleProvider",
    "MarketDataError",
    "MarketDataUnavailable",
    "provider_for",
    "source_is_known",
]


def provider_for(source: str) -> CandleProvider | None:
    """The provider that fetches `source`'s candles; None for uploads (`csv`), which nothing
    fetches. Raises MarketDataError for a source nobody serves."""
    if source == CSV:
        return None
    if source == YFINANCE:
        return YahooProvider()
    if not source_is_known(source):
        raise MarketDataError(f"No market data source '{source}'", exchange=source)
    return BrokerProvider(source)


def source_is_known(source: str) -> bool:
    if source in (CSV, YFINANCE):
        return True
    from brokers.adapters.registry import public_adapter

    try:
        public_adapter(source).close()
    except BrokerError:
        return False
    return True
