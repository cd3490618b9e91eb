"""Refreshing a tracked series from a real provider (the built-in exchange simulator over
HTTP): candles stored once, a second refresh changes nothing, and it asks only from the last
stored candle on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brokers.errors import BadSymbol, BrokerError
from brokers.marketdata import selectors, services
from brokers.marketdata.models import MarketCandle, TrackedSeries
from brokers.marketdata.providers import MarketDataError, provider_for


def _rows(series: TrackedSeries) -> list[tuple]:
    return list(
        selectors.series_candles(series).values_list("opened_at", "open", "high", "low", "close", "volume")
    )


@pytest.fixture
def btc_minutes(db, running_simulator) -> TrackedSeries:
    return services.series_track(source="simulator", symbol="btc/usdt", interval="1m")


def test_tracking_names_the_series_as_the_source_does(btc_minutes):
    assert (btc_minutes.source, btc_minutes.symbol, btc_minutes.interval) == ("simulator", "BTC/USDT", "1m")
    assert btc_minutes.calendar == "none"  # crypto: no trading-day calendar, no gap check


def test_a_refresh_stores_the_brokers_candles_in_decimal(btc_minutes):
    result = services.series_refresh(series=btc_minutes)
    rows = _rows(btc_minutes)
    assert result.since is None
    assert result.fetched == result.stored == len(rows) >= 50
    assert all(isinstance(value, Decimal) for row in rows for value in row[1:])
    btc_minutes.refresh_from_db()
    assert btc_minutes.last_refreshed is not None
    assert btc_minutes.last_error == ""


def test_refreshing_twice_keeps_one_row_per_candle(btc_minutes):
    services.series_refresh(series=btc_minutes)
    first = _rows(btc_minutes)
    services.series_refresh(series=btc_minutes)
    second = _rows(btc_minutes)
    assert second[: len(first) - 1] == first[:-1]  # history untouched; the last minute may have moved on
    assert len(second) in (len(first), len(first) + 1)
    assert MarketCandle.objects.filter(source="simulator").count() == len(second)


def test_the_second_refresh_asks_only_from_the_last_stored_candle(btc_minutes):
    first = services.series_refresh(series=btc_minutes)
    last = selectors.last_candle_at(btc_minutes)
    second = services.series_refresh(series=btc_minutes)
    assert second.since == last
    assert second.fetched <= 2  # the last candle again (it may have been partial) and maybe a new one
    assert second.fetched < first.fetched


def test_the_broker_provider_returns_candles_from_since_on(running_simulator):
    provider = provider_for("simulator")
    everything = provider.fetch(symbol="BTC/USDT", interval="1m")
    since = everything[-5].opened_at
    recent = provider.fetch(symbol="BTC/USDT", interval="1m", since=since)
    assert recent[0].opened_at == since
    assert [c.opened_at for c in recent][:5] == [c.opened_at for c in everything[-5:]]


def test_a_provider_error_is_kept_on_the_series(db, running_simulator):
    series = services.series_track(source="simulator", symbol="NOPE/USDT", interval="1m")
    with pytest.raises(BadSymbol) as raised:
        services.series_refresh(series=series)
    series.refresh_from_db()
    assert "NOPE" in series.last_error
    assert series.last_error == raised.value.message


def test_an_unknown_source_has_no_provider():
    with pytest.raises(MarketDataError, match="No market data source 'nosuchbroker'"):
        provider_for("nosuchbroker")


def test_a_yfinance_series_without_yfinance_or_internet_says_why(db):
    series = services.series_track(source="yfinance", symbol="RELIANCE.NS")
    assert series.calendar == "nse"
    # yfinance is optional (its curl_cffi needs a newer cffi than ccxt pins) and CI has no internet.
    with pytest.raises(BrokerError) as raised:
        services.series_refresh(series=series)
    series.refresh_from_db()
    assert series.last_error.startswith("yfinance")
    assert series.last_error == raised.value.message
