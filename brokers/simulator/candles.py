"""One-minute candles per symbol, recorded from every price change and trade, aggregated on
request into Binance's kline intervals. Minutes without a price change become flat candles, as
on Binance, so charts have no holes."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

MINUTE_MS = 60_000
# Binance's intervals in minutes (1M is left out: months are not a fixed number of minutes).
INTERVAL_MINUTES: dict[str, int] = {
    "1m": 1,
    "3m": 3,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "1h": 60,
    "2h": 120,
    "4h": 240,
    "6h": 360,
    "8h": 480,
    "12h": 720,
    "1d": 1440,
    "3d": 4320,
    "1w": 10080,
}
_WEEK_OFFSET_MS = 4 * 1440 * MINUTE_MS  # the epoch was a Thursday; Binance's weeks start Monday


@dataclass(slots=True)
class Candle:
    open_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = Decimal(0)  # base asset traded
    quote_volume: Decimal = Decimal(0)
    trades: int = 0


def bucket_start(ts_ms: int, interval_ms: int) -> int:
    if interval_ms == INTERVAL_MINUTES["1w"] * MINUTE_MS:
        return (ts_ms - _WEEK_OFFSET_MS) // interval_ms * interval_ms + _WEEK_OFFSET_MS
    return ts_ms // interval_ms * interval_ms


class CandleBook:
    """Not thread-safe by itself: the engine's lock guards it."""

    def __init__(self, capacity: int = 4320) -> None:
        self.capacity = capacity
        self._bars: deque[Candle] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._bars)

    @property
    def last(self) -> Candle | None:
        return self._bars[-1] if self._bars else None

    def load(self, bars: Iterable[Candle]) -> None:
        """Replace the history (backfill at start); `bars` must be minute-aligned, oldest first."""
        self._bars.clear()
        self._bars.extend(bars)

    def record(
        self, ts_ms: int, price: Decimal, *, volume: Decimal = Decimal(0), quote_volume: Decimal = Decimal(0)
    ) -> None:
        minute = ts_ms - ts_ms % MINUTE_MS
        trades = 1 if volume else 0
        last = self.last
        if last is None:
            self._bars.append(Candle(minute, price, price, price, price, volume, quote_volume, trades))
            return
        if minute <= last.open_ms:  # the same minute (or a clock set backwards): extend the last bar
            last.high = max(last.high, price)
            last.low = min(last.low, price)
            last.close = price
            last.volume += volume
            last.quote_volume += quote_volume
            last.trades += trades
            return
        gap_start = max(last.open_ms + MINUTE_MS, minute - self.capacity * MINUTE_MS)
        for flat in range(gap_start, minute, MINUTE_MS):
            self._bars.append(Candle(flat, last.close, last.close, last.close, last.close))
        self._bars.append(Candle(minute, price, price, price, price, volume, quote_volume, trades))

    def klines(
        self, interval: str, *, start_ms: int | None = None, end_ms: int | None = None, limit: int = 500
    ) -> list[Candle]:
        """Binance's rule: with a start time the first `limit` candles that open at or after it,
        otherwise the last `limit` candles that open up to the end time (or now)."""
        interval_ms = INTERVAL_MINUTES[interval] * MINUTE_MS
        out: list[Candle] = []
        for bar in self._bars:
            bucket = bucket_start(bar.open_ms, interval_ms)
            if start_ms is not None and bucket < start_ms:
                continue
            if end_ms is not None and bucket > end_ms:
                break
            if out and out[-1].open_ms == bucket:
                _merge(out[-1], bar)
            else:
                out.append(replace(bar, open_ms=bucket))
        return out[:limit] if start_ms is not None else out[-limit:]

    def window(self, start_ms: int) -> Candle | None:
        """All candles from `start_ms` on merged into one (the 24-hour ticker statistics)."""
        merged: Candle | None = None
        for bar in self._bars:
            if bar.open_ms < start_ms - start_ms % MINUTE_MS:
                continue
            if merged is None:
                merged = replace(bar)
            else:
                _merge(merged, bar)
        return merged


def _merge(into: Candle, bar: Candle) -> None:
    into.high = max(into.high, bar.high)
    into.low = min(into.low, bar.low)
    into.close = bar.close
    into.volume += bar.volume
    into.quote_volume += bar.quote_volume
    into.trades += bar.trades
