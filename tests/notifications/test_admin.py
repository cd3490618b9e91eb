"""Notifications in Django admin: readable, not editable, failed deliveries sent again."""

from __future__ import annotations

import pytest
from django.test import Client

from notifications.models import DeliveryState, NotificationDelivery, NotificationPreference
from notifications.services.notify import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


@pytest.fixture
def failed(trader) -> NotificationDelivery:
    n = notify(trader.pk, "risk_action", title="Risk", message="closed")
    row = n.deliveries.get(channel="email")
    row.state, row.attempts, row.last_error = DeliveryState.FAILED, 6, "gave up after 6 attempts: 451"
    row.save()
    return row


def test_the_admin_pages_open(admin_browser, trader, failed):
    NotificationPreference.objects.create(user=trader, telegram_link_code_hash="a" * 64)
    for path in (
        "/admin/notifications/notification/",
        f"/admin/notifications/notification/{failed.notification_id}/change/",
        "/admin/notifications/notificationdelivery/",
        f"/admin/notifications/notificationdelivery/{failed.pk}/change/",
        "/admin/notifications/notificationpreference/",
        f"/admin/notifications/notificationpreference/{trader.pk}/change/",
    ):
        page = admin_browser.get(path)
        assert page.status_code == 200, path
        assert "a" * 64 not in page.content.decode()  # the link code's digest is never shown


def test_rows_cannot_be_changed_from_a_form(admin_browser, failed):
    page = admin_browser.post(
        f"/admin/notifications/notificationdelivery/{failed.pk}/change/", {"state": "sent"}
    )
    assert page.status_code == 403
    failed.refresh_from_db()
    assert failed.state == DeliveryState.FAILED


@pytest.mark.usefixtures("eager_celery")
def test_failed_deliveries_can_be_sent_again(
    admin_browser, failed, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_browser.post(
            "/admin/notifications/notificationdelivery/",
            {"action": "retry", "_selected_action": [failed.pk]},
        )
    assert page.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (DeliveryState.SENT, 1)
    assert len(smtp_server.messages) == 1
