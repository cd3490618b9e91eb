"""The batched take-profit pass on the simulator: groups where nothing fires are marked in bulk
without a lock, and give exactly what the full per-group evaluation gives; the others close."""

from __future__ import annotations

import decimal
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from trading.execution import tasks
from trading.positions.marks import marks_freshen
from trading.positions.models import DCAOrder, PositionGroup, Pyramid
from trading.runtime.models import ServiceTaskExecution
from trading.takeprofit.services import marks as services_marks
from trading.takeprofit.services import marks_load as services_marks_load
from trading.takeprofit.services.evaluate import group_evaluate
from trading.takeprofit.services.marks import take_profit_dispatch as take_profit_tick
from trading.takeprofit.triggers import evaluate

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]
TWO_LEGS = [
    {"gap_percent": "0", "weight_percent": "50", "tp_percent": "0.5"},
    {"gap_percent": "-2", "weight_percent": "50", "tp_percent": "5"},
]
# What only the full evaluation writes; a mark changes none of it.
STATE = (
    "status",
    "close_reason",
    "filled_quantity",
    "avg_entry",
    "cost_basis",
    "realized_pnl",
    "fees",
    "tp_target_price",
    "trailing_active",
    "trailing_peak",
    "last_price",
    "unrealized_pnl",
    "unrealized_pnl_percent",
)


def _groups(engine) -> list[PositionGroup]:
    """One open group per take-profit rule, on BTC and ETH, all of one user."""
    engine.config(timeframe="1h")  # per leg: resting take-profits at 101, 99.99, 99.47
    engine.config(timeframe="4h", tp_mode="aggregate", tp_aggregate_percent="1.5")
    engine.config(timeframe="15m", levels=TWO_LEGS, tp_mode="hybrid", tp_aggregate_percent="2")
    engine.config(timeframe="1d", levels=ONE_LEG, tp_mode="pyramid_aggregate", tp_aggregate_percent="3")
    engine.config(
        timeframe="30m",
        tp_mode="aggregate",
        tp_aggregate_percent="10",
        stop_loss_percent="4",
        cancel_dca_beyond_percent="1",
    )
    engine.config(symbol="ETH/USDT", timeframe="1h", tp_mode="aggregate", trailing_deviation_percent="0.5")
    engine.config(symbol="ETH/USDT", timeframe="4h", levels=ONE_LEG, trailing_deviation_percent="1")
    for timeframe in ("1h", "4h", "15m", "1d", "30m"):
        engine.signal(price="100", timeframe=timeframe)
    for timeframe in ("1h", "4h"):
        engine.signal(price="100", symbol="ETH/USDT", timeframe=timeframe)
    return list(PositionGroup.objects.filter(user=engine.user))


def _as_stored(value: Decimal) -> Decimal:
    """A numeric(36, 18) as the database gives it back: exact on PostgreSQL; SQLite keeps a
    REAL, which Django reads back with 15 significant digits."""
    if connection.vendor == "sqlite":
        value = decimal.Context(prec=15).create_decimal_from_float(float(value))
    return value.quantize(D("1e-18"))


def _verdicts(engine) -> dict:
    """What the pass will decide for each group at the simulator's current prices."""
    prices = {m["symbol"]: D(m["price"]) for m in engine.control.state()["markets"]}
    loaded = services_marks_load.marks_load([str(engine.account.pk)])[str(engine.account.pk)]
    return {item.pk: evaluate(item.state, prices[item.symbol.replace("/", "")]) for item in loaded}


def _state(group_id) -> tuple:
    group = PositionGroup.objects.get(pk=group_id)
    orders = DCAOrder.objects.filter(group=group).values_list("pk", "status", "cancel_requested")
    pyramids = Pyramid.objects.filter(group=group).values_list("tp_target_price", "closed_at")
    return tuple(getattr(group, f) for f in STATE), sorted(orders), sorted(pyramids, key=str)


def test_groups_where_nothing_fires_are_marked_in_bulk_without_a_lock(engine, monkeypatch):
    groups = _groups(engine)
    take_profit_tick()  # the first evaluation stores each pyramid's target
    calls = []
    monkeypatch.setattr(services_marks, "group_evaluate", lambda **kw: calls.append(kw) or "marked")
    engine.price("BTC/USDT", "99.5")
    engine.price("ETH/USDT", "100.4")
    tasks.monitor_fills.delay()
    with CaptureQueriesContext(connection) as queries:
        assert take_profit_tick() == len(groups) == 7
    assert calls == []  # no group went through the locked evaluation
    waits = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert not [sql for sql in waits if "SKIP LOCKED" not in sql]  # no mark waits for a lock
    group = PositionGroup.objects.get(user=engine.user, symbol="BTC/USDT", timeframe="4h")
    assert group.last_price == D("99.5")
    open_fees = D("4") * 100 * D("0.001")  # the entry's taker fee, on the 4 still held
    assert group.unrealized_pnl == D("4") * D("99.5") - D("400") - open_fees
    assert group.last_evaluated_at > timezone.now() - timedelta(seconds=30)


@pytest.mark.parametrize("margin", [10, 0], ids=["in-batches", "quiet-bands"])
def test_a_mark_equals_what_the_full_evaluation_gives_at_every_price_of_a_walk(
    engine, settings, loaded, margin
):
    """Up through cancel-beyond and trailing, down through the legs, up through every target,
    down to the stop. At each step, every group the pass only marked is evaluated again the old
    way at the same price, and nothing changes; the groups where something fired went that way.
    With no clock margin, on PostgreSQL, the groups whose band holds are not read by the batches
    at all: their marks are derived from the symbol's price when read (trading/positions/marks.py)."""
    settings.TRADING_QUIET_MARGIN_SECONDS = margin
    by_band = 0
    _groups(engine)
    marked = fired = 0
    walk = ["100.4", "101.3", "101.8", "100.9", "100.6", "99.4", "98.9", "97.9", "98.6", "99.4"]
    walk += ["100.2", "100.9", "101.6", "103", "102.2", "99", "94"]
    for price in walk:
        engine.price("BTC/USDT", price)
        engine.price("ETH/USDT", price)
        tasks.monitor_fills.delay()
        verdicts = _verdicts(engine)
        loaded.clear()
        take_profit_tick()
        marks_freshen(users=[engine.user])  # as every reader does
        for group_id, verdict in verdicts.items():
            if not verdict.marked:
                fired += 1
                continue
            marked += 1
            by_band += str(group_id) not in loaded
            group = PositionGroup.objects.get(pk=group_id)
            assert group.last_price == D(price)
            assert (group.unrealized_pnl, group.unrealized_pnl_percent) == (
                _as_stored(verdict.unrealized_pnl),
                _as_stored(verdict.unrealized_pnl_percent),
            )
            if margin:  # (a full evaluation writes the group, which voids its band)
                before = _state(group_id)
                assert group_evaluate(group_id=group_id, price=D(price)) == "marked", (group.timeframe, price)
                assert _state(group_id) == before, (group.symbol, group.timeframe, price)
        tasks.monitor_fills.delay()
    assert marked > 40 and fired > 10
    if margin or connection.vendor != "postgresql":
        assert by_band == 0  # a band is void while its group changed within the margin
    else:
        assert by_band > 20, by_band
    closed = PositionGroup.objects.filter(user=engine.user, status="closed")
    assert {"take_profit", "trailing_take_profit", "stop_loss"} <= set(
        closed.values_list("close_reason", flat=True)
    )
    assert DCAOrder.objects.filter(reason="cancel_beyond", status="cancelled").count() == 2


def test_a_group_whose_target_is_reached_closes_in_the_same_batch_as_the_marks(engine):
    engine.config(timeframe="1h", levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="1")
    engine.config(timeframe="4h", levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="3")
    engine.signal(price="100", timeframe="1h")
    engine.signal(price="100", timeframe="4h")
    engine.price("BTC/USDT", "101.2")
    assert take_profit_tick() == 2
    near = PositionGroup.objects.get(user=engine.user, timeframe="1h")
    far = PositionGroup.objects.get(user=engine.user, timeframe="4h")
    assert (near.status, near.close_reason) == ("closed", "take_profit")
    assert (far.status, far.last_price) == ("active", D("101.2"))


def test_a_failing_user_does_not_stop_the_take_profit_batch(make_engine, trader, other_trader, monkeypatch):
    broken, healthy = make_engine(trader), make_engine(other_trader)
    for engine in (broken, healthy):
        engine.config(levels=ONE_LEG, stop_loss_percent="2")
        engine.signal(price="100")
    doomed = broken.group().pk
    real = services_marks.group_evaluate

    def evaluate_or_fail(*, group_id, price):
        if group_id == doomed:
            raise RuntimeError("this user's evaluation breaks")
        return real(group_id=group_id, price=price)

    monkeypatch.setattr(services_marks, "group_evaluate", evaluate_or_fail)
    healthy.price("BTC/USDT", "97.5")  # both stops are hit
    take_profit_tick()
    assert (healthy.group().status, healthy.group().close_reason) == ("closed", "stop_loss")
    assert broken.group().status == "active"
    failed = ServiceTaskExecution.objects.get(user=trader, task_name="take_profit")
    assert failed.status == "failed" and "this user's evaluation breaks" in failed.details["error"]


def test_a_group_that_changed_after_the_batch_read_it_is_left_to_the_full_evaluation(engine):
    engine.config(levels=ONE_LEG)
    engine.signal(price="100")
    item = services_marks_load.marks_load([str(engine.account.pk)])[str(engine.account.pk)][0]
    verdict = evaluate(item.state, D("99"))
    PositionGroup.objects.get(pk=item.pk).save()  # a fill landed meanwhile: `updated_at` moved
    written, raced = services_marks.marks_write([services_marks.Mark(item, D("99"), verdict)])
    assert (written, [mark.item.pk for mark in raced]) == (0, [item.pk])
    assert PositionGroup.objects.get(pk=item.pk).last_price == D("100")
