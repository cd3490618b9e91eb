"""The ccxt adapter against the running exchange simulator over HTTP: every adapter method, the
shared market and ticker caches, and the wiring of the fleet rate limiter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

import pytest

from brokers import markets
from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.ccxt_adapter import WITHDRAW_WARNING, CcxtAdapter
from brokers.errors import BadSymbol
from brokers.simulator.control import SimulatorControl
from tests.brokers.adapters.conftest import Keys

D = Decimal
R = TypeVar("R")


def test_markets_carry_the_exchanges_precision_exactly(
    adapter: CcxtAdapter, control: SimulatorControl
) -> None:
    loaded = adapter.load_markets()
    published = {m["symbol"]: m for m in control.state()["markets"]}
    assert {m.exchange_symbol for m in loaded.values()} == set(published)
    for market in loaded.values():
        expected = published[market.exchange_symbol]
        assert market.tick_size == D(expected["tick_size"])
        assert market.step_size == D(expected["step_size"])
        assert market.min_qty == D(expected["min_qty"])
        assert market.min_notional == D(expected["min_notional"])
        assert isinstance(market.tick_size, Decimal) and isinstance(market.min_notional, Decimal)


def test_a_market_is_found_by_exchange_id_or_unified_symbol(adapter: CcxtAdapter) -> None:
    btc = adapter.market("BTCUSDT")
    assert (btc.symbol, btc.base, btc.quote, btc.exchange_symbol) == ("BTC/USDT", "BTC", "USDT", "BTCUSDT")
    assert btc.tick_size == D("0.01") and btc.active
    assert adapter.market("btc/usdt") == btc
    with pytest.raises(BadSymbol):
        adapter.market("NOPEUSDT")


def test_ticker_is_the_exchanges_price_in_decimal(adapter: CcxtAdapter, control: SimulatorControl) -> None:
    control.set_price("ETHUSDT", "3123.45")
    ticker = adapter.fetch_ticker("ETHUSDT")
    assert ticker.symbol == "ETH/USDT"
    assert ticker.last == D("3123.45") and isinstance(ticker.last, Decimal)
    assert ticker.bid is not None and ticker.ask is not None and ticker.bid <= ticker.last <= ticker.ask
    assert ticker.timestamp.tzinfo is not None


def test_tickers_for_several_symbols(adapter: CcxtAdapter, control: SimulatorControl) -> None:
    control.set_price("BTCUSDT", "64000.12")
    control.set_price("SOLUSDT", "151.37")
    tickers = adapter.fetch_tickers(["BTCUSDT", "SOL/USDT"])
    assert {s: t.last for s, t in tickers.items()} == {"BTC/USDT": D("64000.12"), "SOL/USDT": D("151.37")}


def test_many_users_watching_a_symbol_cost_one_request_per_tick(
    funded: Callable[..., Keys],
    adapter_for_keys: Callable[[Keys], CcxtAdapter],
    requests_to: Callable[[str], int],
) -> None:
    users = [adapter_for_keys(funded()) for _ in range(5)]
    users[0].load_markets()
    before = requests_to("GET /api/v3/ticker/24hr")
    prices = {user.fetch_ticker("BNBUSDT").last for user in users}
    assert requests_to("GET /api/v3/ticker/24hr") == before + 1
    assert len(prices) == 1


def test_a_price_set_shows_after_a_sub_second_ticker_cache_not_a_whole_second(
    settings, adapter: CcxtAdapter, control: SimulatorControl
) -> None:
    # The cache keeps whole seconds; a 0.2 s ticker cache must still mean 0.2 s (a page that
    # watches a position is priced from it several times a second).
    settings.TICKER_CACHE_SECONDS = 0.2
    control.set_price("ADAUSDT", "0.5000")
    assert adapter.fetch_tickers(["ADAUSDT"])["ADA/USDT"].last == D("0.5000")
    control.set_price("ADAUSDT", "0.6000")
    assert adapter.fetch_tickers(["ADAUSDT"])["ADA/USDT"].last == D("0.5000")  # within the 0.2 s
    assert adapter.fetch_ticker("ADAUSDT").last == D("0.5000")
    time.sleep(0.25)
    assert adapter.fetch_tickers(["ADAUSDT"])["ADA/USDT"].last == D("0.6000")
    control.set_price("ADAUSDT", "0.7000")
    time.sleep(0.25)
    assert adapter.fetch_ticker("ADAUSDT").last == D("0.7000")


def test_candles_are_decimal_and_in_time_order(adapter: CcxtAdapter) -> None:
    candles = adapter.fetch_ohlcv("BTCUSDT", "1m", limit=5)
    assert len(candles) == 5
    assert [c.opened_at for c in candles] == sorted(c.opened_at for c in candles)
    for candle in candles:
        assert candle.low <= min(candle.open, candle.close) <= max(candle.open, candle.close) <= candle.high
        assert isinstance(candle.volume, Decimal) and candle.opened_at.tzinfo is not None
    since = candles[2].opened_at
    assert adapter.fetch_ohlcv("BTCUSDT", "1m", since=since, limit=2)[0].opened_at == since


def test_balances_are_exact_even_beyond_float_precision(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    # 16 significant digits: a float would come back as 12345678.123456780 or worse.
    whale = adapter_for_keys(funded({"USDT": "12345678.12345679", "ETH": "0.00000001"}))
    balances = whale.fetch_balance()
    assert balances["USDT"].free == D("12345678.12345679")
    assert balances["ETH"].total == D("0.00000001")
    assert "BTC" not in balances  # empty assets are left out


def test_check_account_reports_permissions_and_warns_on_withdrawals(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    safe = adapter_for_keys(funded({"USDT": "100"})).check_account()
    assert (safe.can_trade, safe.can_withdraw, safe.warnings) == (True, False, ())
    assert safe.balances["USDT"].free == D("100")

    risky = adapter_for_keys(funded({"USDT": "100"}, can_withdraw=True)).check_account()
    assert risky.can_withdraw is True and risky.warnings == (WITHDRAW_WARNING,)

    read_only = adapter_for_keys(funded({"USDT": "100"}, can_trade=False)).check_account()
    assert read_only.can_trade is False


def test_market_order_fills_with_its_client_order_id(adapter: CcxtAdapter, control: SimulatorControl) -> None:
    control.set_price("BTCUSDT", "60000")
    order = adapter.create_order(
        symbol="BTCUSDT", side=Side.BUY, type=OrderType.MARKET, amount=D("0.002"), client_order_id="tf-mkt-1"
    )
    assert (order.client_order_id, order.symbol, order.side, order.type) == (
        "tf-mkt-1",
        "BTC/USDT",
        Side.BUY,
        OrderType.MARKET,
    )
    assert order.status == OrderStatus.CLOSED and order.is_done
    assert order.amount == order.filled == D("0.002")
    assert order.average == D("60000") and order.price is None
    assert order.fee == D("0.12") and order.fee_asset == "USDT"  # 0.1 % taker fee on 120 USDT

    trades = adapter.fetch_my_trades("BTCUSDT")
    assert [(t.order_id, t.price, t.amount, t.side) for t in trades] == [
        (order.id, D("60000"), D("0.002"), Side.BUY)
    ]
    assert trades[0].cost == D("120") and trades[0].executed_at.tzinfo is not None
    assert adapter.fetch_my_trades("BTCUSDT", since=datetime(2000, 1, 1, tzinfo=UTC), limit=10) == trades


def test_limit_order_lifecycle(adapter: CcxtAdapter, control: SimulatorControl) -> None:
    control.set_price("ETHUSDT", "3000")
    order = adapter.create_order(
        symbol="ETH/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=D("0.5"),
        price=D("2500.01"),
        client_order_id="tf-lim-1",
    )
    assert order.status == OrderStatus.OPEN and order.price == D("2500.01") and order.filled == 0
    assert order.remaining == D("0.5")

    assert adapter.fetch_order(symbol="ETHUSDT", order_id=order.id) == order
    by_client_id = adapter.fetch_order_by_client_id(symbol="ETHUSDT", client_order_id="tf-lim-1")
    assert by_client_id.id == order.id
    assert [o.id for o in adapter.fetch_open_orders("ETHUSDT")] == [order.id]
    assert [o.client_order_id for o in adapter.fetch_open_orders()] == ["tf-lim-1"]
    # The order's cost is locked (the simulator also holds back the fee it may charge).
    assert D("1250.005") <= adapter.fetch_balance()["USDT"].used <= D("1250.005") * D("1.001")

    canceled = adapter.cancel_order(symbol="ETHUSDT", order_id=order.id)
    assert (canceled.id, canceled.client_order_id, canceled.status) == (
        order.id,
        "tf-lim-1",
        OrderStatus.CANCELED,
    )
    assert adapter.fetch_open_orders("ETHUSDT") == []
    assert adapter.fetch_order(symbol="ETHUSDT", order_id=order.id).status == OrderStatus.CANCELED


def test_limit_order_fills_when_the_price_crosses(adapter: CcxtAdapter, control: SimulatorControl) -> None:
    control.set_price("SOLUSDT", "150")
    buy = adapter.create_order(
        symbol="SOLUSDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=D("1"),
        price=D("140"),
        client_order_id="dca-1",
    )
    control.set_price("SOLUSDT", "139.5")
    filled = adapter.fetch_order_by_client_id(symbol="SOLUSDT", client_order_id="dca-1")
    assert filled.id == buy.id and filled.status == OrderStatus.CLOSED and filled.filled == D("1")


# --- shared market metadata ------------------------------------------------------------------------


def test_markets_are_loaded_once_for_all_users_and_processes(
    funded: Callable[..., Keys],
    adapter_for_keys: Callable[[Keys], CcxtAdapter],
    requests_to: Callable[[str], int],
) -> None:
    before = requests_to("GET /api/v3/exchangeInfo")
    first = adapter_for_keys(funded()).load_markets()
    assert requests_to("GET /api/v3/exchangeInfo") == before + 1

    second = adapter_for_keys(funded()).load_markets()
    # Another process has no in-memory copy: it reads the shared cache, not the exchange.
    markets.forget_markets()
    third = CcxtAdapter.public("simulator").load_markets()
    assert requests_to("GET /api/v3/exchangeInfo") == before + 1
    assert first == second == third


def test_markets_are_reloaded_after_the_ttl_or_on_demand(
    settings, adapter: CcxtAdapter, requests_to: Callable[[str], int]
) -> None:
    before = requests_to("GET /api/v3/exchangeInfo")
    adapter.load_markets()
    adapter.load_markets(reload=True)
    assert requests_to("GET /api/v3/exchangeInfo") == before + 2
    settings.MARKETS_CACHE_SECONDS = 0
    adapter.load_markets()
    assert requests_to("GET /api/v3/exchangeInfo") == before + 3


def test_an_exchange_outage_during_a_reload_serves_the_last_markets(
    settings,
    funded: Callable[..., Keys],
    adapter_for_keys: Callable[[Keys], CcxtAdapter],
    control: SimulatorControl,
    requests_to: Callable[[str], int],
) -> None:
    settings.MARKETS_CACHE_SECONDS = 0.2
    first = adapter_for_keys(funded())
    loaded = first.load_markets()
    time.sleep(0.25)  # now stale
    control.set_faults(error_rate=1.0, match=["GET /api/v3/exchangeInfo"])
    before = requests_to("GET /api/v3/exchangeInfo")
    assert first.load_markets() == loaded
    assert requests_to("GET /api/v3/exchangeInfo") == before + 1
    # The failed reload holds the lock for a while: other workers serve the old copy too,
    # instead of asking the failing exchange again.
    markets.forget_markets()
    assert adapter_for_keys(funded()).load_markets() == loaded
    assert requests_to("GET /api/v3/exchangeInfo") == before + 1


def test_cached_markets_are_plain_json(adapter: CcxtAdapter) -> None:
    import json

    from django.core.cache import cache

    adapter.load_markets()
    stored = json.loads(cache.get("markets:v1:simulator:data"))
    assert stored["markets"]["BTC/USDT"]["tick_size"] == "0.01"


def test_an_adapter_trades_right_after_reading_markets_from_the_cache(
    funded: Callable[..., Keys], adapter_for_keys: Callable[[Keys], CcxtAdapter]
) -> None:
    adapter_for_keys(funded()).load_markets()
    markets.forget_markets()
    trader = adapter_for_keys(funded({"USDT": "1000"}))
    order = trader.create_order(
        symbol="BNBUSDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=D("0.1"),
        price=D("100"),
        client_order_id="c1",
    )
    assert order.status == OrderStatus.OPEN


# --- the fleet rate limiter is in charge of every request -------------------------------------------


def test_every_request_passes_the_shared_limiter_with_ccxts_endpoint_cost(
    adapter: CcxtAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    costs: list[float] = []
    throttle = adapter.exchange.tf_throttle
    real_wait = throttle.wait
    monkeypatch.setattr(throttle, "wait", lambda cost=1.0: costs.append(cost) or real_wait(cost))
    adapter.load_markets()  # exchangeInfo
    adapter.fetch_balance()  # account
    assert costs == [4, 4]  # binance weighs both 20 of 6000/min: 4 units of ccxt's 50 ms
    assert throttle.rate == pytest.approx(20.0)  # ccxt's binance rateLimit: 50 ms per unit


# --- many workers at the same moment -----------------------------------------------------------------


def _at_once(adapters: list[CcxtAdapter], call: Callable[[CcxtAdapter], R]) -> list[R]:
    """Run `call` on every adapter in its own thread (as workers would), released together."""
    barrier = threading.Barrier(len(adapters))
    results: dict[int, R] = {}

    def run(i: int) -> None:
        barrier.wait()
        results[i] = call(adapters[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(adapters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return [results[i] for i in range(len(adapters))]


def test_workers_missing_the_markets_together_load_them_once(
    funded: Callable[..., Keys],
    adapter_for_keys: Callable[[Keys], CcxtAdapter],
    requests_to: Callable[[str], int],
) -> None:
    workers = [adapter_for_keys(funded()) for _ in range(6)]
    before = requests_to("GET /api/v3/exchangeInfo")
    loaded = _at_once(workers, lambda a: a.load_markets())
    assert requests_to("GET /api/v3/exchangeInfo") == before + 1
    assert all(m == loaded[0] for m in loaded)


def test_workers_missing_a_ticker_together_fetch_it_once(
    funded: Callable[..., Keys],
    adapter_for_keys: Callable[[Keys], CcxtAdapter],
    requests_to: Callable[[str], int],
) -> None:
    workers = [adapter_for_keys(funded()) for _ in range(6)]
    for worker in workers:
        worker.load_markets()
    before = requests_to("GET /api/v3/ticker/24hr")
    tickers = _at_once(workers, lambda a: a.fetch_ticker("XRPUSDT"))
    assert requests_to("GET /api/v3/ticker/24hr") == before + 1
    assert len({t.last for t in tickers}) == 1
