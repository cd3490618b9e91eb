"""The daily summary: at the user's chosen local time, once a day, only on a day with news."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from notifications import tasks
from notifications.models import Notification
from notifications.services.notify import notify
from notifications.services.summary import summary_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

DAY = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
EVENING = datetime(2024, 5, 1, 13, 5, tzinfo=UTC)  # 18:35 in Kolkata


def test_a_summary_is_due_once_the_local_time_has_passed_and_not_again_that_day():
    kolkata = {"at": time(18, 30), "tz": "Asia/Kolkata"}
    assert summary_due(datetime(2024, 5, 1, 12, 59, tzinfo=UTC), **kolkata, last_sent_on=None) is None
    assert summary_due(datetime(2024, 5, 1, 13, 0, tzinfo=UTC), **kolkata, last_sent_on=None) == date(
        2024, 5, 1
    )
    assert summary_due(EVENING, **kolkata, last_sent_on=date(2024, 5, 1)) is None
    assert summary_due(EVENING, **kolkata, last_sent_on=date(2024, 4, 30)) == date(2024, 5, 1)
    assert summary_due(EVENING, at=None, tz="UTC", last_sent_on=None) is None


def test_the_summary_counts_the_days_notifications_once(
    trader, link_telegram, fake_telegram, django_capture_on_commit_callbacks
):
    link_telegram(trader, email_enabled=False, daily_summary_time=time(18, 30), timezone="Asia/Kolkata")
    with time_machine.travel(DAY, tick=False):
        for i in range(3):
            notify(trader.pk, "leg_filled", title=f"Leg {i} filled", message="")
        notify(trader.pk, "risk_action", title="Risk closed ETH", message="")
    with time_machine.travel(EVENING, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.send_daily_summaries.apply()
        tasks.send_daily_summaries.apply()  # beat runs every minute: still one summary
    [text] = fake_telegram.texts()
    assert text.startswith("Daily summary for 2024-05-01: 4 notifications")
    assert "1 warning, 3 info" in text
    assert "Leg filled: 3" in text
    assert "- Risk closed ETH" in text
    summary = Notification.objects.get(user=trader, type="daily_summary")
    assert summary.read_at is not None  # not one more on the bell


def test_a_quiet_day_sends_no_summary(
    trader, link_telegram, fake_telegram, django_capture_on_commit_callbacks
):
    link_telegram(trader, email_enabled=False, daily_summary_time=time(18, 30), timezone="Asia/Kolkata")
    with time_machine.travel(EVENING, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.send_daily_summaries.apply()
    assert fake_telegram.attempts() == 0


def test_the_summary_is_mailed_when_email_is_on(trader, smtp_server, django_capture_on_commit_callbacks):
    from notifications.models import NotificationPreference

    NotificationPreference.objects.create(user=trader, daily_summary_time=time(8, 0), timezone="UTC")
    with time_machine.travel(datetime(2024, 5, 1, 7, 0, tzinfo=UTC), tick=False):
        notify(trader.pk, "service_stopped", title="Service stopped", message="")
    with (
        time_machine.travel(datetime(2024, 5, 1, 8, 0, 30, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.send_daily_summaries.apply()
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert "Daily summary for 2024-05-01: 1 notification" in subjects
