"""A broker's own candles, through its adapter's public `fetch_ohlcv`: the built-in crypto
simulator (`simulator`), the Kotak simulator (`kotak_simulator`) and Kotak Neo once they
register public market data, any ccxt exchange (`binance`)."""

from __future__ import annotations

from datetime import datetime

from brokers.adapters.base import Candle

# One request's worth: an incremental refresh after each close needs far fewer.
FETCH_LIMIT = 1000


class BrokerProvider:
    def __init__(self, exchange_id: str) -> None:
        self.source = exchange_id

    def fetch(self, *, symbol: str, interval: str, since: datetime | None = None) -> list[Candle]:
        from brokers.adapters.registry import public_adapter

        adapter = public_adapter(self.source)  # BrokerError for a broker without public data
        try:
            candles = adapter.fetch_ohlcv(symbol, interval, since=since, limit=FETCH_LIMIT)
        finally:
            adapter.close()
        return sorted(
            (c for c in candles if since is None or c.opened_at >= since), key=lambda c: c.opened_at
        )
