"""Random sessions of orders, price moves and cancels against the real ledger: after every step
no balance is negative, `locked` is exactly what the open orders reserve, and every unit of each
asset is accounted for by the trades."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from brokers.adapters.base import OrderType, Side
from brokers.adapters.paper import PaperAdapter
from brokers.errors import InsufficientFunds, InvalidOrder
from brokers.models import ExchangeConfig, PaperBalance, PaperOrder, PaperTrade
from brokers.services_paper import paper_account_create
from tests.brokers.paper.market_data import StaticMarketData
from tests.factories import UserFactory

D = Decimal
START = {"USDT": D("3000"), "BTC": D("0.05")}

quantities = st.integers(min_value=1, max_value=40).map(lambda n: n * D("0.001"))
offsets = st.integers(min_value=-300, max_value=300).map(lambda n: n * D("10"))  # around the mid
steps = st.one_of(
    st.tuples(
        st.just("order"), st.sampled_from(list(Side)), st.sampled_from(list(OrderType)), quantities, offsets
    ),
    st.tuples(st.just("move"), offsets),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=9)),
)


def assert_ledger_consistent(account) -> None:
    held = {b.asset: b for b in PaperBalance.objects.filter(account=account)}
    assert all(b.free >= 0 and b.locked >= 0 for b in held.values())

    open_orders = PaperOrder.objects.filter(account=account, status="open")
    reserved = {"USDT": D(0), "BTC": D(0)}
    for order in open_orders:
        reserved["USDT" if order.side == "buy" else "BTC"] += order.reserved
    assert {a: held[a].locked if a in held else D(0) for a in reserved} == reserved

    expected = dict(START)
    for trade in PaperTrade.objects.filter(order__account=account).select_related("order"):
        sign = 1 if trade.order.side == "buy" else -1
        cost = trade.price * trade.amount
        expected["BTC"] += sign * trade.amount
        expected["USDT"] += -sign * cost - trade.fee
    for asset, amount in expected.items():
        total = held[asset].free + held[asset].locked if asset in held else D(0)
        # Costs are rounded to 8 decimals for the house: the account may hold less, never more,
        # and by less than a unit of the 8th decimal per trade.
        assert amount - total >= 0
        assert amount - total < D("1e-8") * (1 + PaperTrade.objects.filter(order__account=account).count())


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(session=st.lists(steps, min_size=1, max_size=12))
def test_no_session_of_orders_breaks_the_ledger(session):
    prices = StaticMarketData()
    mid = D("50000")
    prices.set_price("BTC/USDT", bid=str(mid - 5), ask=str(mid + 5))
    config = ExchangeConfig.objects.create(user=UserFactory(role=Role.TRADER), exchange="paper")
    account = paper_account_create(
        config=config, balances=START, fee_rate=D("0.001"), maker_fee_rate=D("0.0002")
    )
    paper = PaperAdapter(config, prices)
    placed: list[str] = []

    for n, step in enumerate(session):
        if step[0] == "order":
            _, side, kind, amount, offset = step
            try:
                order = paper.create_order(
                    symbol="BTC/USDT",
                    side=side,
                    type=kind,
                    amount=amount,
                    price=mid + offset if kind == OrderType.LIMIT else None,
                    client_order_id=f"c{n}",
                )
                placed.append(order.id)
            except (InsufficientFunds, InvalidOrder):
                pass
        elif step[0] == "move":
            mid = D("50000") + step[1]
            prices.set_price("BTC/USDT", bid=str(mid - 5), ask=str(mid + 5))
            paper.fetch_open_orders()  # a read catches the ledger up with the market
        elif placed:
            paper.cancel_order(symbol="BTC/USDT", order_id=placed[step[1] % len(placed)])
        assert_ledger_consistent(account)
