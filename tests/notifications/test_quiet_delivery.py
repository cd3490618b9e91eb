"""Quiet hours on the workers: e-mail and Telegram are held and sent when the hours end, as one
message per channel; critical notifications come through unless the user says otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine

from notifications import tasks
from notifications.models import DeliveryState, NotificationDelivery
from notifications.services.notify import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

NIGHT = datetime(2024, 5, 1, 17, 0, tzinfo=UTC)  # 22:30 in Kolkata
MORNING = datetime(2024, 5, 2, 1, 30, tzinfo=UTC)  # 07:00 in Kolkata


@pytest.fixture
def sleeper(trader, link_telegram):
    link_telegram(
        trader,
        email_enabled=False,
        quiet_hours_start=time(22),
        quiet_hours_end=time(7),
        timezone="Asia/Kolkata",
    )
    return trader


def rows(user):
    return NotificationDelivery.objects.filter(notification__user=user, channel="telegram")


def test_deliveries_in_quiet_hours_are_held_and_sent_together_when_they_end(
    sleeper, fake_telegram, django_capture_on_commit_callbacks
):
    with time_machine.travel(NIGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        notify(sleeper.pk, "signal_refused", title="Signal refused", message="ETH: pool full")
        notify(sleeper.pk, "service_stopped", title="Service stopped", message="by you")
    assert fake_telegram.attempts() == 0
    assert {(r.state, r.next_attempt_at) for r in rows(sleeper)} == {(DeliveryState.HELD, MORNING)}

    with time_machine.travel(datetime(2024, 5, 2, 1, 29, tzinfo=UTC), tick=False):
        tasks.release_held.apply()
    assert fake_telegram.attempts() == 0  # not yet

    with (
        time_machine.travel(datetime(2024, 5, 2, 1, 31, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.release_held.apply()
    [text] = fake_telegram.texts()
    assert text.startswith("[WARNING] 2 notifications from your quiet hours")
    assert "Signal refused: ETH: pool full" in text
    assert "Service stopped: by you" in text
    assert set(rows(sleeper).values_list("state", flat=True)) == {DeliveryState.SENT}


def test_a_critical_notification_comes_through_quiet_hours(
    sleeper, fake_telegram, django_capture_on_commit_callbacks
):
    with time_machine.travel(NIGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        notify(sleeper.pk, "daily_loss_breaker", title="Daily loss breaker tripped", message="")
    assert len(fake_telegram.texts()) == 1
    assert rows(sleeper).get().state == DeliveryState.SENT


def test_a_critical_notification_waits_too_when_the_user_asks(
    sleeper, fake_telegram, django_capture_on_commit_callbacks
):
    sleeper.notification_preference.critical_through_quiet = False
    sleeper.notification_preference.save()
    with time_machine.travel(NIGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        notify(sleeper.pk, "daily_loss_breaker", title="Daily loss breaker tripped", message="")
    assert fake_telegram.attempts() == 0
    assert rows(sleeper).get().state == DeliveryState.HELD


def test_the_app_shows_notifications_at_once_during_quiet_hours(
    sleeper, fake_telegram, live_events, django_capture_on_commit_callbacks
):
    take = live_events(sleeper)
    with time_machine.travel(NIGHT, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notify(sleeper.pk, "signal_refused", title="Signal refused", message="")
        events = take()  # still at night: an in-memory layer's messages expire by the clock
    assert [e["type"] for e in events] == ["notification.created"]
    assert fake_telegram.attempts() == 0
