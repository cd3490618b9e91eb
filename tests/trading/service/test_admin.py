"""Django admin for the trading service: the pages open, start and stop go through the services
(audited, with the admin as the actor), and the task history is read-only."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from auditlog.models import AuditLog
from trading.runtime.models import ServiceStatus, ServiceTaskExecution
from trading.runtime.services import service_status_for
from trading.service.services import service_stop

pytestmark = pytest.mark.django_db
STATUS_URL = "/admin/trading/servicestatus/"
TASKS_URL = "/admin/trading/servicetaskexecution/"


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


def test_the_service_pages_open_with_rows_and_search_by_email(admin_browser, trader):
    status = service_status_for(trader.pk)
    execution = ServiceTaskExecution.objects.create(user=trader, task_name="reconcile", status="failed")
    for url in (
        STATUS_URL,
        f"{STATUS_URL}?running__exact=1",
        f"{STATUS_URL}{status.pk}/change/",
        f"{TASKS_URL}?status__exact=failed&task_name=reconcile",
        f"{TASKS_URL}?q={trader.email}",
        f"{TASKS_URL}{execution.pk}/change/",
    ):
        response = admin_browser.get(url)
        assert response.status_code == 200, url
    assert trader.email.encode() in admin_browser.get(f"{TASKS_URL}?q={trader.email}").content


def test_task_history_cannot_be_added_changed_or_deleted(admin_browser, trader):
    execution = ServiceTaskExecution.objects.create(user=trader, task_name="reconcile")
    assert admin_browser.get(f"{TASKS_URL}add/").status_code == 403
    admin_browser.post(f"{TASKS_URL}{execution.pk}/change/", {"task_name": "forged"})
    execution.refresh_from_db()
    assert execution.task_name == "reconcile"
    assert admin_browser.get(f"{TASKS_URL}{execution.pk}/delete/").status_code == 403


def test_the_stop_and_start_actions_go_through_the_services_and_are_audited(
    admin_browser, admin_user, trader, other_trader
):
    mine, theirs = service_status_for(trader.pk), service_status_for(other_trader.pk)
    service_stop(user=other_trader)
    response = admin_browser.post(
        STATUS_URL, {"action": "stop_services", "_selected_action": [mine.pk, theirs.pk]}, follow=True
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("stopped" in t for t in texts)
    assert any("already stopped" in t for t in texts)  # one refusal does not stop the others
    assert ServiceStatus.objects.get(pk=mine.pk).running is False
    entry = AuditLog.objects.get(action="trading_service.stop", actor=admin_user)
    assert (entry.actor, entry.owner) == (admin_user, trader)

    admin_browser.post(STATUS_URL, {"action": "start_services", "_selected_action": [mine.pk, theirs.pk]})
    assert list(ServiceStatus.objects.values_list("running", flat=True)) == [True, True]
    assert AuditLog.objects.filter(action="trading_service.start", actor=admin_user).count() == 2
