"""Orders as a trader sees them: placed, resting, changed, cancelled, filled when the price
crosses, refused with Kotak's own words, and after hours as AMOs filled at the next open."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.equities import Product
from brokers.adapters.kotak import KotakNeoAdapter
from brokers.errors import InsufficientFunds, InvalidOrder, OrderNotFound

from .conftest import Sim, ist


def coid(n: int) -> str:
    return f"tf{n:032x}"


def test_a_market_buy_fills_at_the_last_price(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.set_price("RELIANCE", "1500.00")

    order = adapter.create_order(
        symbol="RELIANCE", side=Side.BUY, type=OrderType.MARKET, amount=Decimal(4), client_order_id=coid(1)
    )

    assert order.status == OrderStatus.CLOSED
    assert (order.amount, order.filled, order.average) == (Decimal(4), Decimal(4), Decimal("1500.00"))
    assert order.client_order_id == coid(1)
    assert order.product == Product.CNC and order.amo is False
    assert order.broker_status == "complete"
    assert order.created_at == sim.now()  # Kotak's India time, read back as UTC
    assert order.price is None


def test_a_limit_order_rests_then_fills_when_the_price_crosses(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.set_price("TCS", "3400.00")

    order = adapter.create_equity_order(
        symbol="TCS",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=Decimal(2),
        price=Decimal("3350.00"),
        client_order_id=coid(2),
    )
    assert (order.status, order.broker_status, order.price) == (OrderStatus.OPEN, "open", Decimal("3350.00"))
    assert [o.id for o in adapter.fetch_open_orders("TCS")] == [order.id]
    assert adapter.fetch_open_orders("INFY") == []

    sim.advance(timedelta(minutes=5))
    sim.set_price("TCS", "3349.00")

    filled = adapter.fetch_order(symbol="TCS", order_id=order.id)
    assert filled.status == OrderStatus.CLOSED
    assert (filled.filled, filled.average) == (Decimal(2), Decimal("3350.00"))
    assert adapter.fetch_open_orders() == []
    [trade] = adapter.fetch_my_trades("TCS")
    assert (trade.order_id, trade.side, trade.amount, trade.price) == (
        order.id,
        Side.BUY,
        Decimal(2),
        Decimal("3350.00"),
    )
    assert trade.executed_at == sim.now()
    assert trade.cost == Decimal("6700.00")


def test_a_resting_order_is_changed_then_cancelled(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.set_price("HDFCBANK", "1000.00")
    order = adapter.create_equity_order(
        symbol="HDFCBANK",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=Decimal(5),
        price=Decimal("950.00"),
        client_order_id=coid(3),
    )

    changed = adapter.modify_order(
        symbol="HDFCBANK", order_id=order.id, price=Decimal("960.00"), quantity=Decimal(6)
    )
    assert (changed.id, changed.price, changed.amount, changed.status) == (
        order.id,
        Decimal("960.00"),
        Decimal(6),
        OrderStatus.OPEN,
    )
    # The change leaves the order ours.
    assert changed.client_order_id == coid(3)

    cancelled = adapter.cancel_order(symbol="HDFCBANK", order_id=order.id)
    assert (cancelled.status, cancelled.broker_status) == (OrderStatus.CANCELED, "cancelled")
    with pytest.raises(InvalidOrder, match="cancelled"):
        adapter.cancel_order(symbol="HDFCBANK", order_id=order.id)
    with pytest.raises(InvalidOrder):
        adapter.modify_order(symbol="HDFCBANK", order_id=order.id, price=Decimal("970.00"))


def test_the_order_book_lists_the_days_orders_newest_first(sim: Sim, adapter: KotakNeoAdapter) -> None:
    first = adapter.create_equity_order(
        symbol="ITC", side=Side.BUY, type=OrderType.MARKET, quantity=Decimal(1), client_order_id=coid(4)
    )
    sim.advance(timedelta(minutes=1))
    second = adapter.create_equity_order(
        symbol="WIPRO", side=Side.BUY, type=OrderType.MARKET, quantity=Decimal(1), client_order_id=coid(5)
    )

    book = adapter.fetch_orders()

    assert [(o.id, o.client_order_id, o.symbol) for o in book] == [
        (second.id, coid(5), "WIPRO"),
        (first.id, coid(4), "ITC"),
    ]


def test_an_unknown_order_is_not_found(adapter: KotakNeoAdapter) -> None:
    with pytest.raises(OrderNotFound):
        adapter.fetch_order(symbol="ITC", order_id="251203000009999")
    with pytest.raises(OrderNotFound):
        adapter.fetch_order_by_client_id(symbol="ITC", client_order_id=coid(99))


def test_a_buy_beyond_the_cash_is_refused_with_kotaks_reason(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.set_price("MARUTI", "12000.00")

    with pytest.raises(InsufficientFunds) as refused:
        adapter.create_equity_order(
            symbol="MARUTI",
            side=Side.BUY,
            type=OrderType.MARKET,
            quantity=Decimal(100),
            client_order_id=coid(6),
        )

    assert refused.value.message.startswith("RMS:Margin Exceeds")
    # The refused order stays in the book as Kotak shows it, with the reason kept verbatim.
    [rejected] = adapter.fetch_orders()
    assert rejected.status == OrderStatus.REJECTED
    assert rejected.reject_reason == refused.value.message
    assert adapter.fetch_order_by_client_id(symbol="MARUTI", client_order_id=coid(6)).id == rejected.id


def test_a_price_off_the_tick_is_refused_with_kotaks_reason(adapter: KotakNeoAdapter) -> None:
    with pytest.raises(InvalidOrder, match=r"Price is not in multiples of tick size 0\.05"):
        adapter.create_equity_order(
            symbol="ITC",
            side=Side.BUY,
            type=OrderType.LIMIT,
            quantity=Decimal(1),
            price=Decimal("400.03"),
            client_order_id=coid(7),
        )


def test_selling_shares_not_held_is_refused(adapter: KotakNeoAdapter) -> None:
    with pytest.raises(InvalidOrder, match="RMS:Rule: Check holdings"):
        adapter.create_equity_order(
            symbol="TITAN",
            side=Side.SELL,
            type=OrderType.MARKET,
            quantity=Decimal(1),
            client_order_id=coid(8),
        )


def test_fractional_shares_are_refused_before_sending(adapter: KotakNeoAdapter) -> None:
    with pytest.raises(InvalidOrder, match="whole number of shares"):
        adapter.create_equity_order(
            symbol="ITC",
            side=Side.BUY,
            type=OrderType.MARKET,
            quantity=Decimal("1.5"),
            client_order_id=coid(9),
        )
    assert adapter.fetch_orders() == []


def test_a_regular_order_after_the_close_is_refused(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.move_to(ist(2025, 12, 3, 16, 30))

    with pytest.raises(InvalidOrder, match="Market is closed"):
        adapter.create_equity_order(
            symbol="ITC", side=Side.BUY, type=OrderType.MARKET, quantity=Decimal(1), client_order_id=coid(10)
        )


def test_an_after_market_order_fills_at_the_next_open(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.move_to(ist(2025, 12, 3, 20, 0))  # Wednesday evening

    order = adapter.create_equity_order(
        symbol="SBIN",
        side=Side.BUY,
        type=OrderType.MARKET,
        quantity=Decimal(3),
        amo=True,
        client_order_id=coid(11),
    )
    assert (order.status, order.amo) == (OrderStatus.OPEN, True)
    assert order.broker_status == "after market order req received"

    sim.move_to(ist(2025, 12, 4, 9, 20))  # Thursday, after the open

    filled = adapter.fetch_order(symbol="SBIN", order_id=order.id)
    assert (filled.status, filled.amo, filled.filled) == (OrderStatus.CLOSED, True, Decimal(3))
    [trade] = adapter.fetch_my_trades("SBIN")
    assert trade.executed_at == ist(2025, 12, 4, 9, 15)
    assert trade.price == filled.average
