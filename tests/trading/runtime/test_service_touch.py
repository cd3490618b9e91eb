"""Batches stamp `last_task_execution` of their successful users in one UPDATE: a unit run with
`touch=False` writes nothing when it succeeds, while a failure is recorded exactly as before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trading.runtime.models import ServiceStatus, ServiceTaskExecution
from trading.runtime.services import service_status_for, service_touch, user_task_run

pytestmark = pytest.mark.django_db


def test_a_successful_unit_of_a_batch_writes_nothing(trader):
    service_status_for(trader.pk)
    with CaptureQueriesContext(connection) as queries:
        outcome = user_task_run(
            user_id=trader.pk, task_name="tick", fn=lambda: None, record=False, touch=False
        )
    # (Inside the test's transaction fn still runs in a savepoint; a batch outside one pays none.)
    assert outcome == "success" and all("SAVEPOINT" in q["sql"] for q in queries.captured_queries)
    assert service_status_for(trader.pk).last_task_execution is None


def test_the_batch_stamps_its_successful_users_at_once_even_those_without_a_status_row(trader, other_trader):
    service_status_for(trader.pk)
    with CaptureQueriesContext(connection) as queries:
        assert service_touch([trader.pk, str(trader.pk)]) == 1
    assert len(queries) == 1
    assert service_touch([other_trader.pk]) == 1  # its first work: the row is created
    stamped = dict(ServiceStatus.objects.values_list("user_id", "last_task_execution"))
    assert stamped[trader.pk] is not None and stamped[other_trader.pk] is not None
    assert service_touch([]) == 0


def test_a_failing_unit_with_touch_off_is_still_recorded_against_its_user(trader):
    def broken() -> None:
        raise ValueError("ledger broken")

    assert (
        user_task_run(user_id=trader.pk, task_name="tick", fn=broken, record=False, touch=False) == "failed"
    )
    status = service_status_for(trader.pk)
    assert status.error_count == 1 and status.last_task_execution is not None
    assert ServiceTaskExecution.objects.get(user=trader).status == "failed"


def test_a_recorded_success_with_touch_off_keeps_its_history_row(trader):
    assert (
        user_task_run(user_id=trader.pk, task_name="tick", fn=lambda: {"acted": 1}, touch=False) == "success"
    )
    assert ServiceTaskExecution.objects.get(user=trader).details == {"acted": 1}
