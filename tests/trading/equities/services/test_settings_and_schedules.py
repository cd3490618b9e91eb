"""A trader's NSE strategy settings: every problem named per field and nothing stored on a refusal;
the seven beat rows follow the settings and the trading service; a run on a day NSE is closed,
with the service stopped or the strategy off is recorded as skipped."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat.models import PeriodicTask

from auditlog.models import AuditLog
from brokers.nse_calendar import IST
from brokers.services import exchange_config_create
from trading.equities.models import EquitiesStrategy
from trading.equities.services.config import strategy_for, strategy_params, strategy_update
from trading.equities.services.runner import strategy_task_run
from trading.equities.services.schedules import strategy_tasks_overview
from trading.runtime.models import ServiceTaskExecution
from trading.service.services import service_start, service_stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper_nse(trader):
    return exchange_config_create(user=trader, exchange="paper_nse", mode="testnet")


def rows_of(user):
    return PeriodicTask.objects.filter(name__startswith=f"nse:{user.pk}:")


def test_defaults_are_the_issue_s_numbers(trader):
    params = strategy_params(strategy_for(trader))
    assert (params.rsi_period, params.ema_periods) == (10, (9, 20, 50, 200))
    assert (params.user_capital, params.max_portfolio_size, params.min_combined_score) == (200_000, 6, 25)
    assert params.liquidity_tiers[0] == (5000, Decimal("0.02"))


def test_every_problem_is_named_per_field_and_nothing_is_stored(trader, other_trader, paper_nse):
    crypto = exchange_config_create(user=trader, exchange="paper", mode="testnet")
    theirs = exchange_config_create(user=other_trader, exchange="paper_nse", mode="testnet", label="x")
    strategy_update(user=trader, data={"universe": ["RELIANCE"]})
    with pytest.raises(ValidationError) as refused:
        strategy_update(
            user=trader,
            data={
                "universe": ["RELIANCE", "not a symbol!"],
                "params": {"rsi_period": 1, "min_combined_score": "abc", "no_such_rule": 1},
                "schedule": {"analysis": "61 16 * * *", "lunch": "0 13 * * *"},
                "timezone": "Mars/Olympus",
                "colour": "red",
            },
        )
    errors = refused.value.message_dict
    assert "not a symbol!" in errors["universe"][0]
    assert {"params.rsi_period", "params.min_combined_score", "params.no_such_rule"} <= set(errors)
    assert {"schedule.analysis", "schedule.lunch"} <= set(errors)
    assert "timezone" in errors and "colour" in errors
    with pytest.raises(ValidationError) as crypto_refused:
        strategy_update(user=trader, data={"account": str(crypto.pk)})
    assert "not a stock broker" in crypto_refused.value.message_dict["account"][0]
    with pytest.raises(ValidationError) as not_yours:
        strategy_update(user=trader, data={"account": str(theirs.pk)})
    assert not_yours.value.message_dict["account"] == ["No such account of yours."]
    with pytest.raises(ValidationError) as no_account:
        strategy_update(user=trader, data={"enabled": True})
    assert "account" in no_account.value.message_dict
    stored = EquitiesStrategy.objects.get(user=trader)
    assert (stored.universe, stored.enabled, stored.account_id) == (["RELIANCE"], False, None)


def test_a_change_is_audited_and_merges_the_rules(trader, paper_nse):
    strategy_update(user=trader, data={"params": {"min_combined_score": "30"}})
    strategy_update(
        user=trader, data={"params": {"max_portfolio_size": 4}, "universe": "reliance, TCS-EQ tcs"}
    )
    strategy = EquitiesStrategy.objects.get(user=trader)
    params = strategy_params(strategy)
    assert (params.min_combined_score, params.max_portfolio_size) == (30, 4)
    assert strategy.universe == ["RELIANCE", "TCS"]
    entries = AuditLog.objects.filter(action="equities_strategy.update", owner=trader).order_by("created_at")
    assert entries.count() == 2
    assert entries.last().changes["after"]["universe"] == ["RELIANCE", "TCS"]


def test_the_seven_rows_follow_the_settings_and_the_service(trader, paper_nse):
    assert rows_of(trader).count() == 0
    strategy_update(user=trader, data={"universe": ["RELIANCE"], "account": str(paper_nse.pk)})
    assert rows_of(trader).count() == 7 and not any(r.enabled for r in rows_of(trader))  # strategy off
    strategy_update(user=trader, data={"enabled": True, "schedule": {"analysis": "30 16 * * 1-5"}})
    rows = {r.name.rsplit(":", 1)[1]: r for r in rows_of(trader).select_related("crontab")}
    assert all(r.enabled for r in rows.values())
    assert (rows["analysis"].crontab.hour, rows["analysis"].crontab.minute) == ("16", "30")
    assert str(rows["sell_monitor"].crontab.timezone) == "Asia/Kolkata"
    assert rows["sell_monitor"].expire_seconds == 55
    overview = {t["task"]: t for t in strategy_tasks_overview(user_id=trader.pk)}
    assert list(overview) == [
        "premarket_retry",
        "open_sells",
        "sell_monitor",
        "position_monitor",
        "analysis",
        "amo_buys",
        "end_of_day",
    ]
    assert overview["analysis"]["cron"] == "30 16 * * 1-5" and overview["analysis"]["next_run"] is not None

    service_stop(user=trader)
    assert not any(r.enabled for r in rows_of(trader))
    assert strategy_tasks_overview(user_id=trader.pk)[0]["next_run"] is None
    service_start(user=trader)
    assert all(r.enabled for r in rows_of(trader))


def _turn_on(user, account):
    strategy_update(user=user, data={"enabled": True, "universe": ["RELIANCE"], "account": str(account.pk)})


def _runs(user, task):
    return ServiceTaskExecution.objects.filter(user=user, task_name=f"nse.{task}").order_by("-started_at")


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (datetime(2026, 11, 24, 16, 0, tzinfo=IST), "2026-11-24 is not an NSE trading day."),  # Guru Nanak
        (datetime(2026, 11, 28, 16, 0, tzinfo=IST), "2026-11-28 is not an NSE trading day."),  # Saturday
    ],
)
def test_no_task_runs_when_nse_is_closed(trader, paper_nse, moment, reason):
    strategy_update(
        user=trader, data={"enabled": True, "universe": ["RELIANCE"], "account": str(paper_nse.pk)}
    )
    assert strategy_task_run(user_id=str(trader.pk), task="analysis", now=moment) == "skipped"
    assert _runs(trader, "analysis").first().details == {"reason": reason}


def test_a_stopped_service_or_an_off_strategy_skips_with_the_reason(trader, paper_nse):
    monday = datetime(2026, 11, 23, 16, 0, tzinfo=IST)
    assert strategy_task_run(user_id=str(trader.pk), task="analysis", now=monday) == "skipped"
    assert "strategy is off" in _runs(trader, "analysis").first().details["reason"]
    strategy_update(
        user=trader, data={"enabled": True, "universe": ["RELIANCE"], "account": str(paper_nse.pk)}
    )
    service_stop(user=trader)
    assert strategy_task_run(user_id=str(trader.pk), task="amo_buys", now=monday) == "skipped"
    assert _runs(trader, "amo_buys").first().details["reason"] == "Your trading service is stopped."
    # The every-minute monitor skips without a history row per minute.
    assert strategy_task_run(user_id=str(trader.pk), task="sell_monitor", now=monday) == "skipped"
    assert not _runs(trader, "sell_monitor").exists()
