"""The engine on the other kinds of account and configuration: a paper account (our own
ledger, filled at the simulator's prices) and a grid in the 3Commas form."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from brokers.services import exchange_config_create
from trading.positions.models import DCAOrder

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_a_paper_account_trades_the_whole_cycle_at_simulator_prices(make_engine, trader):
    engine = make_engine(trader)
    paper = exchange_config_create(
        user=trader, exchange="paper", mode="testnet", label="paper", price_source="simulator"
    )
    engine.account = paper
    engine.config(
        exchange="paper",
        levels=[
            {"gap_percent": "0", "weight_percent": "50", "tp_percent": "1"},
            {"gap_percent": "-2", "weight_percent": "50", "tp_percent": "1"},
        ],
    )
    engine.price("BTC/USDT", "100")
    signal = engine.signal(price="100")
    assert signal.status == "processed", signal.reason
    group = engine.group()
    assert group.exchange == "paper"
    engine.price("BTC/USDT", "97")
    engine.monitor()
    legs = engine.legs(group)
    assert [leg.status for leg in legs] == ["filled", "filled"]
    engine.price("BTC/USDT", "101.5")
    engine.monitor()
    engine.monitor()
    group.refresh_from_db()
    assert group.status == "closed", [
        (o.role, o.status, o.last_error) for o in DCAOrder.objects.filter(group=group)
    ]
    assert group.realized_pnl > 0


def test_a_3commas_grid_places_safety_orders_at_the_scaled_deviations(engine):
    engine.config(
        levels=None,
        form="threecommas",
        base_order=D("100"),
        safety_order=D("100"),
        safety_orders=3,
        step_percent=D("1"),
        step_scale=D("2"),
        volume_scale=D("1"),
        tp_mode="aggregate",
        tp_aggregate_percent=D("1.5"),
    )
    engine.price("BTC/USDT", "101")
    engine.signal(price="100", order_size="400", sent_at=timezone.now() - timedelta(minutes=1))
    legs = engine.legs()
    # Safety orders at 1 %, 1 + 2 = 3 % and 1 + 2 + 4 = 7 % below the entry, 100 USDT each.
    assert [leg.price for leg in legs] == [D("100"), D("99"), D("97"), D("93")]
    assert [leg.quantity for leg in legs] == [D("1"), D("1.0101"), D("1.03092"), D("1.07526")]
