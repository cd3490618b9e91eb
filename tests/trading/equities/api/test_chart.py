"""The scanner's candle chart: the stored candles of the strategy's candle source with EMA9, EMA200
and RSI equal to the pure indicators over the whole history, cut to the days asked for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from brokers.marketdata.models import MarketCandle
from tests.trading.equities.strategy.bar_factory import make_bars
from trading.equities.strategy import indicators

pytestmark = pytest.mark.django_db
URL = "/api/v1/equities/analysis/chart"


def store(source: str, symbol: str, bars) -> None:
    MarketCandle.objects.bulk_create(
        MarketCandle(
            source=source,
            symbol=symbol,
            interval="1d",
            opened_at=bar.opened_at,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
        )
        for bar in bars
    )


@pytest.fixture
def bars():
    closes = [Decimal(1000) + Decimal((day * 37) % 101) - Decimal(day) / 3 for day in range(300)]
    return make_bars([c.quantize(Decimal("0.05")) for c in closes], start=date(2025, 1, 1))


def same(value: str | None, expected: Decimal | None) -> bool:
    if expected is None:
        return value is None
    return Decimal(value) == expected.quantize(Decimal("1e-18"))


def test_the_chart_equals_the_pure_indicators_over_the_full_history(api, bars):
    store("kotak_simulator", "TCS", bars)
    body = api.get(URL, {"symbol": "tcs", "days": 60}).json()

    assert body["symbol"] == "TCS" and body["source"] == "kotak_simulator"
    assert len(body["candles"]) == 60
    closes = [bar.close for bar in bars]
    ema9, ema200, rsi = indicators.ema(closes, 9), indicators.ema(closes, 200), indicators.rsi(closes, 10)
    for offset, candle in enumerate(body["candles"]):
        index = len(bars) - 60 + offset
        assert Decimal(candle["close"]) == bars[index].close
        assert same(candle["ema9"], ema9[index])
        assert same(candle["ema200"], ema200[index])  # warmed up over the 240 days before the window
        assert same(candle["rsi"], rsi[index])
    assert body["candles"][-1]["time"] == bars[-1].opened_at.date().isoformat()


def test_the_default_window_is_250_days_and_early_values_are_null(api, bars):
    store("kotak_simulator", "TCS", bars[:100])
    candles = api.get(URL, {"symbol": "TCS"}).json()["candles"]
    assert len(candles) == 100
    assert candles[0]["ema9"] is None and candles[0]["rsi"] is None
    assert candles[8]["ema9"] is not None
    assert all(candle["ema200"] is None for candle in candles)


def test_yahoo_candles_are_read_under_the_ns_symbol(api, bars):
    store("yfinance", "TCS.NS", bars[:20])
    api.patch("/api/v1/equities/strategy", {"market_data_source": "yfinance"}, format="json")
    body = api.get(URL, {"symbol": "TCS"}).json()
    assert body["source"] == "yfinance" and len(body["candles"]) == 20


def test_no_candles_is_a_404_and_bad_queries_are_400(api):
    assert api.get(URL, {"symbol": "TCS"}).status_code == 404
    assert set(api.get(URL).json()["errors"]) == {"symbol"}
    assert set(api.get(URL, {"symbol": "TCS", "days": 5000}).json()["errors"]) == {"days"}
