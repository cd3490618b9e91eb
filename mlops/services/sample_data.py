"""Real daily history to train on in a fresh install: bokeh-sampledata's public-domain daily stocks
(AAPL, GOOG, IBM, MSFT, 2000-2013), stored as the `csv` source's series, as an admin's CSV
upload would store them (brokers/marketdata). Nothing is downloaded: the data ships in the package."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from brokers.marketdata import services as marketdata
from brokers.marketdata.providers import CSV
from brokers.simulator.replay_data import load_stocks

SAMPLE_SYMBOLS = ("AAPL", "GOOG", "IBM", "MSFT")


def sample_history_load(
    *, actor: Any = None, request: HttpRequest | None = None, symbols: tuple[str, ...] = SAMPLE_SYMBOLS
) -> dict[str, Any]:
    """Store the sample stocks' daily candles (again: a second load changes nothing); each
    symbol's upload is audited as an admin's CSV upload is."""
    stocks = load_stocks()
    stored = 0
    for symbol in symbols:
        lines = ["date,open,high,low,close,volume"]
        lines += [f"{b.label[:10]},{b.open},{b.high},{b.low},{b.close},{b.volume}" for b in stocks[symbol]]
        data = ("\n".join(lines) + "\n").encode()
        _series, count = marketdata.csv_upload(data=data, symbol=symbol, actor=actor, request=request)
        stored += count
    return {"source": CSV, "symbols": list(symbols), "candles": stored}
