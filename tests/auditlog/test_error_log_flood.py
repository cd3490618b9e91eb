"""A client that makes requests fail on purpose cannot fill the error log: the same failure counts
on one entry, and captures are limited per cause and per client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path

from auditlog import signals_logs
from auditlog.models_logs import ErrorLog
from auditlog.services_logs import capture_error


def _explode(request: HttpRequest, item: str = "") -> None:
    raise ZeroDivisionError(f"cannot price item {item}")


def _break_differently(request: HttpRequest) -> None:
    raise KeyError("missing")


urlpatterns = [
    path("api/v1/", include("auditlog.api.urls_logs")),
    path("items/<str:item>/price", _explode),
    path("other", _break_differently),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _signals_connected() -> Iterator[None]:
    # As AppConfig.ready() does; left as found, so other tests see the project's own wiring.
    was_connected = signals_logs.connected()
    signals_logs.connect()
    yield
    if not was_connected:
        signals_logs.disconnect()


def fail(times: int, *, url: str = "/items/{i}/price", ip: str = "203.0.113.5") -> None:
    client = Client(raise_request_exception=False)
    for i in range(times):
        assert client.get(url.format(i=i), REMOTE_ADDR=ip).status_code == 500


def test_the_same_failure_again_and_again_is_one_entry_with_its_count():
    fail(5)  # five paths, one route: the same cause

    error = ErrorLog.objects.get()
    assert error.count == 5
    assert error.last_seen_at > error.created_at
    assert error.context["path"] == "/items/0/price"  # the first time's details are kept


def test_different_failures_and_a_resolved_one_coming_back_get_entries_of_their_own(admin_user):
    fail(2)
    fail(1, url="/other")
    assert sorted(ErrorLog.objects.values_list("count", flat=True)) == [1, 2]

    ErrorLog.objects.update(resolved=True)
    fail(1)
    assert ErrorLog.objects.filter(resolved=False).get().count == 1


def test_one_client_past_its_limit_is_not_captured_and_others_still_are(settings):
    settings.ERROR_LOG_CAPTURES_PER_CLIENT = 3
    fail(10, ip="203.0.113.5")
    assert ErrorLog.objects.get().count == 3
    fail(1, ip="198.51.100.7")
    assert ErrorLog.objects.get().count == 4


def test_a_cause_past_its_writes_a_minute_is_counted_and_added_with_its_next_write(settings):
    settings.ERROR_LOG_WRITES_PER_CAUSE = 2
    for i in range(6):  # six clients: the per-client limit plays no part
        fail(1, ip=f"198.51.100.{i}")
    assert ErrorLog.objects.get().count == 2

    settings.ERROR_LOG_WRITES_PER_CAUSE = 100
    fail(1)
    assert ErrorLog.objects.get().count == 7


def test_two_users_failing_alike_keep_their_own_entries(trader, other_trader):
    def failing() -> None:
        raise RuntimeError("exchange timeout")

    for user in (trader, other_trader, trader):
        try:
            failing()
        except RuntimeError as exc:
            capture_error(exc, context={"source": "task", "task": "tests.settle"}, user=user)

    assert ErrorLog.objects.get(user=trader).count == 2
    assert ErrorLog.objects.get(user=other_trader).count == 1


def test_the_error_list_shows_how_often_and_when_last(client_for, admin_user):
    fail(3)
    listed = client_for(admin_user).get("/api/v1/logs/errors").json()["results"]
    assert [(e["count"], e["last_seen_at"] is not None) for e in listed] == [(3, True)]
