"""Balances, orders and fills through ccxt, as the ccxt adapter will use them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import ccxt
import pytest

from brokers.simulator import SimulatorControl

from .conftest import d


@pytest.fixture
def btc_at_50000(control: SimulatorControl) -> None:
    control.set_price("BTCUSDT", "50000")


def test_balance_shows_the_funded_account(exchange):
    balance = exchange.fetch_balance()

    assert d(balance["USDT"]["free"]) == Decimal(10000)
    assert d(balance["BTC"]["total"]) == Decimal(1)
    assert d(balance["ETH"]["total"]) == 0  # every listed asset appears, as on Binance


@pytest.mark.usefixtures("btc_at_50000")
def test_market_buy_fills_at_the_current_price_with_the_fee_in_quote(exchange):
    order = exchange.create_order("BTC/USDT", "market", "buy", 0.01, params={"clientOrderId": "m-1"})

    assert (order["status"], order["clientOrderId"], d(order["filled"])) == ("closed", "m-1", Decimal("0.01"))
    assert d(order["average"]) == Decimal(50000)
    assert d(order["cost"]) == Decimal(500)
    assert order["fee"] == {"currency": "USDT", "cost": 0.5}
    balance = exchange.fetch_balance()
    assert d(balance["USDT"]["free"]) == Decimal("9499.5")
    assert d(balance["BTC"]["free"]) == Decimal("1.01")


@pytest.mark.usefixtures("btc_at_50000")
def test_market_order_by_cost_spends_at_most_that_much_quote(exchange):
    order = exchange.create_market_buy_order_with_cost("BTC/USDT", 100)

    assert order["status"] == "closed"
    assert d(order["filled"]) == Decimal("0.00199")  # 100 / (50000 * 1.001), floored to the step
    assert d(exchange.fetch_balance()["USDT"]["free"]) >= Decimal(9900)


@pytest.mark.usefixtures("btc_at_50000")
def test_limit_order_rests_with_funds_locked_then_fills_when_the_price_crosses(exchange, control):
    order = exchange.create_order("BTC/USDT", "limit", "buy", 0.01, 49000, params={"clientOrderId": "l-1"})
    assert order["status"] == "open"
    assert d(exchange.fetch_balance()["USDT"]["used"]) == Decimal("490.49")  # 490 + the fee

    control.set_price("BTCUSDT", "48999.99")

    filled = exchange.fetch_order(order["id"], "BTC/USDT")
    assert (filled["status"], d(filled["filled"]), d(filled["average"])) == (
        "closed",
        Decimal("0.01"),
        Decimal(49000),
    )
    balance = exchange.fetch_balance()
    assert d(balance["USDT"]["used"]) == 0
    assert d(balance["USDT"]["free"]) == Decimal("9509.51")  # 10000 - 490 - 0.49
    trade = exchange.fetch_my_trades("BTC/USDT")[-1]
    assert (trade["order"], trade["takerOrMaker"], trade["side"]) == (order["id"], "maker", "buy")


@pytest.mark.usefixtures("btc_at_50000")
def test_a_liquidity_cap_fills_a_resting_order_in_parts(exchange, control):
    control.configure_engine(liquidity_per_tick="1000")  # USDT per symbol, side and price update
    order = exchange.create_order("BTC/USDT", "limit", "buy", 0.05, 40000)

    control.set_price("BTCUSDT", "39000")
    partial = exchange.fetch_order(order["id"], "BTC/USDT")
    assert (partial["status"], d(partial["filled"]), d(partial["remaining"])) == (
        "open",
        Decimal("0.025"),
        Decimal("0.025"),
    )
    assert partial["info"]["status"] == "PARTIALLY_FILLED"
    assert [o["id"] for o in exchange.fetch_open_orders("BTC/USDT")] == [order["id"]]

    control.tick(1)
    control.set_price("BTCUSDT", "39000")  # the tick may have moved the price back above 40000
    assert exchange.fetch_order(order["id"], "BTC/USDT")["status"] == "closed"
    assert len(exchange.fetch_my_trades("BTC/USDT")) in (2, 3)


@pytest.mark.usefixtures("btc_at_50000")
def test_a_market_order_beyond_the_cap_fills_partly_and_expires(exchange, control):
    control.configure_engine(liquidity_per_tick="1000")

    order = exchange.create_order("BTC/USDT", "market", "buy", 0.05)

    assert (order["status"], d(order["filled"])) == ("expired", Decimal("0.02"))
    assert order["info"]["status"] == "EXPIRED"


@pytest.mark.usefixtures("btc_at_50000")
def test_fetch_order_by_client_order_id(exchange):
    created = exchange.create_order(
        "BTC/USDT", "limit", "sell", 0.1, 51000, params={"clientOrderId": "grid-7"}
    )

    found = exchange.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "grid-7"})

    assert (found["id"], found["clientOrderId"], found["status"]) == (created["id"], "grid-7", "open")
    assert d(found["price"]) == Decimal(51000) and d(found["amount"]) == Decimal("0.1")


@pytest.mark.usefixtures("btc_at_50000")
def test_cancel_releases_the_locked_funds(exchange):
    order = exchange.create_order("BTC/USDT", "limit", "sell", 0.4, 55000, params={"clientOrderId": "s-1"})
    assert d(exchange.fetch_balance()["BTC"]["used"]) == Decimal("0.4")

    canceled = exchange.cancel_order(order["id"], "BTC/USDT")

    assert canceled["status"] == "canceled"
    # Binance answers a cancel with the cancel's own client id; the order's is origClientOrderId.
    assert canceled["info"]["origClientOrderId"] == "s-1"
    balance = exchange.fetch_balance()
    assert (d(balance["BTC"]["used"]), d(balance["BTC"]["free"])) == (0, Decimal(1))
    assert exchange.fetch_open_orders("BTC/USDT") == []
    assert exchange.fetch_order(order["id"], "BTC/USDT")["status"] == "canceled"


@pytest.mark.usefixtures("btc_at_50000")
def test_open_orders_lists_only_open_orders_of_any_symbol(exchange, control):
    control.set_price("ETHUSDT", "3000")
    btc = exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 45000)
    eth = exchange.create_order("ETH/USDT", "limit", "buy", 0.1, 2500)
    exchange.create_order("BTC/USDT", "market", "buy", 0.001)

    assert [o["id"] for o in exchange.fetch_open_orders()] == [btc["id"], eth["id"]]
    assert [o["id"] for o in exchange.fetch_open_orders("ETH/USDT")] == [eth["id"]]
    assert len(exchange.fetch_closed_orders("BTC/USDT")) == 1


@pytest.mark.usefixtures("btc_at_50000")
def test_a_client_order_id_is_unique_among_open_orders_only(exchange):
    first = exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 40000, params={"clientOrderId": "dup"})

    with pytest.raises(ccxt.InvalidOrder, match="Duplicate order sent"):
        exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 41000, params={"clientOrderId": "dup"})

    exchange.cancel_order(first["id"], "BTC/USDT")
    second = exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 41000, params={"clientOrderId": "dup"})
    assert exchange.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "dup"})["id"] == second["id"]


@pytest.mark.usefixtures("btc_at_50000")
def test_filter_failures_are_refused(exchange):
    with pytest.raises(ccxt.InvalidOrder, match="PRICE_FILTER"):  # ccxt rounds to the tick; force a bad one
        exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 50000, params={"price": "50000.005"})
    with pytest.raises(ccxt.InvalidOrder, match="PRICE_FILTER"):
        exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 2_000_000)
    with pytest.raises(ccxt.InvalidOrder, match="LOT_SIZE"):
        exchange.create_order("BTC/USDT", "limit", "buy", 10_000, 1000)
    # Binance's NOTIONAL failure is -1013, which ccxt maps to BadRequest (not InvalidOrder):
    # the same answer the real exchange gives, so the adapter must translate it itself.
    with pytest.raises(ccxt.BadRequest, match="Filter failure: NOTIONAL"):
        exchange.create_order("BTC/USDT", "limit", "buy", 0.00001, 40000)
    assert exchange.fetch_open_orders("BTC/USDT") == []


@pytest.mark.usefixtures("btc_at_50000")
def test_insufficient_balance_is_refused_without_an_order(exchange):
    with pytest.raises(ccxt.InsufficientFunds):
        exchange.create_order("BTC/USDT", "limit", "buy", 1, 40000)
    with pytest.raises(ccxt.InsufficientFunds):
        exchange.create_order("BTC/USDT", "market", "sell", 2)
    assert exchange.fetch_closed_orders("BTC/USDT") == []


def test_unknown_orders_are_not_found(exchange):
    with pytest.raises(ccxt.OrderNotFound, match="-2013"):
        exchange.fetch_order("424242", "BTC/USDT")
    with pytest.raises(ccxt.OrderNotFound, match="-2011"):
        exchange.cancel_order("424242", "BTC/USDT")
    with pytest.raises(ccxt.OrderNotFound):
        exchange.fetch_order(None, "BTC/USDT", params={"origClientOrderId": "never-sent"})


@pytest.mark.usefixtures("btc_at_50000")
def test_post_only_that_would_take_is_refused_and_ioc_expires(exchange):
    with pytest.raises(ccxt.OrderImmediatelyFillable):
        exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 50001, params={"postOnly": True})

    ioc = exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 49000, params={"timeInForce": "IOC"})

    assert (ioc["status"], d(ioc["filled"])) == ("expired", 0)
    assert d(exchange.fetch_balance()["USDT"]["used"]) == 0


@pytest.mark.usefixtures("btc_at_50000")
def test_concurrent_clients_keep_the_books_balanced(exchange_for):
    def buy_and_sell(n: int) -> None:
        client = exchange_for()
        client.load_markets()
        client.create_order("BTC/USDT", "market", "buy", 0.001, params={"clientOrderId": f"b{n}"})
        client.create_order("BTC/USDT", "market", "sell", 0.001, params={"clientOrderId": f"s{n}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(buy_and_sell, range(16)))

    exchange = exchange_for()
    balance = exchange.fetch_balance()
    assert d(balance["BTC"]["total"]) == Decimal(1)
    assert d(balance["USDT"]["total"]) == Decimal(10000) - 32 * Decimal("0.05")  # 0.1 % of 50 USDT each
    assert len(exchange.fetch_my_trades("BTC/USDT")) == 32
