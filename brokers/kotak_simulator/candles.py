"""Candles: daily history made up from the seed before the simulator started (a walk backwards
from each scrip's start price, so the last generated close is where live trading begins), the
sessions the simulator runs, and one-minute bars of the current session (five-minute bars are
built from them). Prices are kept in ticks (int), so no float ever becomes money."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from .symbols import ScripSpec

DAILY_SIGMA = 0.015  # a day's close-to-close move, as a fraction
MINUTE_MS = 60_000


@dataclass
class Bar:
    key: date | int  # the trading day (daily) or the bar's open time in ms (intraday)
    o: int
    h: int
    low: int
    c: int
    v: int

    def update(self, ticks: int, volume: int) -> None:
        self.h = max(self.h, ticks)
        self.low = min(self.low, ticks)
        self.c = ticks
        self.v += volume


def daily_history(spec: ScripSpec, days: list[date], seed: int) -> list[Bar]:
    """One bar per trading day in `days` (oldest first), the last closing at the start price."""
    rng = random.Random(f"{seed}:{spec.symbol}:daily")  # noqa: S311  reproducible prices, not secrets
    close = spec.to_ticks(spec.start_price)
    bars: list[Bar] = []
    for day in reversed(days):
        previous = max(1, round(close / (1 + rng.gauss(0, DAILY_SIGMA))))
        opened = max(1, round(previous * (1 + rng.gauss(0, DAILY_SIGMA / 3))))
        high = round(max(opened, close) * (1 + abs(rng.gauss(0, DAILY_SIGMA / 2))))
        low = max(1, round(min(opened, close) * (1 - abs(rng.gauss(0, DAILY_SIGMA / 2)))))
        bars.append(Bar(day, opened, high, low, close, rng.randint(200_000, 8_000_000)))
        close = previous
    bars.reverse()
    return bars


class IntradayBars:
    """One-minute bars of one session for one scrip."""

    def __init__(self) -> None:
        self.bars: dict[int, Bar] = {}
        self._last: Bar | None = None

    def reset(self) -> None:
        self.bars.clear()
        self._last = None

    def record(self, at_ms: int, ticks: int, volume: int) -> None:
        """A price seen at `at_ms` (a step at 09:16:00 closes the 09:15 bar)."""
        key = max(0, at_ms - 1) // MINUTE_MS * MINUTE_MS if self._last else at_ms // MINUTE_MS * MINUTE_MS
        bar = self.bars.get(key)
        if bar is None:
            opened = self._last.c if self._last else ticks
            bar = Bar(key, opened, max(opened, ticks), min(opened, ticks), ticks, volume)
            self.bars[key] = bar
        else:
            bar.update(ticks, volume)
        self._last = bar

    def select(self, start_ms: int, end_ms: int, minutes: int) -> list[Bar]:
        """Bars of `minutes` (1 or 5) whose open time is within [start_ms, end_ms]."""
        out: dict[int, Bar] = {}
        for key in sorted(self.bars):
            bar = self.bars[key]
            bucket = key // (minutes * MINUTE_MS) * (minutes * MINUTE_MS)
            if not start_ms <= bucket <= end_ms:
                continue
            merged = out.get(bucket)
            if merged is None:
                out[bucket] = Bar(bucket, bar.o, bar.h, bar.low, bar.c, bar.v)
            else:
                merged.h, merged.low = max(merged.h, bar.h), min(merged.low, bar.low)
                merged.c, merged.v = bar.c, merged.v + bar.v
        return list(out.values())
