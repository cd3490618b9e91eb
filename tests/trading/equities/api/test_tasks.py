"""The seven tasks through the API: each with its schedule, next run and last outcome; run now."""

from __future__ import annotations

import pytest

from trading.equities.schedule_defaults import DEFAULT_SCHEDULE

pytestmark = pytest.mark.django_db
API = "/api/v1/equities/tasks"
KEYS = {"task", "label", "description", "cron", "timezone", "enabled", "next_run", "last_run"}


def test_the_seven_tasks_are_listed_with_their_default_schedule(api):
    rows = api.get(API).json()
    assert [row["task"] for row in rows] == list(DEFAULT_SCHEDULE)
    for row in rows:
        assert set(row) == KEYS
        assert row["cron"] == DEFAULT_SCHEDULE[row["task"]]
        assert row["timezone"] == "Asia/Kolkata"
        assert row["last_run"] is None


def test_a_changed_schedule_shows_in_the_list(api):
    api.patch("/api/v1/equities/strategy", {"schedule": {"analysis": "30 16 * * 1-5"}}, format="json")
    rows = {row["task"]: row for row in api.get(API).json()}
    assert rows["analysis"]["cron"] == "30 16 * * 1-5"


def test_run_now_queues_the_task(api, eager_celery):
    response = api.post(f"{API}/end_of_day/run")
    assert response.status_code == 202
    assert response.json() == {"task": "end_of_day", "queued": True}


def test_run_now_of_an_unknown_task_is_a_400(api):
    response = api.post(f"{API}/coffee/run")
    assert response.status_code == 400
    assert "Unknown task" in response.json()["errors"]["task"][0]


def test_a_viewer_cannot_run_a_task(client_for, viewer):
    assert client_for(viewer).post(f"{API}/analysis/run").status_code == 403
