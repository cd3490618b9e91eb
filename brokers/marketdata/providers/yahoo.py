"""yfinance (Yahoo Finance) for real exchange symbols: `RELIANCE.NS` (NSE), `TCS.BO` (BSE), `AAPL`.

yfinance is optional: it is not in requirements.txt because its dependency curl_cffi needs a
newer cffi than ccxt pins. An admin who wants it installs it (`pip install yfinance`); without it
a refresh says so. The network call is not exercised in CI (no internet there); the conversion of
the DataFrame yfinance returns is (tests/brokers/marketdata/test_yfinance_conversion.py).

Prices are as traded (`auto_adjust=False`): splits and dividends show as jumps, as on the broker.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from brokers.adapters.base import Candle

from ..days import NSE, daily_opened_at
from .base import MarketDataError, MarketDataUnavailable

SOURCE = "yfinance"
INDIAN_SUFFIXES = (".NS", ".BO")
_INTERVALS = {"1m": "1m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "1h", "1d": "1d"}
# How far back Yahoo serves each interval when no candle is stored yet.
_FIRST_PERIOD = {"1m": "7d", "1d": "max"}
_INTRADAY_FIRST_PERIOD = "60d"
_PAISE = Decimal("0.01")  # Yahoo's floats carry float32 noise: NSE prices are whole paise
_OTHER_PLACES = Decimal("0.0001")
_COLUMNS = ("Open", "High", "Low", "Close", "Volume")


def is_indian(symbol: str) -> bool:
    return symbol.upper().endswith(INDIAN_SUFFIXES)


class YahooProvider:
    source = SOURCE

    def fetch(self, *, symbol: str, interval: str, since: datetime | None = None) -> list[Candle]:
        if interval not in _INTERVALS:
            raise MarketDataError(f"yfinance has no {interval} candles", exchange=SOURCE)
        try:
            import yfinance
        except ImportError as exc:
            raise MarketDataError(
                "yfinance is not installed on this server (pip install yfinance)", exchange=SOURCE
            ) from exc
        window: dict[str, Any] = (
            {"start": since.astimezone(UTC).date(), "end": (datetime.now(UTC) + timedelta(days=1)).date()}
            if since is not None
            else {"period": _FIRST_PERIOD.get(interval, _INTRADAY_FIRST_PERIOD)}
        )
        try:
            frame = yfinance.Ticker(symbol).history(
                interval=_INTERVALS[interval], auto_adjust=False, actions=False, **window
            )
        except Exception as exc:  # yfinance raises requests', curl's and its own errors alike
            raise MarketDataUnavailable(
                f"yfinance could not fetch {symbol}: {type(exc).__name__}", exchange=SOURCE
            ) from exc
        candles = candles_from_frame(frame, symbol=symbol, daily=interval == "1d")
        if not candles and since is None:
            raise MarketDataError(f"yfinance has no {interval} data for {symbol}", exchange=SOURCE)
        return [c for c in candles if since is None or c.opened_at >= since]


def candles_from_frame(frame: Any, *, symbol: str, daily: bool) -> list[Candle]:
    """The DataFrame `Ticker.history()` returns (a tz-aware DatetimeIndex, float columns Open,
    High, Low, Close, Volume) -> candles in Decimal, oldest first. Rows Yahoo left empty (NaN)
    are skipped; daily candles of Indian symbols open at 09:15 IST."""
    if frame is None or len(frame) == 0:
        return []
    missing = [name for name in _COLUMNS if name not in frame.columns]
    if missing:
        raise MarketDataError(f"yfinance answered without {', '.join(missing)} for {symbol}", exchange=SOURCE)
    indian = is_indian(symbol)
    places = _PAISE if indian else _OTHER_PLACES
    candles = []
    for stamp, row in zip(frame.index, frame[list(_COLUMNS)].itertuples(index=False), strict=True):
        values = [float(v) for v in row]
        if any(math.isnan(v) for v in values[:4]):
            continue
        o, h, low, c = (Decimal(repr(v)).quantize(places, ROUND_HALF_EVEN) for v in values[:4])
        volume = Decimal(0) if math.isnan(values[4]) else Decimal(int(values[4]))
        candles.append(
            Candle(
                opened_at=_opened_at(stamp, daily=daily, indian=indian),
                open=o,
                high=h,
                low=low,
                close=c,
                volume=volume,
            )
        )
    candles.sort(key=lambda candle: candle.opened_at)
    return candles


def _opened_at(stamp: Any, *, daily: bool, indian: bool) -> datetime:
    moment: datetime = stamp.to_pydatetime()
    if moment.tzinfo is None:  # yfinance stamps in the exchange's zone; a bare one is UTC
        moment = moment.replace(tzinfo=UTC)
    if daily:
        # The day as the exchange dates it, not as UTC does (midnight IST is 18:30 UTC the day before).
        return daily_opened_at(moment.date(), NSE if indian else "none")
    return moment.astimezone(UTC)
