"""The paper adapter trades like an exchange: fills, fees, slippage, resting orders, rules.

Prices (conftest): BTC/USDT bid 49,990 / ask 50,000; fee 0.1 %; slippage 10 bps; 10,000 USDT.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.paper import PaperAdapter
from brokers.errors import BadSymbol, InsufficientFunds, InvalidOrder
from brokers.models import PaperBalance, PaperOrder
from brokers.paper_engine import match_all_resting, match_resting_orders, resting_symbols_by_price_source
from brokers.services_paper import paper_account_fund

D = Decimal
BUY, SELL, MARKET, LIMIT = Side.BUY, Side.SELL, OrderType.MARKET, OrderType.LIMIT


def balances(paper: PaperAdapter) -> dict[str, tuple[Decimal, Decimal]]:
    return {asset: (b.free, b.used) for asset, b in paper.fetch_balance().items()}


def test_a_market_buy_fills_at_the_ask_worsened_by_the_slippage_and_pays_the_fee_in_quote(paper):
    order = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.01"), client_order_id="b1"
    )

    # 50,000 ask + 10 bps = 50,050; cost 500.50; fee 0.1 % = 0.5005 USDT.
    assert order.status == OrderStatus.CLOSED
    assert (order.filled, order.average, order.price) == (D("0.01"), D("50050"), None)
    assert (order.fee, order.fee_asset) == (D("0.5005"), "USDT")
    assert balances(paper) == {"BTC": (D("0.01"), 0), "USDT": (D("9498.9995"), 0)}
    [trade] = paper.fetch_my_trades("BTC/USDT")
    assert (trade.order_id, trade.side, trade.price, trade.amount, trade.fee) == (
        order.id,
        BUY,
        D("50050"),
        D("0.01"),
        D("0.5005"),
    )


def test_a_market_sell_fills_at_the_bid_worsened_by_the_slippage(paper):
    paper.create_order(symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.01"), client_order_id="b1")
    order = paper.create_order(
        symbol="BTCUSDT", side=SELL, type=MARKET, amount=D("0.01"), client_order_id="s1"
    )

    # 49,990 bid - 10 bps = 49,940.01; proceeds 499.4001 less the fee 0.4994001.
    assert (order.status, order.average, order.fee) == (OrderStatus.CLOSED, D("49940.01"), D("0.4994001"))
    assert order.symbol == "BTC/USDT"
    assert balances(paper) == {"BTC": (0, 0), "USDT": (D("9498.9995") + D("498.9006999"), 0)}


def test_a_buy_then_a_sell_at_the_same_price_loses_exactly_the_fees(open_paper_account, trader, prices):
    paper = PaperAdapter(open_paper_account(trader, slippage_bps=D(0)).config, prices)
    prices.set_price("BTC/USDT", bid="50000.00", ask="50000.00")
    buy = paper.create_order(symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.1"), client_order_id="b")
    sell = paper.create_order(symbol="BTC/USDT", side=SELL, type=MARKET, amount=D("0.1"), client_order_id="s")

    assert buy.fee == sell.fee == D("5")
    assert balances(paper)["USDT"] == (D("10000") - buy.fee - sell.fee, 0)


def test_a_limit_buy_below_the_market_rests_with_cost_and_fee_locked(paper):
    order = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.01"), price=D("49000"), client_order_id="l1"
    )

    assert (order.status, order.filled, order.price) == (OrderStatus.OPEN, 0, D("49000"))
    assert balances(paper)["USDT"] == (D("9509.51"), D("490.49"))  # 490 + 0.49 fee
    assert [o.id for o in paper.fetch_open_orders("BTC/USDT")] == [order.id]


def test_a_resting_limit_buy_fills_at_its_price_as_maker_once_the_ask_reaches_it(
    open_paper_account, trader, prices
):
    paper = PaperAdapter(open_paper_account(trader, maker_fee_rate=D("0.0005")).config, prices)
    order = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.01"), price=D("49000"), client_order_id="l1"
    )
    prices.set_price("BTC/USDT", bid="48990.00", ask="49000.01")
    assert paper.fetch_order(symbol="BTC/USDT", order_id=order.id).status == OrderStatus.OPEN

    prices.set_price("BTC/USDT", bid="48000.00", ask="48001.00")  # gapped through the limit
    filled = paper.fetch_order(symbol="BTC/USDT", order_id=order.id)

    assert (filled.status, filled.average, filled.fee) == (OrderStatus.CLOSED, D("49000"), D("0.245"))
    # The reservation (at the higher taker rate) is released; only cost + maker fee is spent.
    assert balances(paper) == {"BTC": (D("0.01"), 0), "USDT": (D("9509.755"), 0)}
    assert paper.fetch_open_orders() == []


def test_a_resting_limit_sell_fills_when_the_bid_reaches_it(open_paper_account, trader, prices):
    paper = PaperAdapter(open_paper_account(trader, balances={"BTC": D("0.5")}).config, prices)
    order = paper.create_order(
        symbol="BTC/USDT", side=SELL, type=LIMIT, amount=D("0.2"), price=D("51000"), client_order_id="tp"
    )
    assert balances(paper) == {"BTC": (D("0.3"), D("0.2")), "USDT": (0, 0)}

    prices.set_price("BTC/USDT", bid="51000.00", ask="51000.50")
    [trade] = paper.fetch_my_trades("BTC/USDT")

    assert (trade.order_id, trade.price, trade.fee, trade.fee_asset) == (
        order.id,
        D("51000"),
        D("10.2"),
        "USDT",
    )
    assert balances(paper) == {"BTC": (D("0.3"), 0), "USDT": (D("10189.8"), 0)}


def test_the_monitor_fills_only_the_orders_the_prices_cross(paper, account, prices):
    low = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.01"), price=D("45000"), client_order_id="low"
    )
    high = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.01"), price=D("48000"), client_order_id="high"
    )
    prices.set_price("BTC/USDT", bid="47000.00", ask="47990.00")

    filled = match_resting_orders(account, {"BTC/USDT": prices.fetch_ticker("BTC/USDT")})

    assert [o.id for o in filled] == [high.id]
    assert [o.id for o in paper.fetch_open_orders()] == [low.id]


@pytest.mark.parametrize(
    ("limit", "fill"),
    [
        (D("50100"), D("50050")),  # better than the limit: ask + slippage
        (D("50020"), D("50020")),  # slippage would exceed the limit: filled at the limit
    ],
)
def test_a_marketable_limit_buy_fills_at_once_at_its_limit_or_better(paper, limit, fill):
    order = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.01"), price=limit, client_order_id="m"
    )

    assert (order.status, order.average, order.price) == (OrderStatus.CLOSED, fill, limit)
    assert balances(paper)["USDT"] == (D("10000") - fill * D("0.01") * D("1.001"), 0)


def test_an_order_beyond_the_free_balance_is_refused_and_changes_nothing(paper):
    with pytest.raises(InsufficientFunds, match=r"needs 10020\.01 USDT, 10000 free"):
        paper.create_order(symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.2"), client_order_id="big")

    assert balances(paper) == {"USDT": (D("10000"), 0)}
    assert not PaperOrder.objects.exists()


def test_selling_what_the_account_does_not_hold_is_refused(paper):
    with pytest.raises(InsufficientFunds, match="BTC"):
        paper.create_order(symbol="BTC/USDT", side=SELL, type=MARKET, amount=D("0.01"), client_order_id="s")


def test_locked_funds_cannot_be_spent_twice(paper):
    paper.create_order(
        symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.15"), price=D("40000"), client_order_id="a"
    )
    with pytest.raises(InsufficientFunds):
        paper.create_order(
            symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.1"), price=D("40000"), client_order_id="b"
        )


@pytest.mark.parametrize(
    ("amount", "price", "rule"),
    [
        (D("0.01"), D("49000.005"), "not a multiple of the tick size 0.01"),
        (D("0.010005"), D("49000"), "not a multiple of the step size 0.00001"),
        (D("0.0001"), D("49000"), "below the minimum notional 5"),
        (D("0.000001"), D("49000"), "below the minimum 0.00001"),
        (D("9001"), D("49000"), "above the maximum 9000"),
        (D("0.01"), D("0"), "price must be positive"),
    ],
)
def test_an_order_breaking_a_market_rule_is_refused_naming_the_rule(paper, amount, price, rule):
    with pytest.raises(InvalidOrder, match=rule):
        paper.create_order(
            symbol="BTC/USDT", side=BUY, type=LIMIT, amount=amount, price=price, client_order_id="x"
        )
    assert balances(paper) == {"USDT": (D("10000"), 0)}


def test_a_market_order_below_the_minimum_notional_is_refused(paper):
    with pytest.raises(InvalidOrder, match="minimum notional"):
        paper.create_order(symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.00001"), client_order_id="x")


def test_a_limit_order_without_a_price_and_an_unknown_symbol_are_refused(paper):
    with pytest.raises(InvalidOrder, match="needs a price"):
        paper.create_order(symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.01"), client_order_id="x")
    with pytest.raises(BadSymbol):
        paper.create_order(symbol="DOGE/USDT", side=BUY, type=MARKET, amount=D("1"), client_order_id="y")


def test_fees_are_charged_in_the_quote_of_a_cross_market(open_paper_account, trader, prices):
    paper = PaperAdapter(open_paper_account(trader, balances={"BTC": D("1")}, slippage_bps=0).config, prices)
    prices.set_price("ETH/BTC", bid="0.05000", ask="0.05001")
    order = paper.create_order(symbol="ETH/BTC", side=BUY, type=MARKET, amount=D("2"), client_order_id="x")

    assert (order.fee, order.fee_asset) == (D("0.00010002"), "BTC")
    assert balances(paper) == {"BTC": (D("1") - D("0.10002") - D("0.00010002"), 0), "ETH": (D("2"), 0)}


def test_funding_adds_to_the_free_balance(paper, account):
    paper_account_fund(account=account, asset="btc", amount=D("0.25"))
    assert balances(paper)["BTC"] == (D("0.25"), 0)
    assert PaperBalance.objects.get(account=account, asset="BTC").free == D("0.25")


def test_one_monitor_tick_fills_every_account_pricing_from_that_source(
    trader, other_trader, open_paper_account, prices
):
    ours = PaperAdapter(open_paper_account(trader).config, prices)
    theirs = PaperAdapter(open_paper_account(other_trader).config, prices)
    elsewhere_config = open_paper_account(other_trader, label="kraken").config
    elsewhere_config.price_source = "kraken"
    elsewhere_config.save()
    elsewhere = PaperAdapter(elsewhere_config, prices)
    for paper in (ours, theirs, elsewhere):
        paper.create_order(
            symbol="BTC/USDT", side=BUY, type=LIMIT, amount=D("0.01"), price=D("48000"), client_order_id="dip"
        )
    assert resting_symbols_by_price_source() == {"simulator": {"BTC/USDT"}, "kraken": {"BTC/USDT"}}

    prices.set_price("BTC/USDT", bid="47900.00", ask="47950.00")
    filled = match_all_resting(
        price_source="simulator", tickers={"BTC/USDT": prices.fetch_ticker("BTC/USDT")}
    )

    assert len(filled) == 2
    assert PaperOrder.objects.filter(status="open").get().account.config == elsewhere_config


def test_an_unknown_side_is_an_invalid_order(paper):
    with pytest.raises(InvalidOrder, match="unknown order side"):
        paper.create_order(
            symbol="BTC/USDT", side="short", type=MARKET, amount=D("0.01"), client_order_id="x"
        )
