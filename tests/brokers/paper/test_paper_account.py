"""Cancels, client order ids, tenancy and the account calls of the paper adapter."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from auditlog.models import AuditLog
from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.paper import PaperAdapter
from brokers.errors import ExchangeUnavailable, OrderNotFound
from brokers.models import ExchangeConfig, PaperAccount, PaperOrder, PaperTrade
from brokers.services_paper import paper_account_create, paper_account_fund

D = Decimal
BUY, SELL, MARKET, LIMIT = Side.BUY, Side.SELL, OrderType.MARKET, OrderType.LIMIT


def rest(paper: PaperAdapter, client_order_id: str = "leg-1", price: str = "49000"):
    return paper.create_order(
        symbol="BTC/USDT",
        side=BUY,
        type=LIMIT,
        amount=D("0.01"),
        price=D(price),
        client_order_id=client_order_id,
    )


def usdt(paper: PaperAdapter) -> tuple[Decimal, Decimal]:
    balance = paper.fetch_balance()["USDT"]
    return balance.free, balance.used


def test_cancel_releases_exactly_what_the_order_locked(paper):
    order = rest(paper)
    assert usdt(paper) == (D("9509.51"), D("490.49"))

    canceled = paper.cancel_order(symbol="BTC/USDT", order_id=order.id)

    assert (canceled.status, canceled.filled) == (OrderStatus.CANCELED, 0)
    assert usdt(paper) == (D("10000"), 0)
    assert paper.fetch_open_orders() == []


def test_cancel_of_a_done_order_changes_nothing_and_says_what_happened(paper, prices):
    canceled = paper.cancel_order(symbol="BTC/USDT", order_id=rest(paper, "a").id)
    assert paper.cancel_order(symbol="BTC/USDT", order_id=canceled.id).status == OrderStatus.CANCELED
    filled = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.01"), client_order_id="m"
    )

    assert paper.cancel_order(symbol="BTC/USDT", order_id=filled.id).status == OrderStatus.CLOSED
    assert usdt(paper) == (D("9498.9995"), 0)


def test_an_order_the_market_crossed_fills_before_a_late_cancel(paper, prices):
    order = rest(paper)
    prices.set_price("BTC/USDT", bid="48900.00", ask="48950.00")

    assert paper.cancel_order(symbol="BTC/USDT", order_id=order.id).status == OrderStatus.CLOSED


def test_the_same_client_order_id_returns_the_open_order_instead_of_a_second_one(paper):
    first, again = rest(paper), rest(paper, price="48000")

    assert again == first
    assert PaperOrder.objects.count() == 1
    assert usdt(paper) == (D("9509.51"), D("490.49"))  # locked once


def test_a_retried_market_order_fills_once(paper):
    first = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.01"), client_order_id="m"
    )
    again = paper.create_order(
        symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.01"), client_order_id="m"
    )

    assert again.id == first.id
    assert PaperTrade.objects.count() == 1


def test_a_retry_is_answered_even_while_prices_are_down(paper, prices):
    first = rest(paper)
    prices.down = True
    assert rest(paper) == first
    with pytest.raises(ExchangeUnavailable):
        rest(paper, "new")


def test_a_canceled_orders_client_id_can_be_used_again(paper):
    old = rest(paper)
    paper.cancel_order(symbol="BTC/USDT", order_id=old.id)

    new = rest(paper)

    assert new.id != old.id and new.status == OrderStatus.OPEN
    assert paper.fetch_order_by_client_id(symbol="BTC/USDT", client_order_id="leg-1").id == new.id


def test_an_order_is_found_by_its_client_id(paper):
    order = rest(paper)
    assert paper.fetch_order_by_client_id(symbol="BTCUSDT", client_order_id="leg-1") == order
    with pytest.raises(OrderNotFound):
        paper.fetch_order_by_client_id(symbol="BTC/USDT", client_order_id="never-sent")


def test_another_accounts_order_does_not_exist(paper, prices, other_trader, open_paper_account):
    theirs = PaperAdapter(open_paper_account(other_trader).config, prices)
    order = rest(theirs)

    with pytest.raises(OrderNotFound):
        paper.fetch_order(symbol="BTC/USDT", order_id=order.id)
    with pytest.raises(OrderNotFound):
        paper.cancel_order(symbol="BTC/USDT", order_id=order.id)
    with pytest.raises(OrderNotFound):
        paper.fetch_order_by_client_id(symbol="BTC/USDT", client_order_id=order.client_order_id)
    assert paper.fetch_open_orders() == []
    assert theirs.fetch_order(symbol="BTC/USDT", order_id=order.id).status == OrderStatus.OPEN


@pytest.mark.parametrize("order_id", [str(uuid.uuid4()), "not-a-uuid", ""])
def test_unknown_order_ids_are_not_found(paper, order_id):
    with pytest.raises(OrderNotFound):
        paper.fetch_order(symbol="BTC/USDT", order_id=order_id)
    with pytest.raises(OrderNotFound):
        paper.cancel_order(symbol="BTC/USDT", order_id=order_id)


def test_an_order_is_looked_up_on_its_own_symbol(paper):
    order = rest(paper)
    with pytest.raises(OrderNotFound):
        paper.fetch_order(symbol="ETH/USDT", order_id=order.id)


def test_reads_answer_from_the_ledger_while_prices_are_down(paper, prices):
    order = rest(paper)
    prices.down = True

    assert paper.fetch_order(symbol="BTC/USDT", order_id=order.id).status == OrderStatus.OPEN
    assert usdt(paper) == (D("9509.51"), D("490.49"))


def test_trades_are_listed_oldest_first_and_limit_keeps_the_newest(paper):
    ids = [
        paper.create_order(
            symbol="BTC/USDT", side=BUY, type=MARKET, amount=D("0.001"), client_order_id=f"m{i}"
        ).id
        for i in range(3)
    ]
    assert [t.order_id for t in paper.fetch_my_trades("BTC/USDT")] == ids
    assert [t.order_id for t in paper.fetch_my_trades("BTC/USDT", limit=2)] == ids[1:]
    first = paper.fetch_my_trades("BTC/USDT")[0]
    assert [t.order_id for t in paper.fetch_my_trades("BTC/USDT", since=first.executed_at, limit=1)] == ids[
        :1
    ]
    assert paper.fetch_my_trades("ETH/USDT") == []


def test_check_account_can_trade_and_never_withdraw(paper, prices):
    check = paper.check_account()
    assert (check.can_trade, check.can_withdraw) == (True, False)
    assert check.balances["USDT"].free == D("10000")
    paper.close()
    assert prices.closed


def test_public_calls_are_the_price_sources(paper, prices):
    assert paper.fetch_ticker("BTC/USDT") == prices.fetch_ticker("BTC/USDT")
    assert paper.load_markets()["BTC/USDT"].tick_size == D("0.01")
    assert paper.market("btcusdt").symbol == "BTC/USDT"


def test_a_paper_config_without_a_ledger_says_so(trader, prices):
    from brokers.errors import BrokerError

    config = ExchangeConfig.objects.create(user=trader, exchange="paper", price_source="simulator")
    with pytest.raises(BrokerError, match="no simulated balance"):
        PaperAdapter(config, prices).fetch_balance()


# --- services -----------------------------------------------------------------------------------


def test_a_new_paper_account_starts_with_10000_usdt_and_default_costs(trader):
    config = ExchangeConfig.objects.create(user=trader, exchange="paper", price_source="simulator")
    account = paper_account_create(config=config)

    assert (account.taker_fee_rate, account.maker_fee_rate, account.slippage_bps) == (
        D("0.001"),
        D("0.001"),
        5,
    )
    assert [(b.asset, b.free, b.locked) for b in account.balances.all()] == [("USDT", D("10000"), 0)]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"balances": {"USDT": D("-1")}}, "balances.USDT"),
        ({"balances": {"USDT": 1.5}}, "balances.USDT"),
        ({"balances": {"US DT": D("1")}}, "asset"),
        ({"balances": {"USDT": D("0.000000001")}}, "balances.USDT"),
        ({"fee_rate": D("0.5")}, "fee_rate"),
        ({"maker_fee_rate": D("-0.001")}, "maker_fee_rate"),
        ({"slippage_bps": D("5000")}, "slippage_bps"),
        ({"balances": {"USDT": D("1e16")}}, "balances.USDT"),
    ],
)
def test_paper_account_settings_are_validated(trader, options, field):
    config = ExchangeConfig.objects.create(user=trader, exchange="paper", price_source="simulator")
    with pytest.raises(ValidationError) as raised:
        paper_account_create(config=config, **options)
    assert field in raised.value.message_dict
    assert not PaperAccount.objects.exists()


def test_only_paper_configs_get_a_ledger(trader):
    config = ExchangeConfig.objects.create(user=trader, exchange="binance")
    with pytest.raises(ValidationError):
        paper_account_create(config=config)


def test_funding_is_audited_and_refuses_nothing_or_less(account, trader):
    paper_account_fund(account=account, asset="USDT", amount=D("500"), actor=trader)

    entry = AuditLog.objects.get(action="paper_account.fund")
    assert entry.changes["free"] == {"before": "10000", "after": "10500"}
    for amount in (D(0), D(-5)):
        with pytest.raises(ValidationError):
            paper_account_fund(account=account, asset="USDT", amount=amount)


def test_connecting_a_paper_account_opens_its_ledger(trader):
    from brokers.services import exchange_config_create

    config = exchange_config_create(user=trader, exchange="paper", mode="testnet")

    assert config.price_source == "simulator"
    assert config.paper_account.balances.get().free == D("10000")
