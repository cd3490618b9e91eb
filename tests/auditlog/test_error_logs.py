"""Error logs: captured from failing tasks and requests, listed per user, resolved by admins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from auditlog import signals_logs
from auditlog.models import AuditLog
from auditlog.models_logs import ErrorLog
from auditlog.services_logs import capture_error, logs_retention
from config.tasks import house_task

ran: list[str] = []


class SettlementBroken(Exception):
    """A bug in a task."""


@house_task(name="tests.auditlog.settle")
def settle(*, user_id: str, fail: bool) -> str:
    if fail:
        raise SettlementBroken(f"cannot settle for {user_id} with api_key=k-123")
    ran.append(user_id)
    return "settled"


def _explode(request: HttpRequest) -> None:
    raise ZeroDivisionError("password=hunter2 in a view")


urlpatterns = [
    path("api/v1/", include("auditlog.api.urls_logs")),
    path("boom", _explode),
]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _signals_connected() -> Iterator[None]:
    # As AppConfig.ready() does; left as found, so other tests see the project's own wiring.
    was_connected = signals_logs.connected()
    signals_logs.connect()
    yield
    if not was_connected:
        signals_logs.disconnect()


@pytest.mark.django_db
def test_a_task_that_raises_for_user_a_lands_in_as_error_log_while_bs_tasks_run(
    client_for, trader, other_trader
):
    a, b = str(trader.id), str(other_trader.id)
    ran.clear()
    results = [
        settle.apply(kwargs={"user_id": b, "fail": False}),
        settle.apply(kwargs={"user_id": a, "fail": True}),
        settle.apply(kwargs={"user_id": b, "fail": False}),
    ]
    assert [r.status for r in results] == ["SUCCESS", "FAILURE", "SUCCESS"]
    assert ran == [b, b]

    error = ErrorLog.objects.get()
    assert error.user == trader
    assert error.error_type.endswith("SettlementBroken")
    assert "k-123" not in error.message and "k-123" not in error.traceback
    assert "SettlementBroken" in error.traceback
    assert error.context["task"] == "tests.auditlog.settle"
    assert error.context["kwargs"] == {"user_id": a, "fail": True}
    assert {"database", "python", "django"} <= set(error.context["config"])

    listed = client_for(trader).get("/api/v1/logs/errors").json()["results"]
    assert [e["id"] for e in listed] == [error.id]
    assert client_for(other_trader).get("/api/v1/logs/errors").json()["count"] == 0


@pytest.mark.django_db
def test_a_500_is_captured_with_the_request_path_and_no_secret():
    client = Client(raise_request_exception=False)
    assert client.get("/boom").status_code == 500
    error = ErrorLog.objects.get()
    assert error.user is None
    assert error.context["path"] == "/boom" and error.context["method"] == "GET"
    assert "hunter2" not in error.message + error.traceback


@pytest.mark.django_db
def test_another_users_error_is_404_and_admins_see_all(client_for, trader, other_trader, admin_user):
    theirs = capture_error(ValueError("x"), context={"where": "test"}, user=other_trader)
    capture_error(ValueError("y"), user=trader)
    assert client_for(trader).get(f"/api/v1/logs/errors/{theirs.id}").status_code == 404
    assert client_for(trader).get("/api/v1/logs/errors/99999999999999999999").status_code == 404
    assert client_for(other_trader).get(f"/api/v1/logs/errors/{theirs.id}").status_code == 200
    admin = client_for(admin_user)
    assert admin.get("/api/v1/logs/errors").json()["count"] == 2
    assert admin.get("/api/v1/logs/errors", {"user_id": str(trader.id)}).json()["count"] == 1


@pytest.mark.django_db
def test_admins_resolve_errors_with_notes_and_traders_get_403(client_for, trader, admin_user):
    error = capture_error(RuntimeError("exchange timeout"), user=trader)
    url = f"/api/v1/logs/errors/{error.id}/resolve"

    assert client_for(trader).post(url, {"notes": "mine"}, format="json").status_code == 403
    response = client_for(admin_user).post(url, {"notes": "exchange was down"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["resolved"] is True and body["resolution_notes"] == "exchange was down"
    assert body["resolved_by"]["id"] == str(admin_user.id)
    error.refresh_from_db()
    assert error.resolved_at is not None and error.resolved_by == admin_user
    assert AuditLog.objects.filter(action="error_log.resolve", owner=trader).exists()
    assert client_for(admin_user).post(url, {}, format="json").status_code == 400
    assert client_for(trader).get("/api/v1/logs/errors", {"resolved": "false"}).json()["count"] == 0


@pytest.mark.django_db
def test_retention_drops_errors_resolved_long_ago_and_keeps_unresolved_ones(admin_user):
    long_ago = timezone.now() - timedelta(days=200)
    old_unresolved = ErrorLog.objects.create(error_type="E", created_at=long_ago)
    ErrorLog.objects.create(
        error_type="E", created_at=long_ago, resolved=True, resolved_at=long_ago, resolved_by=admin_user
    )
    recently_resolved = ErrorLog.objects.create(
        error_type="E", created_at=long_ago, resolved=True, resolved_at=timezone.now() - timedelta(days=10)
    )

    assert logs_retention()["error_logs"] == 1
    assert set(ErrorLog.objects.values_list("id", flat=True)) == {old_unresolved.id, recently_resolved.id}
