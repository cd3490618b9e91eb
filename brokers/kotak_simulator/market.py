"""Prices of the simulator's scrips: a seeded random walk that moves only while the NSE market is
open, a gap at each open, the day's open/high/low, the previous close, and the candles kept along
the way. Time is driven from outside (`engine.py` calls `open_day`, `step`, `close_day`)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from brokers.nse_calendar import NSECalendar

from .candles import DAILY_SIGMA, Bar, IntradayBars, daily_history
from .symbols import ScripSpec
from .wire import utc

SESSION_SECONDS = 375 * 60  # 09:15 to 15:30


@dataclass
class Quote:
    spec: ScripSpec
    ltp: int  # ticks
    prev_close: int
    day_open: int
    high: int
    low: int
    volume: int = 0
    updated_ms: int = 0
    daily: list[Bar] = field(default_factory=list)
    intraday: IntradayBars = field(default_factory=IntradayBars)

    def price(self, ticks: int | None = None) -> Decimal:
        return self.spec.price(self.ltp if ticks is None else ticks)


class Market:
    def __init__(
        self,
        scrips: tuple[ScripSpec, ...],
        *,
        calendar: NSECalendar,
        seed: int,
        start_ms: int,
        step_seconds: float,
        history_days: int,
    ) -> None:
        self.calendar = calendar
        self.step_ms = max(1000, int(step_seconds * 1000))
        self._rng = random.Random(f"{seed}:live")  # noqa: S311  reproducible prices, not secrets
        self._step_sigma = DAILY_SIGMA / math.sqrt(SESSION_SECONDS * 1000 / self.step_ms)
        last_close = calendar.last_close(utc(start_ms))
        last_day = calendar.today(last_close)
        days = calendar.trading_days(last_day - timedelta(days=history_days), last_day)
        self.quotes: dict[str, Quote] = {}
        for spec in scrips:
            bars = daily_history(spec, days, seed)
            close = bars[-1].c
            self.quotes[spec.symbol] = Quote(
                spec, close, close, close, close, close, updated_ms=start_ms, daily=bars
            )
        self.session_day: date | None = None  # the session whose open has been processed

    def year_range(self, quote: Quote) -> tuple[int, int]:
        recent = quote.daily[-250:]
        highs = [b.h for b in recent] + [quote.high]
        lows = [b.low for b in recent] + [quote.low]
        return max(highs), min(lows)

    # --- driven by the engine ------------------------------------------------------------------
    def open_day(self, day: date, at_ms: int) -> None:
        """The opening auction: every price gaps a little from its previous close."""
        self.session_day = day
        for quote in self.quotes.values():
            quote.prev_close = quote.ltp
            gap = round(quote.ltp * self._rng.gauss(0, DAILY_SIGMA / 3))
            quote.ltp = max(1, quote.ltp + gap)
            quote.day_open = quote.high = quote.low = quote.ltp
            quote.volume = self._rng.randint(1_000, 50_000)
            quote.updated_ms = at_ms
            quote.intraday.reset()
            quote.intraday.record(at_ms, quote.ltp, quote.volume)

    def step(self, at_ms: int) -> None:
        for quote in self.quotes.values():
            sigma = max(1.0, quote.ltp * self._step_sigma)
            volume = self._rng.randint(100, 5_000)
            self._move(quote, quote.ltp + round(self._rng.gauss(0, sigma)), volume, at_ms)

    def set_price(self, symbol: str, price: Decimal, at_ms: int) -> Decimal:
        quote = self.quotes[symbol]
        self._move(quote, quote.spec.to_ticks(price), 0, at_ms)
        return quote.price()

    def _move(self, quote: Quote, ticks: int, volume: int, at_ms: int) -> None:
        quote.ltp = max(1, ticks)
        quote.updated_ms = at_ms
        quote.volume += volume
        if self.session_day is not None:  # between sessions an admin's price shows on no candle
            quote.high, quote.low = max(quote.high, quote.ltp), min(quote.low, quote.ltp)
            quote.intraday.record(at_ms, quote.ltp, volume)

    def close_day(self, day: date) -> None:
        for quote in self.quotes.values():
            quote.daily.append(Bar(day, quote.day_open, quote.high, quote.low, quote.ltp, quote.volume))
        self.session_day = None
