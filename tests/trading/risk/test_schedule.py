"""When the risk engine runs: every 30 s for the users it concerns (fanned out in batches, each
user isolated from the others' failures), and right after the fills that complete a group, a
burst of fills sharing one cycle. On the simulator with real orders."""

from __future__ import annotations

import pytest

from auditlog.models import ErrorLog
from tests.trading.factories import PositionGroupFactory
from tests.trading.risk.test_engine import THREE_LEGS, fresh, move, open_position, risk_settings
from trading.positions.models import PositionGroup
from trading.risk.models import RiskAction
from trading.risk.services.schedule import risk_users_due
from trading.risk.tasks import risk_tick, risk_users
from trading.runtime.models import ServiceTaskExecution
from trading.runtime.services import service_status_for
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)
# Three legs (100, 99, 98) whose aggregate target is far away.
AGGREGATE_THREE_LEGS = {"levels": THREE_LEGS, "tp_mode": "aggregate", "tp_aggregate_percent": "20"}


def test_the_tick_runs_the_cycle_of_every_user_with_live_groups_and_the_engine_on(engine, settings):
    settings.TRADING_FANOUT_BATCH = 1  # one message per user: the batches are what is tested
    risk_settings(engine.user)
    loser = open_position(engine, "BTC/USDT")
    move(engine, {"BTC/USDT": "97"})
    assert risk_tick.delay().get() == 1
    assert fresh(loser).status == "closed"
    assert RiskAction.objects.get(user=engine.user).trigger == "schedule"


def test_only_users_with_live_groups_a_running_service_and_the_engine_on_are_due(
    trader, other_trader, viewer, manager
):
    PositionGroupFactory(user=trader)  # due
    PositionGroupFactory(user=other_trader)
    trading_config_update(user=other_trader, fields={"risk_engine_enabled": False}, partial=True)
    PositionGroupFactory(user=viewer)
    stopped = service_status_for(viewer.pk)
    stopped.running = False
    stopped.save()
    PositionGroupFactory(user=manager, closed=True)  # nothing live
    assert risk_users_due() == [str(trader.pk)]


def test_a_user_with_many_live_groups_is_due_once(trader, other_trader):
    """One cycle per user and tick, however many groups: a user with 30 live groups was sent
    30 times (the model's ordering had joined the DISTINCT), 30 cycles over the same groups."""
    for timeframe in ("1h", "4h", "1d"):
        PositionGroupFactory(user=trader, timeframe=timeframe)
        PositionGroupFactory(user=other_trader, timeframe=timeframe)
    assert risk_users_due() == sorted([str(trader.pk), str(other_trader.pk)])


def test_a_cycle_that_acted_is_in_the_task_history_and_one_that_did_nothing_is_not(engine):
    risk_settings(engine.user)
    open_position(engine, "BTC/USDT")
    ServiceTaskExecution.objects.all().delete()
    risk_users(user_ids=[str(engine.user.pk)])  # nothing to do at the entry price
    assert not ServiceTaskExecution.objects.filter(task_name="risk_cycle").exists()
    move(engine, {"BTC/USDT": "97"})
    risk_users(user_ids=[str(engine.user.pk)])
    execution = ServiceTaskExecution.objects.get(task_name="risk_cycle")
    action = RiskAction.objects.get(user=engine.user)
    assert (execution.status, execution.details["action"]) == ("success", str(action.pk))


def test_a_user_whose_cycle_fails_does_not_stop_the_next_users_cycle(make_engine, trader, other_trader):
    broken, healthy = make_engine(trader), make_engine(other_trader)
    for engine in (broken, healthy):
        risk_settings(engine.user)
    open_position(broken, "ETH/USDT")
    loser = open_position(healthy, "BTC/USDT")
    move(healthy, {"BTC/USDT": "97"})
    # The first user's group lost its market rules: their cycle cannot tell its step size, and raises.
    PositionGroup.objects.filter(user=trader).update(market_snapshot={})
    assert risk_users(user_ids=[str(trader.pk), str(other_trader.pk)]) == 1
    failed = ServiceTaskExecution.objects.get(user=trader, task_name="risk_cycle")
    assert failed.status == "failed" and "TypeError" in failed.details["error"]
    assert ErrorLog.objects.filter(user=trader).exists()
    assert fresh(loser).status == "closed"
    assert ServiceTaskExecution.objects.get(user=other_trader, task_name="risk_cycle").status == "success"


def test_the_fill_that_completes_a_losing_group_runs_the_cycle_at_once(engine):
    risk_settings(engine.user)
    group = open_position(
        engine, "BTC/USDT", levels=THREE_LEGS, tp_mode="aggregate", tp_aggregate_percent="20"
    )
    assert fresh(group).status == "partially_filled"
    move(engine, {"BTC/USDT": "95"})  # the 99 and 98 legs fill: every leg filled, about -4 %
    assert fresh(group).status == "closed"  # no schedule tick was needed
    action = RiskAction.objects.get(user=engine.user)
    assert (action.trigger, action.loser_id) == ("fill", group.pk)


def test_a_burst_of_fills_runs_one_cycle(engine):
    risk_settings(engine.user)
    btc = open_position(engine, "BTC/USDT", **AGGREGATE_THREE_LEGS)
    eth = open_position(engine, "ETH/USDT", **AGGREGATE_THREE_LEGS)
    engine.price("BTC/USDT", "95")
    engine.price("ETH/USDT", "95")
    engine.monitor()  # one tick completes both groups, both losers
    assert RiskAction.objects.filter(user=engine.user, trigger="fill").count() == 1
    statuses = sorted([fresh(btc).status, fresh(eth).status])
    assert statuses == ["active", "closed"]  # one loser a cycle; the other waits for the next
