"""E-mail deliveries through Django's SMTP backend to a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest

from notifications.models import DeliveryState, NotificationDelivery, NotificationPreference
from notifications.services.delivery import delivery_run
from notifications.services.notify import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def breaker(user):
    return notify(
        user.pk,
        "daily_loss_breaker",
        title="Daily loss breaker tripped",
        message="Losses reached 5% today; new entries are paused until tomorrow.",
        link="/risk",
    )


def email_row(notification) -> NotificationDelivery:
    return NotificationDelivery.objects.get(notification=notification, channel="email")


def test_a_notification_is_mailed_to_the_accounts_address(
    trader, smtp_server, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        n = breaker(trader)
    [message] = smtp_server.messages
    assert message["X-Envelope-To"] == trader.email
    assert message["To"] == trader.email
    assert message["From"] == "Tradefleet <alerts@tradefleet.test>"
    assert message["Subject"] == "[CRITICAL] Daily loss breaker tripped"
    assert message["Message-ID"] == f"<{n.pk}.1.email@tradefleet.test>"
    body = message.get_content()
    assert "Losses reached 5% today" in body
    assert f"{settings.PUBLIC_URL}/risk" in body
    assert f"{settings.PUBLIC_URL}/notifications/settings" in body
    row = email_row(n)
    assert (row.state, row.attempts) == (DeliveryState.SENT, 1)


def test_the_address_in_the_preferences_is_used(trader, smtp_server, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=trader, email_address="desk@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        breaker(trader)
    assert [m["X-Envelope-To"] for m in smtp_server.messages] == ["desk@example.org"]


def test_a_refused_recipient_fails_without_a_retry(
    trader, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    smtp_server.refuse_rcpt = "550 5.1.1 No such user"
    with django_capture_on_commit_callbacks(execute=True):
        n = breaker(trader)
    assert len(enqueued) == 1
    row = email_row(n)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 1)
    assert "550" in row.last_error


def test_a_temporary_refusal_is_retried_with_backoff(
    trader, smtp_server, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    smtp_server.refuse_data = "451 4.3.0 Try again later"
    with django_capture_on_commit_callbacks(execute=True):
        n = breaker(trader)
    assert [e["countdown"] for e in enqueued] == [None, 1.0, 2.0]
    row = email_row(n)
    assert row.state == DeliveryState.FAILED
    assert row.last_error.startswith("gave up after 3 attempts: 451")


def test_an_unreachable_server_is_retried(trader, settings, enqueued, django_capture_on_commit_callbacks):
    from tests.notifications.conftest import _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.NOTIFY_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        n = breaker(trader)
    assert [e["countdown"] for e in enqueued] == [None, 1.0]
    assert "ConnectionRefusedError" in email_row(n).last_error


def test_email_switched_off_after_the_notification_is_skipped(trader, smtp_server):
    n = breaker(trader)
    NotificationPreference.objects.create(user=trader, email_enabled=False)
    delivery_run(delivery_id=email_row(n).pk)
    row = email_row(n)
    assert (row.state, row.last_error) == (DeliveryState.SKIPPED, "E-mail notifications are switched off.")
    assert smtp_server.messages == []


def test_a_type_switched_off_after_the_notification_is_skipped(trader, smtp_server):
    n = breaker(trader)
    NotificationPreference.objects.create(user=trader, types={"daily_loss_breaker": {"email": False}})
    delivery_run(delivery_id=email_row(n).pk)
    assert email_row(n).state == DeliveryState.SKIPPED
    assert smtp_server.messages == []
