"""Every take-profit mode of trading-semantics.md with trailing, partial fills, stop loss and
cancel-beyond, on the simulator; the monitors are run by hand where beat would run them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.execution.services.closes import position_close
from trading.positions.models import DCAOrder, Fill
from trading.takeprofit.services.evaluate import group_evaluate

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


def _at(engine, price: str) -> None:
    engine.price("BTC/USDT", price)
    engine.monitor()


def test_aggregate_closes_everything_at_the_weighted_average_target(engine):
    engine.config(tp_mode="aggregate", tp_aggregate_percent="1")
    engine.signal(price="100")
    _at(engine, "99")  # entry (4 @ 100) and the 99 leg (3.0303) filled; the 98 leg rests
    group = engine.group()
    assert group.status == "partially_filled"
    average = (D("4") * 100 + D("3.0303") * 99) / (D("4") + D("3.0303"))
    assert abs(group.avg_entry - average) < D("1e-9")  # SQLite keeps ~15 significant digits
    assert group.tp_target_price == D("100.57")  # average * 1.01 = 100.5646..., up to the tick
    assert not DCAOrder.objects.filter(group=group, role="take_profit").exists()
    _at(engine, "100.5")
    group.refresh_from_db()
    assert group.status == "partially_filled"
    _at(engine, "100.6")
    group.refresh_from_db()
    assert (group.status, group.close_reason, group.filled_quantity) == ("closed", "take_profit", 0)
    leg_98 = engine.legs(group)[2]
    assert leg_98.status == "cancelled"  # unfilled legs are cancelled with the close
    close = DCAOrder.objects.get(group=group, role="close")
    assert (close.quantity, close.status) == (D("7.0303"), "filled")
    assert group.realized_pnl == D("7.0303") * D("100.6") - (D("400") + D("3.0303") * 99) - group.fees


def test_aggregate_with_trailing_follows_the_peak_and_exits_on_the_pullback(engine):
    engine.config(
        levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="1", trailing_deviation_percent="1"
    )
    engine.signal(price="100")
    group = engine.group()
    assert group.status == "active" and group.tp_target_price == D("101")
    _at(engine, "101")
    group.refresh_from_db()
    assert (group.trailing_active, group.trailing_peak, group.status) == (True, D("101"), "active")
    _at(engine, "105")
    group.refresh_from_db()
    assert group.trailing_peak == D("105")
    _at(engine, "104")  # above 105 * 0.99 = 103.95: keep riding
    group.refresh_from_db()
    assert group.status == "active"
    _at(engine, "103.9")
    group.refresh_from_db()
    assert (group.status, group.close_reason) == ("closed", "trailing_take_profit")
    assert DCAOrder.objects.get(group=group, role="close").avg_fill_price == D("103.9")


def test_hybrid_lets_a_leg_take_profit_first_then_recomputes_the_aggregate_on_what_remains(engine):
    levels = [
        {"gap_percent": "0", "weight_percent": "50", "tp_percent": "0.5"},
        {"gap_percent": "-2", "weight_percent": "50", "tp_percent": "5"},
    ]
    engine.config(levels=levels, tp_mode="hybrid", tp_aggregate_percent="2")
    engine.signal(price="100")
    _at(engine, "98")  # both legs filled: 5 @ 100 and 5.10204 @ 98
    group = engine.group()
    assert group.status == "active"
    first_target = group.tp_target_price
    _at(engine, "100.5")  # leg 0's own target (100.5) is hit; the aggregate (~101) is not
    group.refresh_from_db()
    legs = engine.legs(group)
    assert (legs[0].tp_status, legs[1].tp_status) == ("filled", "placed")
    assert group.status == "active"
    assert group.filled_quantity == D("5.10204") and group.avg_entry == D("98")
    assert group.tp_target_price == D("99.96") != first_target  # 98 * 1.02, on what remains
    _at(engine, "99.96")
    group.refresh_from_db()
    assert (group.status, group.close_reason) == ("closed", "take_profit")


def test_pyramid_aggregate_closes_one_pyramid_and_keeps_the_other(engine):
    from datetime import timedelta

    from django.utils import timezone

    engine.config(levels=ONE_LEG, tp_mode="pyramid_aggregate", tp_aggregate_percent="1")
    engine.signal(price="100", sent_at=timezone.now() - timedelta(hours=2))
    engine.price("BTC/USDT", "90")
    engine.signal(price="90")
    _at(engine, "91")  # pyramid 1 (entry 90) reaches 90.9; pyramid 0 (target 101) does not
    group = engine.group()
    pyramids = {p.index: p for p in group.pyramids.all()}
    assert pyramids[1].closed_at is not None and pyramids[0].closed_at is None
    assert group.status == "active" and group.filled_quantity == D("10")
    assert group.avg_entry == D("100")
    _at(engine, "101")
    group.refresh_from_db()
    assert group.status == "closed" and group.filled_quantity == 0


def test_per_leg_trailing_sells_a_leg_at_market_after_the_pullback(engine):
    engine.config(levels=ONE_LEG, tp_mode="per_leg", trailing_deviation_percent="0.5")
    engine.signal(price="100")
    leg = engine.legs()[0]
    assert leg.tp_status == "none"  # trailing targets do not rest on the exchange
    _at(engine, "102")
    leg.refresh_from_db()
    assert (leg.tp_status, leg.tp_peak) == ("trailing", D("102"))
    _at(engine, "101.49")  # 102 * 0.995 = 101.49
    group = engine.group()
    assert group.status == "closed"
    assert DCAOrder.objects.get(group=group, role="close").reason == "trailing_take_profit"


def test_partial_fills_grow_the_take_profit(engine):
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")
    engine.signal(price="100")  # one limit at 100 for 10, resting below the market
    engine.control.configure_engine(liquidity_per_tick="400")  # 4 per price update
    _at(engine, "100")
    leg = engine.legs()[0]
    assert leg.status == "partially_filled" and D(0) < leg.filled_quantity < D("10")
    first_tp = DCAOrder.objects.get(leg=leg, role="take_profit", status="open")
    assert first_tp.quantity == leg.filled_quantity
    _at(engine, "99.99")
    leg.refresh_from_db()
    live = DCAOrder.objects.filter(leg=leg, role="take_profit", status="open")
    assert [tp.quantity for tp in live] == [leg.filled_quantity]
    assert leg.filled_quantity > first_tp.quantity
    # Each trade of the leg is one Fill: the first fill's trades are not stored again with the second.
    fills = list(Fill.objects.filter(order=leg))
    assert len(fills) >= 2 and len({f.trade_id for f in fills}) == len(fills)
    assert sum(f.quantity for f in fills) == leg.filled_quantity
    engine.control.configure_engine(liquidity_per_tick=None)


def test_stop_loss_closes_at_market(engine):
    engine.config(levels=ONE_LEG, stop_loss_percent="5")
    engine.signal(price="100")
    _at(engine, "95.5")
    assert engine.group().status == "active"
    _at(engine, "95")
    group = engine.group()
    assert (group.status, group.close_reason) == ("closed", "stop_loss")
    assert group.realized_pnl < 0


def test_cancel_dca_beyond_cancels_the_unfilled_safety_orders(engine):
    engine.config(cancel_dca_beyond_percent="0.5")
    engine.signal(price="100")
    _at(engine, "100.4")
    assert [leg.status for leg in engine.legs()] == ["filled", "open", "open"]
    _at(engine, "100.6")
    assert [leg.status for leg in engine.legs()] == ["filled", "cancelled", "cancelled"]
    assert engine.group().status == "active"


def test_manual_close_is_audited_and_a_second_close_is_refused(engine, trader):
    from django.core.exceptions import ValidationError

    from auditlog.models import AuditLog

    engine.config()
    engine.signal(price="100")
    group = position_close(group=engine.group(), actor=trader)
    group.refresh_from_db()
    assert (group.status, group.close_reason) == ("closed", "manual")
    assert AuditLog.objects.filter(action="position.close", resource_id=str(group.pk)).exists()
    with pytest.raises(ValidationError):
        position_close(group=group, actor=trader)


def test_the_monitor_marks_unrealized_pnl(engine):
    engine.config(levels=ONE_LEG)
    engine.signal(price="100")
    outcome = group_evaluate(group_id=engine.group().pk, price=D("99"))
    group = engine.group()
    assert outcome == "marked"
    assert group.unrealized_pnl == D("10") * -1 - D("1")  # 10 BTC 1 lower, less the 1 USDT buy fee
    assert group.unrealized_pnl_percent == D("-1.1")
