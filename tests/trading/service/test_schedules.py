"""A trader's own schedules: validated against the registry, registered as real django-celery-beat
rows in their time zone, enabled only while the service runs, cleaned up when entries go."""

from __future__ import annotations

import json
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from trading.runtime.models import ServiceStatus, ServiceTaskExecution
from trading.runtime.services import service_status_for
from trading.service import schedules
from trading.service.services import service_start, service_stop
from trading.service.tasks import run_user_task, service_heartbeat
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db
URL = "/api/v1/trading-config"

BEFORE_NY_CLOSE = {"task": "close_all_positions", "cron": "45 15 * * 1-5", "timezone": "America/New_York"}
HOURLY_RECONCILE = {"task": "reconcile", "interval_seconds": 3600, "timezone": "UTC"}


def _schedule(user, *entries):
    return trading_config_update(user=user, fields={"task_schedule": list(entries)}, partial=True)


def _rows(user) -> list[PeriodicTask]:
    return list(
        PeriodicTask.objects.filter(name__startswith=f"user:{user.pk}:")
        .select_related("crontab", "interval")
        .order_by("name")
    )


def test_saving_a_schedule_registers_one_beat_row_per_entry_in_the_entrys_time_zone(trader):
    _schedule(trader, BEFORE_NY_CLOSE, HOURLY_RECONCILE)

    close, reconcile = _rows(trader)
    assert close.name == f"user:{trader.pk}:0:close_all_positions"
    assert close.task == "trading.tasks_service.run_user_task"
    assert json.loads(close.kwargs) == {"user_id": str(trader.pk), "task": "close_all_positions"}
    assert (close.crontab.minute, close.crontab.hour, close.crontab.day_of_week) == ("45", "15", "1-5")
    assert close.crontab.timezone == zoneinfo.ZoneInfo("America/New_York")
    assert close.interval is None and close.enabled
    assert reconcile.name == f"user:{trader.pk}:1:reconcile"
    assert (reconcile.interval.every, reconcile.interval.period) == (3600, "seconds")
    assert reconcile.crontab is None and reconcile.enabled
    # A message that waited longer than this is dropped rather than run late.
    assert close.expire_seconds == schedules.MESSAGE_EXPIRES_SECONDS


@pytest.mark.parametrize(
    ("after", "fires_at_utc"),
    [
        (datetime(2026, 7, 7, 12, 0, tzinfo=UTC), datetime(2026, 7, 7, 19, 45, tzinfo=UTC)),  # EDT, UTC-4
        (datetime(2026, 1, 6, 12, 0, tzinfo=UTC), datetime(2026, 1, 6, 20, 45, tzinfo=UTC)),  # EST, UTC-5
        (datetime(2026, 7, 10, 20, 0, tzinfo=UTC), datetime(2026, 7, 13, 19, 45, tzinfo=UTC)),  # Fri -> Mon
    ],
)
def test_the_cron_row_fires_at_the_users_local_time_not_utc(trader, after, fires_at_utc):
    _schedule(trader, BEFORE_NY_CLOSE)
    (row,) = _rows(trader)
    ny = zoneinfo.ZoneInfo("America/New_York")
    assert row.crontab.due_start_time(after, ny).astimezone(UTC) == fires_at_utc


def test_stop_disables_and_start_enables_the_users_rows(trader):
    _schedule(trader, BEFORE_NY_CLOSE, HOURLY_RECONCILE)
    before = PeriodicTasks.last_change()

    service_stop(user=trader)
    assert [row.enabled for row in _rows(trader)] == [False, False]
    assert PeriodicTasks.last_change() > before  # beat reloads its schedule

    service_start(user=trader)
    assert [row.enabled for row in _rows(trader)] == [True, True]


def test_a_schedule_saved_while_stopped_is_registered_disabled(trader):
    service_stop(user=trader)
    _schedule(trader, HOURLY_RECONCILE)
    assert [row.enabled for row in _rows(trader)] == [False]


def test_changing_the_schedule_removes_the_rows_of_removed_entries(trader):
    _schedule(trader, BEFORE_NY_CLOSE, HOURLY_RECONCILE)
    _schedule(trader, HOURLY_RECONCILE)
    assert [row.name for row in _rows(trader)] == [f"user:{trader.pk}:0:reconcile"]
    _schedule(trader)
    assert _rows(trader) == []


def test_a_reset_of_the_configuration_removes_the_schedule_and_its_rows(trader):
    from trading.settings.services import trading_config_reset

    _schedule(trader, HOURLY_RECONCILE)
    trading_config_reset(user=trader)
    assert _rows(trader) == []


def test_one_users_sync_never_touches_another_users_rows(trader, other_trader):
    _schedule(trader, HOURLY_RECONCILE)
    _schedule(other_trader, BEFORE_NY_CLOSE)
    service_stop(user=trader)
    _schedule(trader)
    assert _rows(trader) == []
    assert [row.enabled for row in _rows(other_trader)] == [True]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"task": "scan_market", "interval_seconds": 3600}, "Item 1: unknown task 'scan_market'"),
        ({"task": "reconcile", "interval_seconds": 30}, "Item 1: interval_seconds must be at least 60"),
        ({"task": "reconcile", "cron": "99 * * * *"}, "Item 1: cron '99 * * * *' is not a schedule"),
        ({"task": "reconcile", "cron": "0 0 L * *"}, "is not a schedule"),
        ({"task": "reconcile", "cron": "0 0 * 13 *"}, "is not a schedule"),
    ],
)
def test_only_registered_tasks_on_schedules_beat_can_run_are_accepted(api, trader, entry, message):
    response = api.patch(URL, {"task_schedule": [HOURLY_RECONCILE, entry]}, format="json")
    assert response.status_code == 400
    errors = " ".join(response.json()["errors"]["task_schedule"])
    assert message.replace("Item 1", "Item 2") in errors
    assert "reconcile, validate_accounts" in errors or "unknown task" not in message
    assert _rows(trader) == []


def test_the_api_lists_the_tasks_one_can_schedule(api):
    listed = api.get("/api/v1/service/schedulable-tasks").json()
    assert [t["task"] for t in listed] == [
        "risk_check",
        "queue_sweep",
        "reconcile",
        "validate_accounts",
        "close_all_positions",
    ]
    assert all(t["description"] and t["min_interval_seconds"] == 60 for t in listed)


def test_status_shows_each_schedule_with_enabled_and_next_run(api, trader):
    _schedule(trader, BEFORE_NY_CLOSE, HOURLY_RECONCILE)
    body = api.get("/api/v1/service/status").json()
    close, reconcile = body["schedules"]
    assert close["task"] == "close_all_positions" and close["timezone"] == "America/New_York"
    assert close["cron"] == "45 15 * * 1-5" and close["enabled"] is True
    assert reconcile["interval_seconds"] == 3600 and reconcile["enabled"] is True
    now = timezone.now()
    for item in (close, reconcile):
        upcoming = timezone.datetime.fromisoformat(item["next_run"])
        assert now - timedelta(seconds=5) <= upcoming <= now + timedelta(days=4)

    service_stop(user=trader)
    stopped = api.get("/api/v1/service/status").json()["schedules"]
    assert [(s["enabled"], s["next_run"]) for s in stopped] == [(False, None), (False, None)]


# --- runs -------------------------------------------------------------------------------------------


def test_a_scheduled_run_on_a_stopped_service_is_recorded_as_skipped(trader):
    service_stop(user=trader)
    result = run_user_task.apply(kwargs={"user_id": str(trader.pk), "task": "reconcile"})
    assert result.status == "SUCCESS" and result.result == "skipped"
    execution = ServiceTaskExecution.objects.get(user=trader)
    assert (execution.task_name, execution.status) == ("reconcile", "skipped")
    assert execution.details == {"reason": "Your trading service is stopped."}


def test_a_scheduled_run_of_an_unregistered_task_is_a_recorded_failure_not_a_retry(trader):
    result = run_user_task.apply(kwargs={"user_id": str(trader.pk), "task": "mine_bitcoin"})
    assert result.status == "SUCCESS" and result.result == "failed"
    execution = ServiceTaskExecution.objects.get(user=trader)
    assert execution.status == "failed"
    assert "is not a task you can schedule" in execution.details["error"]
    assert service_status_for(trader.pk).error_count == 1


def test_a_scheduled_run_for_a_deleted_user_removes_their_leftover_rows(trader):
    _schedule(trader, HOURLY_RECONCILE)
    user_id = str(trader.pk)
    trader.delete()
    assert PeriodicTask.objects.filter(name__startswith=f"user:{user_id}:").count() == 1
    assert run_user_task.apply(kwargs={"user_id": user_id, "task": "reconcile"}).result == "skipped"
    assert not PeriodicTask.objects.filter(name__startswith=f"user:{user_id}:").exists()


def test_a_scheduled_reconcile_without_accounts_succeeds_and_is_recorded(trader):
    assert run_user_task.apply(kwargs={"user_id": str(trader.pk), "task": "reconcile"}).result == "success"
    execution = ServiceTaskExecution.objects.get(user=trader)
    assert (execution.status, execution.details) == ("success", {"accounts": {}})
    assert service_status_for(trader.pk).last_task_execution is not None


# --- heartbeat -------------------------------------------------------------------------------------


def test_the_heartbeat_updates_running_services_only(trader, other_trader, viewer):
    running, stopped = service_status_for(trader.pk), service_status_for(other_trader.pk)
    service_stop(user=other_trader)
    assert service_heartbeat.apply().result == 1
    running.refresh_from_db()
    stopped.refresh_from_db()
    assert running.last_heartbeat is not None and timezone.now() - running.last_heartbeat < timedelta(
        seconds=5
    )
    assert stopped.last_heartbeat is None
    assert not ServiceStatus.objects.filter(user=viewer).exists()  # no row is made by the heartbeat


def test_the_heartbeat_is_one_update_whatever_the_number_of_users(
    django_assert_num_queries, trader, other_trader
):
    service_status_for(trader.pk), service_status_for(other_trader.pk)
    with django_assert_num_queries(1):
        service_heartbeat.apply()


def test_the_status_is_healthy_only_with_a_heartbeat_younger_than_three_intervals(api, trader):
    status = service_status_for(trader.pk)
    assert api.get("/api/v1/service/status").json()["healthy"] is False  # no heartbeat yet
    service_heartbeat.apply()
    body = api.get("/api/v1/service/status").json()
    assert body["healthy"] is True and body["heartbeat_age_seconds"] < 5
    interval = settings.CELERY_BEAT_SCHEDULE["trading-service-heartbeat"]["schedule"]
    ServiceStatus.objects.filter(pk=status.pk).update(
        last_heartbeat=timezone.now() - timedelta(seconds=3 * interval + 1)
    )
    body = api.get("/api/v1/service/status").json()
    assert body["healthy"] is False and body["heartbeat_age_seconds"] > 3 * interval


@pytest.mark.parametrize(
    ("task", "ran"),
    [("risk_check", "trading.tasks_risk.risk_users"), ("queue_sweep", "trading.tasks_queue.promote_queues")],
)
def test_scheduled_risk_checks_and_queue_sweeps_run_the_engines_own_tasks(trader, task, ran):
    assert run_user_task.apply(kwargs={"user_id": str(trader.pk), "task": task}).result == "success"
    execution = ServiceTaskExecution.objects.get(user=trader, task_name=task)
    assert execution.status == "success" and execution.details["ran"] == ran
