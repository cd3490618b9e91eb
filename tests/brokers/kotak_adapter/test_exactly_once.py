"""Exactly once: an order whose answer was lost is found, not placed again, whether Kotak still
shows its tag or not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.equities import EquityOrder
from brokers.adapters.kotak import KotakCredentials, KotakNeoAdapter, MemorySessionStore
from brokers.errors import ExchangeUnavailable, OrderNotFound

from .conftest import Sim

PLACE = "POST /quick/order/rule/ms/place"
COID = "tf" + "ab12" * 8
OTHER = "tf" + "cd34" * 8


def place_or_find(adapter: KotakNeoAdapter, client_order_id: str, **order: object) -> EquityOrder:
    """What the engine does: place; on an unknown outcome, look the order up before any retry."""
    try:
        return adapter.create_equity_order(client_order_id=client_order_id, **order)  # type: ignore[arg-type]  # test kwargs
    except ExchangeUnavailable:
        try:
            return adapter.fetch_order_by_client_id(
                symbol=str(order["symbol"]), client_order_id=client_order_id
            )
        except OrderNotFound:
            return adapter.create_equity_order(client_order_id=client_order_id, **order)  # type: ignore[arg-type]  # test kwargs


BUY_ITC = {"symbol": "ITC", "side": Side.BUY, "type": OrderType.MARKET, "quantity": Decimal(7)}


def test_a_5xx_after_the_order_was_applied_leaves_exactly_one_order(
    sim: Sim, adapter: KotakNeoAdapter
) -> None:
    sim.faults(error_rate=1, error_statuses=[503], after_apply=True, count=1, match=[PLACE])

    with pytest.raises(ExchangeUnavailable, match="outcome of the request is unknown"):
        adapter.create_equity_order(client_order_id=COID, **BUY_ITC)  # type: ignore[arg-type]  # test kwargs
    found = adapter.fetch_order_by_client_id(symbol="ITC", client_order_id=COID)

    assert (found.client_order_id, found.filled, found.status) == (COID, Decimal(7), OrderStatus.CLOSED)
    assert [o.id for o in adapter.fetch_orders()] == [found.id]


def test_the_engines_retry_after_a_lost_answer_places_nothing_more(
    sim: Sim, adapter: KotakNeoAdapter
) -> None:
    sim.faults(error_rate=1, error_statuses=[502], after_apply=True, count=1, match=[PLACE])

    order = place_or_find(adapter, COID, **BUY_ITC)

    assert order.client_order_id == COID
    assert len(adapter.fetch_orders()) == 1
    assert sum(h.quantity for h in adapter.fetch_holdings() if h.symbol == "ITC") == Decimal(7)


def test_a_request_that_never_reached_kotak_is_placed_on_retry(sim: Sim, adapter: KotakNeoAdapter) -> None:
    sim.faults(error_rate=1, error_statuses=[503], after_apply=False, count=1, match=[PLACE])

    order = place_or_find(adapter, COID, **BUY_ITC)

    assert order.status == OrderStatus.CLOSED
    assert [o.id for o in adapter.fetch_orders()] == [order.id]


def test_a_timeout_is_an_unknown_outcome(
    sim: Sim, make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials
) -> None:
    adapter = make_adapter(credentials, timeout=0.5)
    adapter.fetch_funds()
    sim.faults(timeout_rate=1, hang_seconds=2, count=1, match=[PLACE])

    with pytest.raises(ExchangeUnavailable, match="timeout"):
        adapter.create_equity_order(client_order_id=COID, **BUY_ITC)  # type: ignore[arg-type]  # test kwargs


def test_an_order_whose_tag_kotak_rewrote_is_found_by_its_shape(
    sim: Sim, make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials
) -> None:
    """Kotak rewrites the tag (`GuiOrdId`) when an order is modified: the lookup falls back to
    symbol, side, quantity and product within the attempt's window."""
    adapter = make_adapter(credentials)
    sim.set_price("ITC", "400.00")
    limit = {
        "symbol": "ITC",
        "side": Side.BUY,
        "type": OrderType.LIMIT,
        "quantity": Decimal(7),
        "price": Decimal("390.00"),
    }
    sim.faults(error_rate=1, error_statuses=[504], after_apply=True, count=1, match=[PLACE])
    with pytest.raises(ExchangeUnavailable):
        adapter.create_equity_order(client_order_id=COID, **limit)  # type: ignore[arg-type]  # test kwargs
    # Someone changes the order from Kotak's app before the engine looks it up.
    [row] = sim.account(credentials.ucc)["orders"]
    order_id = row.get("nOrdNo") or row.get("order_id") or row.get("id")
    make_adapter(credentials).modify_order(symbol="ITC", order_id=order_id, price=Decimal("391.00"))

    found = adapter.fetch_order_by_client_id(symbol="ITC", client_order_id=COID)

    assert (found.id, found.client_order_id, found.price) == (order_id, COID, Decimal("391.00"))
    # A client order id that was never tried finds nothing.
    with pytest.raises(OrderNotFound):
        adapter.fetch_order_by_client_id(symbol="ITC", client_order_id=OTHER)


def test_an_order_entered_outside_the_attempts_window_is_not_taken_for_it(
    sim: Sim, make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials
) -> None:
    adapter = make_adapter(credentials)
    sim.set_price("ITC", "400.00")
    limit = {
        "symbol": "ITC",
        "side": Side.BUY,
        "type": OrderType.LIMIT,
        "quantity": Decimal(7),
        "price": Decimal("390.00"),
    }
    # The same order, entered half an hour earlier from elsewhere (no tag of ours left on it).
    elsewhere = make_adapter(credentials, session_store=MemorySessionStore())
    earlier = elsewhere.create_equity_order(client_order_id=OTHER, **limit)  # type: ignore[arg-type]  # test kwargs
    elsewhere.modify_order(symbol="ITC", order_id=earlier.id, price=Decimal("390.05"))
    sim.advance(timedelta(minutes=30))
    sim.faults(error_rate=1, error_statuses=[503], after_apply=False, count=1, match=[PLACE])
    with pytest.raises(ExchangeUnavailable):
        adapter.create_equity_order(client_order_id=COID, **limit)  # type: ignore[arg-type]  # test kwargs

    with pytest.raises(OrderNotFound):
        adapter.fetch_order_by_client_id(symbol="ITC", client_order_id=COID)
