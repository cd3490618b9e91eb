"""A signal's whole life on the simulator: grid placed, legs fill, take-profits, close."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.positions.models import DCAOrder, Fill

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_an_entry_places_its_grid_on_the_exchange(engine):
    engine.config()
    signal = engine.signal(price="100")
    assert (signal.status, signal.classification) == ("processed", "entry"), signal.reason
    group = engine.group()
    legs = engine.legs(group)
    # The entry is a limit at the signal's price: marketable at 100, so it fills at once and
    # gets its take-profit; the safety orders rest below.
    assert [(leg.price, leg.quantity, leg.status) for leg in legs] == [
        (D("100"), D("4"), "filled"),
        (D("99"), D("3.0303"), "open"),
        (D("98"), D("3.06122"), "open"),
    ]
    assert all(leg.exchange_order_id and leg.client_order_id.startswith("tf") for leg in legs)
    assert (group.status, group.pyramid_count, group.avg_entry, group.filled_quantity) == (
        "partially_filled",
        1,
        D("100"),
        D("4"),
    )
    assert (legs[0].tp_price, legs[0].tp_status) == (D("101"), "placed")
    on_book = engine.control.account(str(engine.account.api_key))["open_orders"]
    assert sorted(D(str(o["price"])) for o in on_book) == [D("98"), D("99"), D("101")]


def test_per_leg_take_profit_closes_each_leg_and_then_the_group(engine):
    engine.config()
    engine.signal(price="100")
    engine.price("BTC/USDT", "97.5")  # fills all three legs
    engine.monitor()
    group = engine.group()
    legs = engine.legs(group)
    assert [leg.status for leg in legs] == ["filled"] * 3
    assert group.status == "active"
    assert group.filled_quantity == D("4") + D("3.0303") + D("3.06122")
    tps = DCAOrder.objects.filter(group=group, role="take_profit").order_by("level")
    assert [(tp.price, tp.quantity, tp.status) for tp in tps] == [
        (D("101"), D("4"), "open"),
        (D("99.99"), D("3.0303"), "open"),
        (D("99.47"), D("3.06122"), "open"),
    ]
    engine.price("BTC/USDT", "101")
    engine.monitor()
    group.refresh_from_db()
    assert group.status == "closed" and group.close_reason == "take_profit"
    assert group.filled_quantity == 0
    bought = D("4") * 100 + D("3.0303") * 99 + D("3.06122") * 98
    sold = D("4") * 101 + D("3.0303") * D("99.99") + D("3.06122") * D("99.47")
    fees = group.fees
    assert fees > 0
    assert group.realized_pnl == sold - bought - fees
    assert Fill.objects.filter(order__group=group).count() == 6
