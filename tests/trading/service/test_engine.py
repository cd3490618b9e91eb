"""The trading service against the exchange simulator: stopped refuses new entries while exits
and take-profits still work; stop-and-close-all and the scheduled tasks act on the exchange."""

from __future__ import annotations

import pytest

from trading.positions.models import GroupStatus
from trading.runtime.models import ServiceTaskExecution
from trading.service.services import service_start, service_stop
from trading.service.tasks import run_user_task
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)


def _open_orders(engine) -> list[dict]:
    return engine.control.account(str(engine.account.api_key))["open_orders"]


def test_a_stopped_service_refuses_a_new_entry_but_an_exit_still_closes(engine):
    engine.config()
    engine.config(symbol="ETH/USDT")
    engine.signal(price="100")  # opens BTC; the entry fills, two legs rest
    service_stop(user=engine.user)

    refused = engine.signal(symbol="ETH/USDT", price="100")
    assert refused.status == "rejected"
    assert refused.reason == "Your trading service is stopped: start it to open or add to positions."

    exit_signal = engine.signal(intent="exit", price="100.5")
    assert (exit_signal.status, exit_signal.classification) == ("processed", "exit")
    group = engine.group()
    assert (group.status, group.close_reason) == ("closed", "exit_signal")
    assert _open_orders(engine) == []


def test_a_stopped_service_still_takes_profit_on_open_positions(engine):
    engine.config(levels=[{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}])
    engine.signal(price="100")
    service_stop(user=engine.user)
    engine.price("BTC/USDT", "101")
    engine.monitor()
    group = engine.group()
    assert (group.status, group.close_reason) == ("closed", "take_profit")


def test_a_started_service_takes_entries_again(engine):
    engine.config()
    service_stop(user=engine.user)
    assert engine.signal(price="100").status == "rejected"
    service_start(user=engine.user)
    assert engine.signal(price="100").status == "processed"


def test_stop_with_close_all_closes_every_open_group_on_the_exchange(engine):
    engine.config()
    engine.config(symbol="ETH/USDT")
    engine.signal(price="100")
    engine.signal(symbol="ETH/USDT", price="100")
    assert len(_open_orders(engine)) > 0

    service_stop(user=engine.user, close_all=True)

    groups = list(engine.user.position_groups.all())
    assert [(g.status, g.close_reason) for g in groups] == [(GroupStatus.CLOSED, "service_stopped")] * 2
    assert all(g.filled_quantity == 0 for g in groups)
    assert _open_orders(engine) == []


def test_stop_without_close_all_leaves_positions_and_their_orders_alone(engine):
    engine.config()
    engine.signal(price="100")
    before = len(_open_orders(engine))
    service_stop(user=engine.user)
    assert engine.group().status == GroupStatus.PARTIALLY_FILLED
    assert len(_open_orders(engine)) == before


def test_a_scheduled_close_all_positions_closes_them_on_the_exchange(engine):
    engine.config()
    engine.signal(price="100")
    trading_config_update(
        user=engine.user,
        fields={
            "task_schedule": [
                {"task": "close_all_positions", "cron": "45 15 * * 1-5", "timezone": "America/New_York"}
            ]
        },
        partial=True,
    )
    result = run_user_task.apply(kwargs={"user_id": str(engine.user.pk), "task": "close_all_positions"})
    assert result.result == "success"
    group = engine.group()
    assert (group.status, group.close_reason) == ("closed", "scheduled_close")
    execution = ServiceTaskExecution.objects.get(user=engine.user, task_name="close_all_positions")
    assert (execution.status, execution.details) == ("success", {"closing": 1})


def test_scheduled_reconcile_and_validation_run_against_the_exchange(engine):
    engine.config()
    engine.signal(price="100")
    for task in ("reconcile", "validate_accounts"):
        assert run_user_task.apply(kwargs={"user_id": str(engine.user.pk), "task": task}).result == "success"
    reconcile = ServiceTaskExecution.objects.get(task_name="reconcile")
    assert reconcile.details == {"accounts": {"simulator:main": {"updated": 0, "unknown": 0}}}
    validation = ServiceTaskExecution.objects.get(task_name="validate_accounts")
    assert validation.details == {"accounts": {"simulator:main": "ok"}}


def test_a_scheduled_reconcile_that_cannot_reach_the_exchange_is_a_recorded_failure(engine):
    engine.config()
    engine.signal(price="100")
    engine.control.set_faults(error_rate=1.0, match=["GET /api/v3/openOrders"], count=None)
    result = run_user_task.apply(kwargs={"user_id": str(engine.user.pk), "task": "reconcile"})
    assert result.status == "SUCCESS" and result.result == "failed"
    failed = ServiceTaskExecution.objects.get(task_name="reconcile")
    assert failed.status == "failed" and "simulator:main" in failed.details["error"]
    assert engine.user.trading_service.error_count == 1
