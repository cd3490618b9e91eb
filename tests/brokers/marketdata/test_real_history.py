"""Real prices: bokeh-sampledata's public-domain daily stocks (2000-2013) stored, read back to
the cent, stored once however often they arrive, and converted from the frame yfinance returns."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from brokers.marketdata import selectors, services
from brokers.marketdata.models import MarketCandle
from brokers.marketdata.providers import MarketDataError
from brokers.marketdata.providers.yahoo import candles_from_frame
from brokers.simulator.replay_data import Bar, load_stocks


@pytest.fixture(scope="module")
def stocks() -> dict[str, list[Bar]]:
    return load_stocks()


def bars_csv(bars: list[Bar]) -> bytes:
    lines = ["date,open,high,low,close,volume"]
    lines += [f"{b.label},{b.open},{b.high},{b.low},{b.close},{b.volume}" for b in bars]
    return ("\n".join(lines) + "\n").encode()


def yfinance_frame(bars: list[Bar], zone: str) -> pd.DataFrame:
    """What `yfinance.Ticker(...).history(auto_adjust=False, actions=False)` returns: float
    columns, Adj Close included, a DatetimeIndex named Date at midnight in the exchange's zone."""
    index = pd.DatetimeIndex([pd.Timestamp(b.label) for b in bars], name="Date").tz_localize(zone)
    return pd.DataFrame(
        {
            "Open": [float(b.open) for b in bars],
            "High": [float(b.high) for b in bars],
            "Low": [float(b.low) for b in bars],
            "Close": [float(b.close) for b in bars],
            "Adj Close": [float(b.close) * 0.97 for b in bars],
            "Volume": [int(b.volume) for b in bars],
        },
        index=index,
    )


def test_thirteen_years_of_a_real_stock_are_stored_to_the_cent(db, stocks):
    aapl = stocks["AAPL"]
    series, stored = services.csv_upload(data=bars_csv(aapl), symbol="AAPL")
    assert stored == len(aapl) == 3270
    rows = list(selectors.series_candles(series).values_list("open", "high", "low", "close", "volume"))
    assert rows == [(b.open, b.high, b.low, b.close, b.volume) for b in aapl]


def test_overlapping_uploads_store_each_day_once(db, stocks):
    goog = stocks["GOOG"]
    services.csv_upload(data=bars_csv(goog[:1500]), symbol="GOOG")
    series, _ = services.csv_upload(data=bars_csv(goog[1000:]), symbol="GOOG")
    assert MarketCandle.objects.filter(symbol="GOOG").count() == len(goog)
    first = selectors.series_candles(series).first()
    assert first.opened_at == datetime(2004, 8, 19, tzinfo=UTC)
    assert first.close == Decimal("100.335")


def test_a_yfinance_frame_becomes_decimal_candles_as_traded(stocks):
    ibm = stocks["IBM"][:250]
    candles = candles_from_frame(yfinance_frame(ibm, "America/New_York"), symbol="IBM", daily=True)
    assert len(candles) == 250
    assert [c.opened_at.date() for c in candles] == [date.fromisoformat(b.label) for b in ibm]
    assert all(c.opened_at.hour == 0 and c.opened_at.tzinfo == UTC for c in candles)
    # Exact to the source's digits although yfinance hands over floats; the unadjusted close.
    assert [(c.open, c.high, c.low, c.close, c.volume) for c in candles] == [
        (b.open, b.high, b.low, b.close, b.volume) for b in ibm
    ]


def test_an_nse_frame_opens_at_0915_ist_in_whole_paise(stocks):
    bars = stocks["MSFT"][:5]
    frame = yfinance_frame(bars, "Asia/Kolkata")
    frame.loc[frame.index[1], "Close"] = float(bars[1].close) - 3e-12  # the float noise Yahoo sends
    candles = candles_from_frame(frame, symbol="RELIANCE.NS", daily=True)
    day = date.fromisoformat(bars[0].label)
    assert candles[0].opened_at == datetime(day.year, day.month, day.day, 3, 45, tzinfo=UTC)  # 09:15 IST
    assert candles[1].close == bars[1].close.quantize(Decimal("0.01"))
    assert all(c.close.as_tuple().exponent == -2 for c in candles)


def test_rows_yahoo_left_empty_are_skipped(stocks):
    frame = yfinance_frame(stocks["AAPL"][:3], "America/New_York")
    frame.loc[frame.index[1], ["Open", "High", "Low", "Close"]] = math.nan
    assert len(candles_from_frame(frame, symbol="AAPL", daily=True)) == 2


def test_intraday_frames_keep_their_moment_in_utc():
    index = pd.DatetimeIndex(["2025-01-02 09:15", "2025-01-02 09:20"], name="Datetime").tz_localize(
        "Asia/Kolkata"
    )
    frame = pd.DataFrame(
        {
            "Open": [10.0, 10.5],
            "High": [11.0, 11.0],
            "Low": [9.5, 10.0],
            "Close": [10.5, 10.75],
            "Volume": [1, 2],
        },
        index=index,
    )
    candles = candles_from_frame(frame, symbol="SBIN.NS", daily=False)
    assert [c.opened_at for c in candles] == [
        datetime(2025, 1, 2, 3, 45, tzinfo=UTC),
        datetime(2025, 1, 2, 3, 50, tzinfo=UTC),
    ]


def test_an_unexpected_yfinance_answer_is_a_clear_error():
    frame = pd.DataFrame({"Close": [1.0]}, index=pd.DatetimeIndex(["2025-01-02"]).tz_localize("UTC"))
    with pytest.raises(MarketDataError, match="without Open, High, Low, Volume for X"):
        candles_from_frame(frame, symbol="X", daily=True)
    assert candles_from_frame(pd.DataFrame(), symbol="X", daily=True) == []
