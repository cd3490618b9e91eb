"""Public market data through ccxt's binance class, pointed at the simulator."""

from __future__ import annotations

import itertools
from decimal import Decimal

import ccxt
import pytest

from brokers.simulator import CRYPTO_MARKETS, SimulatorControl, SimulatorServer

from .conftest import d


def test_load_markets_lists_the_spot_markets_with_the_tables_filters(exchange, simulator: SimulatorServer):
    markets = exchange.load_markets()

    assert len(markets) >= 10
    for spec in CRYPTO_MARKETS:
        market = markets[f"{spec.base}/USDT"]
        assert market["spot"] and market["active"]
        assert d(market["precision"]["price"]) == spec.tick_size
        assert d(market["precision"]["amount"]) == spec.step_size
        assert d(market["limits"]["amount"]["min"]) == spec.min_qty
        assert d(market["limits"]["cost"]["min"]) == Decimal(5)
    btc = markets["BTC/USDT"]
    assert (d(btc["precision"]["price"]), d(btc["precision"]["amount"])) == (
        Decimal("0.01"),
        Decimal("0.00001"),
    )
    # Only spot exchangeInfo: no futures, margin or currency endpoints.
    assert simulator.app.counters()["by_endpoint"] == {"GET /api/v3/exchangeInfo": 1}


def test_ticker_shows_the_price_that_was_set(exchange, control: SimulatorControl):
    control.set_price("BTC/USDT", "64123.45")

    ticker = exchange.fetch_ticker("BTC/USDT")

    assert d(ticker["last"]) == Decimal("64123.45")
    assert d(ticker["bid"]) == d(ticker["ask"]) == Decimal("64123.45")
    assert ticker["info"]["lastPrice"] == "64123.45000000"
    assert ticker["high"] >= ticker["last"] >= ticker["low"]


def test_a_spread_puts_the_ask_above_the_bid(exchange, control: SimulatorControl):
    control.configure_engine(spread_bps="10")
    control.set_price("ETHUSDT", "3000")

    ticker = exchange.fetch_ticker("ETH/USDT")

    assert d(ticker["bid"]) == Decimal("2998.50")
    assert d(ticker["ask"]) == Decimal("3001.50")


def test_fetch_tickers_for_all_markets_or_some(exchange):
    assert len(exchange.fetch_tickers()) >= 10
    assert set(exchange.fetch_tickers(["BTC/USDT", "ETH/USDT"])) == {"BTC/USDT", "ETH/USDT"}
    assert set(exchange.fetch_last_prices(["BTC/USDT"])) == {"BTC/USDT"}
    assert exchange.fetch_bids_asks(["SOL/USDT"])["SOL/USDT"]["bid"] > 0


def test_ohlcv_has_history_ending_at_the_current_price(exchange, control: SimulatorControl):
    control.set_price("BTCUSDT", "66000")

    candles = exchange.fetch_ohlcv("BTC/USDT", "1m", limit=10)

    assert len(candles) == 10
    assert [b[0] - a[0] for a, b in itertools.pairwise(candles)] == [60_000] * 9
    assert all(high >= max(o, c) and low <= min(o, c) for _, o, high, low, c, _ in candles)
    assert d(candles[-1][4]) == Decimal("66000")


def test_ohlcv_since_starts_at_the_first_candle_opening_after_it(exchange):
    since = exchange.milliseconds() - 30 * 60_000

    candles = exchange.fetch_ohlcv("BTC/USDT", "5m", since=since, limit=3)

    assert len(candles) == 3
    assert since <= candles[0][0] < since + 5 * 60_000


def test_ohlcv_aggregates_into_longer_intervals(exchange):
    hourly = exchange.fetch_ohlcv("ETH/USDT", "1h", limit=5)
    assert 1 <= len(hourly) <= 2  # an hour of history spans one or two clock hours
    assert all(candle[0] % 3_600_000 == 0 for candle in hourly)
    with pytest.raises(ccxt.BadRequest):
        exchange.fetch_ohlcv("ETH/USDT", "2m")  # ccxt passes it on; Binance has no such interval


def test_order_book_sits_around_the_price(exchange, control: SimulatorControl):
    control.set_price("BTCUSDT", "60000")

    book = exchange.fetch_order_book("BTC/USDT", 5)

    assert len(book["bids"]) == len(book["asks"]) == 5
    assert d(book["bids"][0][0]) == d(book["asks"][0][0]) == Decimal("60000")
    assert book["bids"][-1][0] < book["bids"][0][0] and book["asks"][-1][0] > book["asks"][0][0]


def test_server_time_is_now(exchange):
    import time

    assert abs(exchange.fetch_time() - time.time() * 1000) < 5000


def test_unknown_paths_answer_binance_style_404(exchange, simulator: SimulatorServer):
    with pytest.raises(ccxt.ExchangeError, match="-1099"):
        exchange.fetch(f"{simulator.base_url}/api/v3/nothingHere")
