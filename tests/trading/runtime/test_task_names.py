"""Every task name beat, a stored per-user schedule or a service sends resolves to a registered
task in any process that has loaded Django (a web process imports no task module by itself)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from config.tasks import task_named
from trading.runtime import task_names

NAMES = sorted(value for key, value in vars(task_names).items() if key.isupper() and isinstance(value, str))


def test_every_beat_entry_names_a_registered_task():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert task_named(entry["task"]).name == entry["task"]


@pytest.mark.parametrize("name", NAMES)
def test_every_engine_task_is_registered_under_its_wire_name(name):
    assert task_named(name).name == name


def test_every_trading_task_takes_its_name_from_task_names():
    from config.celery import app

    task_named(task_names.PLACE_ORDER)  # the registry is complete once anything was looked up
    assert {name for name in app.tasks if name.startswith("trading.")} == set(NAMES)


def test_a_user_schedule_row_stored_before_the_move_still_runs():
    # Rows in django_celery_beat_periodictask name the task as it was when they were written.
    assert task_named("trading.tasks_service.run_user_task").name == task_names.RUN_USER_TASK


def test_an_unknown_name_says_so():
    with pytest.raises(LookupError, match=re.escape("no task named 'trading.tasks.nothing'")):
        task_named("trading.tasks.nothing")
