"""Markets, tickers and candles: what the market-data side and paper equities read, with the
public consumer key only (no account), and the same through an account's adapter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from brokers.adapters.kotak import KotakNeoAdapter
from brokers.errors import AuthenticationFailed, BadSymbol, BrokerError
from brokers.nse_calendar import IST, NSECalendar

from .conftest import EXCHANGE, PUBLIC_KEY, Sim


def test_markets_come_from_the_scrip_master(public: KotakNeoAdapter) -> None:
    markets = public.load_markets()

    assert len(markets) >= 20
    reliance = markets["RELIANCE"]
    assert reliance.exchange_symbol == "RELIANCE-EQ"
    assert (reliance.base, reliance.quote) == ("RELIANCE", "INR")
    assert reliance.tick_size == Decimal("0.1")  # 10.000000 paise in the master
    assert (reliance.step_size, reliance.min_qty, reliance.min_notional) == (
        Decimal(1),
        Decimal(1),
        Decimal(0),
    )
    assert markets["ITC"].tick_size == Decimal("0.05")


def test_a_stock_is_found_however_the_trader_writes_it(public: KotakNeoAdapter) -> None:
    assert public.market("reliance-eq").symbol == "RELIANCE"
    assert public.market(" Infy ").symbol == "INFY"
    with pytest.raises(BadSymbol):
        public.market("NOSUCHSTOCK")


def test_ticker_shows_the_price_the_admin_set(sim: Sim, public: KotakNeoAdapter) -> None:
    sim.set_price("RELIANCE", "1512.30")

    ticker = public.fetch_ticker("RELIANCE")

    assert ticker.symbol == "RELIANCE"
    assert ticker.last == Decimal("1512.30")
    assert isinstance(ticker.last, Decimal)
    assert ticker.bid is not None and ticker.ask is not None
    assert ticker.bid <= ticker.last <= ticker.ask


def test_tickers_for_several_stocks_in_one_call(sim: Sim, public: KotakNeoAdapter) -> None:
    sim.set_price("TCS", "3400.10")
    sim.set_price("SBIN", "850.05")

    tickers = public.fetch_tickers(["TCS", "SBIN-EQ"])

    assert {s: t.last for s, t in tickers.items()} == {"TCS": Decimal("3400.10"), "SBIN": Decimal("850.05")}


def test_daily_candles_fall_on_nse_trading_days_only(sim: Sim, public: KotakNeoAdapter) -> None:
    candles = public.fetch_ohlcv("INFY", "1d", limit=60)

    assert len(candles) == 60
    calendar = NSECalendar()
    days = [c.opened_at.astimezone(IST).date() for c in candles]
    assert all(calendar.is_trading_day(day) for day in days)
    assert days == sorted(days) and days[-1] < sim.now().astimezone(IST).date()
    assert all(isinstance(c.close, Decimal) and c.low <= c.close <= c.high for c in candles)


def test_more_daily_candles_than_a_year_holds(start_sim: Callable[..., Sim]) -> None:
    sim = start_sim(history_days=800)
    adapter = KotakNeoAdapter.public(
        login_base_url=sim.url,
        consumer_key=PUBLIC_KEY,
        exchange_id=EXCHANGE,
        candles_url=f"{sim.url}/_sim/candles",
        clock=sim.now,
    )

    candles = adapter.fetch_ohlcv("RELIANCE", "1d", limit=400)

    assert len(candles) == 400
    adapter.close()


def test_daily_candles_since_a_day(sim: Sim, public: KotakNeoAdapter) -> None:
    since = sim.now() - timedelta(days=14)

    candles = public.fetch_ohlcv("TCS", "1d", since=since)

    assert candles and all(c.opened_at >= since for c in candles)
    assert len(candles) <= 10  # two weeks hold at most ten sessions


def test_without_the_simulators_candles_kotak_has_no_history(sim: Sim) -> None:
    adapter = KotakNeoAdapter.public(login_base_url=sim.url, consumer_key="any", exchange_id="kotak_neo")

    with pytest.raises(BrokerError, match="Kotak Neo has no candle history"):
        adapter.fetch_ohlcv("RELIANCE", "1d")


def test_the_public_adapter_has_no_account(public: KotakNeoAdapter) -> None:
    with pytest.raises(AuthenticationFailed, match="market data only"):
        public.fetch_funds()
    with pytest.raises(AuthenticationFailed):
        public.fetch_holdings()


def test_an_unknown_consumer_key_is_refused_for_market_data(sim: Sim) -> None:
    adapter = KotakNeoAdapter.public(login_base_url=sim.url, consumer_key="not-a-key", exchange_id=EXCHANGE)

    with pytest.raises(AuthenticationFailed, match="refused the consumer key"):
        adapter.load_markets()


def test_an_account_adapter_reads_markets_and_tickers_too(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.set_price("WIPRO", "250.15")

    assert adapter.load_markets()["WIPRO"].exchange_symbol == "WIPRO-EQ"
    assert adapter.fetch_ticker("WIPRO").last == Decimal("250.15")


def test_intraday_candles_of_the_running_session(sim: Sim, public: KotakNeoAdapter) -> None:
    public.fetch_ticker("LT")  # the market steps as the clock moves and requests come in
    sim.advance(timedelta(minutes=30))
    public.fetch_ticker("LT")

    candles = public.fetch_ohlcv("LT", "5m")

    today = sim.now().astimezone(IST).date()
    assert candles
    assert all(c.opened_at.astimezone(IST).date() == today for c in candles)
    assert all(c.opened_at.minute % 5 == 0 and c.opened_at.second == 0 for c in candles)
    assert candles[-1].opened_at <= sim.now()


def test_candles_come_only_in_the_intervals_kotak_has(public: KotakNeoAdapter) -> None:
    with pytest.raises(BrokerError, match="1d, 5m and 1m"):
        public.fetch_ohlcv("LT", "4h")
