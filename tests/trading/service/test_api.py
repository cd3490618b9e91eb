"""The trading service through the API: start and stop with their conflicts, who may do it, the
status, the task history (filtered, paginated, only one's own) and the service log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from auditlog.models import AuditLog
from auditlog.models_logs import ServiceLog
from trading.runtime.models import ServiceStatus, ServiceTaskExecution
from trading.runtime.services import service_is_running
from trading.signals.routing import routes_for

pytestmark = pytest.mark.django_db
API = "/api/v1/service"


@pytest.fixture
def sent(monkeypatch, eager_celery):
    """The task messages sent, by name: a spy on the way out (the tasks still run, eagerly)."""
    from celery.app.task import Task

    from config.celery import app

    calls: list[tuple[str, dict]] = []
    original = Task.apply_async

    def spy(self, args=None, kwargs=None, **options):
        calls.append((self.name, kwargs))
        return original(self, args, kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", spy)
    monkeypatch.setattr(app, "send_task", lambda name, kwargs=None, **_: calls.append((name, kwargs)))
    return calls


def test_a_new_users_service_is_running(api, trader):
    body = api.get(f"{API}/status").json()
    assert body["service_running"] is True
    assert body["error_count"] == 0 and body["last_error"] == ""
    assert body["schedules"] == []
    assert set(body) >= {
        "started_at",
        "stopped_at",
        "last_heartbeat",
        "heartbeat_age_seconds",
        "healthy",
        "last_task_execution",
        "last_error_at",
    }


def test_starting_a_running_service_is_409_with_the_state(api):
    response = api.post(f"{API}/start")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_running"
    assert body["detail"] == "Your trading service is already running."
    assert body["state"]["service_running"] is True


def test_stopping_a_stopped_service_is_409_with_the_state(api):
    assert api.post(f"{API}/stop", {}, format="json").status_code == 200
    response = api.post(f"{API}/stop", {"close_all": True}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["state"]["service_running"]) == ("already_stopped", False)
    assert body["state"]["stopped_at"] is not None


def test_stop_then_start_is_audited_and_reaches_the_routes_and_live_events(
    api, trader, sent, django_capture_on_commit_callbacks, monkeypatch
):
    events: list[tuple] = []
    monkeypatch.setattr("trading.service.services.publish", lambda *args: events.append(args))

    stopped = api.post(f"{API}/stop", {"close_all": False}, format="json").json()
    assert stopped["service_running"] is False and stopped["stopped_at"]
    trader.refresh_from_db()
    assert routes_for(trader).service_running is False  # the next signal sees it

    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{API}/start").json()
    assert started["service_running"] is True
    trader.refresh_from_db()
    assert routes_for(trader).service_running is True

    stop, start = AuditLog.objects.filter(action__startswith="trading_service.").order_by("created_at")
    assert (stop.action, stop.actor, stop.owner) == ("trading_service.stop", trader, trader)
    assert stop.changes["running"] == {"before": True, "after": False}
    assert stop.changes["close_all"] is False
    assert start.action == "trading_service.start"
    assert [(user_id, kind, data["service_running"]) for user_id, kind, data in events] == [
        (trader.pk, "service.updated", False),
        (trader.pk, "service.updated", True),
    ]
    # The start dispatched the user's work at once: a queue promotion, a risk cycle, a heartbeat.
    user_ids = [str(trader.pk)]
    assert ("trading.tasks_queue.promote_queues", {"user_ids": user_ids}) in sent
    assert ("trading.tasks_risk.risk_users", {"user_ids": user_ids, "trigger": "manual"}) in sent
    assert ("trading.tasks_service.service_heartbeat", {"user_ids": user_ids}) in sent
    assert api.get(f"{API}/status").json()["healthy"] is True


def test_viewers_read_the_status_but_may_not_start_or_stop(client_for, viewer):
    client = client_for(viewer)
    assert client.get(f"{API}/status").status_code == 200
    assert client.post(f"{API}/stop", {}, format="json").status_code == 403
    assert client.post(f"{API}/start").status_code == 403
    assert ServiceStatus.objects.get(user=viewer).running is True


@pytest.mark.parametrize("body", [{"close_all": "maybe"}, {"close_all": [1]}, [1, 2], "stop"])
def test_a_bad_stop_body_is_a_400_and_changes_nothing(api, trader, body):
    response = api.post(f"{API}/stop", body, format="json")
    assert response.status_code == 400
    assert service_is_running(trader.pk)


def test_anonymous_callers_get_401(anon):
    assert anon.get(f"{API}/status").status_code == 401
    assert anon.post(f"{API}/start").status_code == 401


# --- task history -------------------------------------------------------------------------------


def _execution(user, task_name, status="success", minutes_ago=0, **details):
    return ServiceTaskExecution.objects.create(
        user=user,
        task_name=task_name,
        status=status,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        duration_seconds=0.25,
        details=details,
    )


def test_task_history_is_newest_first_with_its_fields(api, trader):
    _execution(trader, "reconcile", minutes_ago=10, accounts={})
    _execution(trader, "risk_check", status="failed", minutes_ago=1, error="RuntimeError: boom")
    results = api.get(f"{API}/tasks").json()["results"]
    assert [(r["task_name"], r["status"]) for r in results] == [
        ("risk_check", "failed"),
        ("reconcile", "success"),
    ]
    assert set(results[0]) == {"id", "task_name", "executed_at", "status", "duration_seconds", "details"}
    assert results[0]["details"] == {"error": "RuntimeError: boom"}
    assert results[0]["duration_seconds"] == 0.25


def test_task_history_filters_by_task_status_and_date(api, trader):
    _execution(trader, "reconcile", minutes_ago=120)
    _execution(trader, "reconcile", status="failed", minutes_ago=30)
    _execution(trader, "risk_check", status="skipped", minutes_ago=5)

    def names(query: str) -> list[tuple[str, str]]:
        response = api.get(f"{API}/tasks?{query}")
        assert response.status_code == 200, response.json()
        return [(r["task_name"], r["status"]) for r in response.json()["results"]]

    assert names("task_name=reconcile") == [("reconcile", "failed"), ("reconcile", "success")]
    assert names("status=skipped") == [("risk_check", "skipped")]
    since = (timezone.now() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert names(f"executed_after={since}") == [("risk_check", "skipped"), ("reconcile", "failed")]
    assert names(f"executed_before={since}") == [("reconcile", "success")]
    assert api.get(f"{API}/tasks?status=exploded").status_code == 400
    assert api.get(f"{API}/tasks?executed_after=yesterday").status_code == 400


def test_task_history_is_paginated(api, trader):
    for minute in range(7):
        _execution(trader, "reconcile", minutes_ago=minute)
    page = api.get(f"{API}/tasks?page_size=3&page=2").json()
    assert page["count"] == 7 and len(page["results"]) == 3


def test_another_users_task_history_and_logs_are_invisible(client_for, trader, other_trader, admin_user):
    _execution(other_trader, "reconcile")
    ServiceLog.objects.create(user=other_trader, level="INFO", message="theirs")
    ServiceLog.objects.create(user=trader, level="WARNING", category="TRADING", message="mine")
    client = client_for(trader)
    assert client.get(f"{API}/tasks").json()["count"] == 0
    assert client.get(f"{API}/tasks?user_id={other_trader.pk}").json()["count"] == 0
    logs = client.get(f"{API}/logs").json()["results"]
    assert [entry["message"] for entry in logs] == ["mine"]
    assert client.get(f"{API}/logs?user_id={other_trader.pk}").json()["count"] == 0
    # Even an admin's service/logs is their own; the logs page is where they read everyone's.
    assert client_for(admin_user).get(f"{API}/logs").json()["count"] == 0


def test_service_logs_take_the_logs_filters(api, trader):
    ServiceLog.objects.create(user=trader, level="WARNING", category="TRADING", message="order rejected")
    ServiceLog.objects.create(user=trader, level="INFO", category="RISK", message="risk cycle")
    body = api.get(f"{API}/logs?category=RISK").json()
    assert [entry["message"] for entry in body["results"]] == ["risk cycle"]
    assert set(body["results"][0]) == {
        "id",
        "timestamp",
        "user",
        "level",
        "category",
        "module",
        "message",
        "context",
    }
    assert api.get(f"{API}/logs?level=LOUD").status_code == 400
