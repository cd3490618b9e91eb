"""Daily NSE candles for the strategy tests: built from closes, or the real bokeh-sampledata
history (AAPL, GOOG, IBM, MSFT, 2000-2013, public domain) read straight into Decimal."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from brokers.adapters.base import Candle
from brokers.marketdata.days import NSE, daily_opened_at
from brokers.simulator.replay_data import load_stocks

D = Decimal
START = date(2024, 1, 1)


def make_bars(
    closes: Sequence[Decimal],
    *,
    spread: Decimal = Decimal("0.01"),
    volumes: Sequence[Decimal] | None = None,
    start: date = START,
) -> list[Candle]:
    """One candle a day: it opens at the previous close (no gap), its high and low `spread`
    beyond its body, volume 100,000 unless given."""
    bars = []
    for index, close in enumerate(closes):
        open_ = closes[index - 1] if index else close
        bars.append(
            Candle(
                opened_at=daily_opened_at(start + timedelta(days=index), NSE),
                open=open_,
                high=max(open_, close) * (1 + spread),
                low=min(open_, close) * (1 - spread),
                close=close,
                volume=volumes[index] if volumes is not None else D(100_000),
            )
        )
    return bars


def closes_strategy(min_size: int = 1, max_size: int = 120) -> st.SearchStrategy[list[Decimal]]:
    return st.lists(
        st.decimals(min_value=D(1), max_value=D(5000), places=2), min_size=min_size, max_size=max_size
    )


@st.composite
def bars_strategy(draw: st.DrawFn, min_size: int = 1, max_size: int = 120) -> list[Candle]:
    """Random but valid candles: random opens, closes, wicks and volumes."""
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    prices = st.decimals(min_value=D(1), max_value=D(5000), places=2)
    wick = st.decimals(min_value=D(0), max_value=D("0.1"), places=3)
    bars = []
    for index in range(size):
        open_, close = draw(prices), draw(prices)
        bars.append(
            Candle(
                opened_at=daily_opened_at(START + timedelta(days=index), NSE),
                open=open_,
                high=max(open_, close) * (1 + draw(wick)),
                low=min(open_, close) * (1 - draw(wick)),
                close=close,
                volume=draw(st.decimals(min_value=D(0), max_value=D(10_000_000), places=0)),
            )
        )
    return bars


@functools.cache
def real_history(ticker: str) -> tuple[Candle, ...]:
    """A bokeh-sampledata stock's daily candles, oldest first, stamped as NSE candles of the
    same dates."""
    out = []
    for bar in load_stocks()[ticker]:
        out.append(
            Candle(
                opened_at=daily_opened_at(date.fromisoformat(bar.label[:10]), NSE),
                open=bar.open,
                high=bar.high,
                low=bar.low,
                close=bar.close,
                volume=bar.volume,
            )
        )
    return tuple(out)
