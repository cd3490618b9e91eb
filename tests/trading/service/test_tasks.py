"""`user_task_run`: one user's failing piece of work is recorded against that user (history, error
log, error count, last error, redacted) and never reaches the batch or another user; a soft time
limit is recorded and not swallowed; old history goes with the daily retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auditlog.models_logs import ErrorLog, ServiceLog
from config.tasks import house_task
from trading.runtime.models import ServiceStatus, ServiceTaskExecution
from trading.runtime.services import service_status_for, user_task_run
from trading.service.tasks import task_history_retention

pytestmark = pytest.mark.django_db
SECRET = "k-7f3a9-secret"
ran: list[str] = []


class LedgerBroken(Exception):
    """A bug in one user's piece of work."""


@house_task(name="tests.trading.service_batch")
def service_batch(*, user_ids: list[str], failing: str) -> list[str]:
    """A batch task as the engine's dispatchers write them: each user through user_task_run."""

    def work(user_id: str) -> dict:
        if user_id == failing:
            raise LedgerBroken(f"cannot settle {user_id} with api_key={SECRET}")
        ran.append(user_id)
        return {"settled": 1}

    return [
        user_task_run(user_id=user_id, task_name="settle", fn=lambda u=user_id: work(u))
        for user_id in user_ids
    ]


def test_a_task_that_raises_for_user_a_lands_in_as_history_and_error_log_while_b_succeeds(
    client_for, trader, other_trader
):
    a, b = str(trader.pk), str(other_trader.pk)
    ran.clear()
    result = service_batch.apply(kwargs={"user_ids": [a, b], "failing": a})

    assert result.status == "SUCCESS" and result.result == ["failed", "success"]
    assert ran == [b]
    error = ErrorLog.objects.get()
    assert error.user == trader and error.error_type.endswith("LedgerBroken")
    assert error.context["task"] == "settle"
    failed = ServiceTaskExecution.objects.get(user=trader)
    assert (failed.task_name, failed.status) == ("settle", "failed")
    assert failed.details["error_type"].endswith("LedgerBroken")
    assert failed.details["error_log_id"] == error.pk
    succeeded = ServiceTaskExecution.objects.get(user=other_trader)
    assert (succeeded.status, succeeded.details) == ("success", {"settled": 1})

    a_status, b_status = ServiceStatus.objects.get(user=trader), ServiceStatus.objects.get(user=other_trader)
    assert (a_status.error_count, b_status.error_count) == (1, 0)
    assert a_status.last_error.startswith("LedgerBroken: cannot settle") and a_status.last_error_at
    assert b_status.last_error == "" and b_status.last_task_execution is not None

    # A sees the failure; B's status and history show nothing of it.
    a_client, b_client = client_for(trader), client_for(other_trader)
    assert a_client.get("/api/v1/service/status").json()["error_count"] == 1
    assert [r["status"] for r in a_client.get("/api/v1/service/tasks").json()["results"]] == ["failed"]
    assert [r["status"] for r in b_client.get("/api/v1/service/tasks").json()["results"]] == ["success"]
    assert b_client.get("/api/v1/service/status").json()["error_count"] == 0


def test_the_secret_in_a_failure_is_stored_nowhere(trader):
    service_batch.apply(kwargs={"user_ids": [str(trader.pk)], "failing": str(trader.pk)})
    stored = json.dumps(
        [
            list(ErrorLog.objects.values("message", "traceback", "context")),
            list(ServiceTaskExecution.objects.values("details")),
            list(ServiceStatus.objects.values("last_error")),
            list(ServiceLog.objects.values("message", "context")),
        ],
        default=str,
    )
    assert SECRET not in stored
    assert "[redacted]" in ServiceStatus.objects.get(user=trader).last_error


def test_a_failure_is_never_retried(trader):
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        raise ConnectionError("exchange down")

    assert user_task_run(user_id=trader.pk, task_name="reconcile", fn=flaky) == "failed"
    assert calls == [1]


def test_a_soft_time_limit_is_recorded_and_raised_so_the_hung_batch_ends(trader):
    def hung() -> None:
        raise SoftTimeLimitExceeded()

    with pytest.raises(SoftTimeLimitExceeded):
        user_task_run(user_id=trader.pk, task_name="reconcile", fn=hung)
    execution = ServiceTaskExecution.objects.get(user=trader)
    assert execution.status == "failed" and execution.details["timed_out"] is True
    assert "soft time limit" in execution.details["error"]
    assert service_status_for(trader.pk).error_count == 1
    assert ErrorLog.objects.get(user=trader).context["timed_out"] is True


def test_a_database_error_in_the_work_leaves_the_callers_transaction_usable(trader, other_trader):
    def duplicate_user() -> None:
        User.objects.create(email=trader.email, username="dup")  # violates the unique e-mail

    with transaction.atomic():
        assert user_task_run(user_id=trader.pk, task_name="settle", fn=duplicate_user) == "failed"
        # The caller carries on in the same transaction.
        assert user_task_run(user_id=other_trader.pk, task_name="settle", fn=lambda: None) == "success"
    assert ServiceTaskExecution.objects.get(user=trader).details["error_type"].endswith("IntegrityError")
    assert ServiceTaskExecution.objects.get(user=other_trader).status == "success"


def test_details_that_are_not_json_are_stored_as_text(trader):
    from decimal import Decimal

    user_task_run(user_id=trader.pk, task_name="settle", fn=lambda: {"pnl": Decimal("1.50"), "password": "x"})
    assert ServiceTaskExecution.objects.get(user=trader).details == {"pnl": "1.50", "password": "[redacted]"}


def test_record_false_keeps_no_history_row_for_a_success(trader):
    assert user_task_run(user_id=trader.pk, task_name="sweep", fn=lambda: None, record=False) == "success"
    assert not ServiceTaskExecution.objects.exists()
    assert service_status_for(trader.pk).last_task_execution is not None


# --- retention ------------------------------------------------------------------------------------


def test_the_daily_retention_deletes_task_history_older_than_30_days(trader):
    now = timezone.now()
    for days in (31, 29):
        ServiceTaskExecution.objects.create(
            user=trader, task_name=f"{days}d", started_at=now - timedelta(days=days)
        )
    assert task_history_retention.apply().get() == 1
    assert list(ServiceTaskExecution.objects.values_list("task_name", flat=True)) == ["29d"]


@pytest.mark.parametrize(
    ("entry_name", "task"),
    [
        ("logs-retention", "auditlog.tasks_logs.logs_retention"),
        ("trading-task-history-retention", "trading.tasks_service.task_history_retention"),
    ],
)
def test_the_retention_beat_entries_run_daily_at_two_utc(entry_name, task):
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule

    entry = settings.CELERY_BEAT_SCHEDULE[entry_name]
    assert entry["task"] == task
    row = CrontabSchedule.from_schedule(entry["schedule"])  # what beat stores for it
    assert tuple(str(v) for v in (row.minute, row.hour, row.day_of_week, row.day_of_month)) == (
        "0",
        "2",
        "*",
        "*",
    )
    assert str(row.timezone) == "UTC"
