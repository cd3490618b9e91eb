"""The notifications API: the user's own notifications (another user's are 404), preferences
validated all at once with nothing stored on a 400, and a test per channel."""

from __future__ import annotations

import pytest

from auditlog.models import AuditLog
from notifications.models import Notification, NotificationPreference
from notifications.services.notify import notify

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
PREFS = f"{V1}/notification-preferences"


def make(user, n=1, type="leg_filled", **kwargs):
    return [notify(user.pk, type, title=f"{type} {i}", message="", **kwargs) for i in range(n)]


# --- the inbox ----------------------------------------------------------------------------------


def test_the_list_is_newest_first_paginated_and_only_mine(api, trader, other_trader):
    mine = make(trader, 3)
    make(other_trader, 2)
    body = api.get(f"{V1}/notifications", {"page_size": 2}).json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [str(mine[2].pk), str(mine[1].pk)]
    assert set(body["results"][0]) == {
        "id",
        "type",
        "level",
        "title",
        "message",
        "link",
        "data",
        "read_at",
        "created_at",
    }
    assert body["next"] is not None


def test_the_list_filters_unread_and_by_type(api, trader):
    fills = make(trader, 2)
    make(trader, 1, type="risk_action")
    api.post(f"{V1}/notifications/{fills[0].pk}/read")
    unread = api.get(f"{V1}/notifications", {"unread_only": "true"}).json()["results"]
    assert {row["title"] for row in unread} == {"leg_filled 1", "risk_action 0"}
    risk = api.get(f"{V1}/notifications", {"type": "risk_action"}).json()["results"]
    assert [row["type"] for row in risk] == ["risk_action"]


def test_reading_one_marks_it_read_once(api, trader):
    [n] = make(trader)
    first = api.post(f"{V1}/notifications/{n.pk}/read")
    assert first.status_code == 200
    assert first.json()["read_at"] is not None
    again = api.post(f"{V1}/notifications/{n.pk}/read").json()
    assert again["read_at"] == first.json()["read_at"]
    assert api.get(f"{V1}/notifications/unread-count").json() == {"unread": 0}


def test_another_users_notification_is_404(api, other_trader):
    [theirs] = make(other_trader)
    assert api.post(f"{V1}/notifications/{theirs.pk}/read").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_all_marks_only_mine(api, trader, other_trader):
    make(trader, 3)
    make(other_trader, 2)
    assert api.get(f"{V1}/notifications/unread-count").json() == {"unread": 3}
    assert api.post(f"{V1}/notifications/read-all").json() == {"marked": 3}
    assert api.post(f"{V1}/notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.filter(user=other_trader, read_at__isnull=True).count() == 2


def test_anonymous_callers_are_refused(anon):
    assert anon.get(f"{V1}/notifications").status_code == 401
    assert anon.get(PREFS).status_code == 401


# --- preferences --------------------------------------------------------------------------------


def test_a_new_user_sees_the_defaults_and_the_catalogue(api, trader):
    body = api.get(PREFS).json()
    assert body["email_enabled"] is True
    assert body["email_address"] == trader.email
    assert body["telegram_enabled"] is False
    assert body["telegram_chat_id"] is None
    assert body["min_level"] == {"in_app": "info", "email": "warning", "telegram": "warning"}
    assert body["types"]["leg_filled"] == {"in_app": True, "email": False, "telegram": True}
    assert (body["quiet_hours_start"], body["quiet_hours_end"], body["daily_summary_time"]) == (
        None,
        None,
        None,
    )
    assert body["timezone"] == "UTC"
    assert body["critical_through_quiet"] is True
    assert len(body["catalogue"]) == 22
    assert body["catalogue"][0] == {
        "type": "signal_refused",
        "label": "Signal refused",
        "category": "trading",
        "default_level": "warning",
        "admin_only": False,
    }
    assert not NotificationPreference.objects.filter(user=trader).exists()  # reading writes nothing


def test_a_valid_change_is_stored_returned_and_audited(api, trader):
    current = api.get(PREFS).json()
    current.pop("catalogue")
    changed = {
        **current,
        "email_address": "desk@example.org",
        "types": {**current["types"], "leg_filled": {"in_app": True, "email": True, "telegram": False}},
        "min_level": {"in_app": "info", "email": "info", "telegram": "error"},
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:00",
        "timezone": "Asia/Kolkata",
        "daily_summary_time": "18:30",
    }
    answer = api.put(PREFS, changed, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["email_address"] == "desk@example.org"
    assert body["types"]["leg_filled"] == {"in_app": True, "email": True, "telegram": False}
    assert (body["quiet_hours_start"], body["quiet_hours_end"]) == ("22:00", "07:00")
    assert body["daily_summary_time"] == "18:30"
    assert "catalogue" in body
    assert api.get(PREFS).json()["timezone"] == "Asia/Kolkata"
    prefs = NotificationPreference.objects.get(user=trader)
    assert prefs.types == {"leg_filled": {"email": True, "telegram": False}}  # only what differs
    entry = AuditLog.objects.get(actor=trader, action="notifications.preferences_update")
    assert entry.changes["timezone"] == {"before": "UTC", "after": "Asia/Kolkata"}
    assert set(entry.changes["types"]) == {"leg_filled"}


def test_the_change_reaches_notify_in_this_process_at_once(api, trader):
    make(trader)  # the preferences are now cached
    api.put(
        PREFS, {"types": {"leg_filled": {"in_app": False, "email": False, "telegram": False}}}, format="json"
    )
    assert make(trader) == [None]


def test_bad_preferences_are_400_with_every_field_error_and_nothing_stored(api, trader):
    answer = api.put(
        PREFS,
        {
            "email_enabled": "yes",
            "email_address": "not-an-address",
            "types": {"leg_filed": {"email": True}, "risk_action": {"sms": True}, "leg_filled": {"email": 1}},
            "min_level": {"email": "loud", "pager": "info"},
            "timezone": "Mars/Olympus_Mons",
            "quiet_hours_start": "25:00",
            "daily_summary_time": "6pm",
        },
        format="json",
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert set(errors) == {
        "email_enabled",
        "email_address",
        "types.leg_filed",
        "types.risk_action",
        "types.leg_filled",
        "min_level.email",
        "min_level.pager",
        "timezone",
        "quiet_hours_start",
        "daily_summary_time",
    }
    assert errors["types.leg_filed"] == ["Unknown notification type."]
    assert not NotificationPreference.objects.filter(user=trader).exists()
    assert not AuditLog.objects.filter(action="notifications.preferences_update").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"}, "quiet_hours_end"),
        ({"telegram_enabled": True}, "telegram_enabled"),
        ({"telegram_chat_id": "12345"}, "telegram_chat_id"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"types": ["leg_filled"]}, "types"),
    ],
)
def test_inconsistent_preferences_are_refused(api, trader, body, field):
    answer = api.put(PREFS, body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not NotificationPreference.objects.filter(user=trader).exists()


def test_a_body_that_is_not_an_object_is_400(api):
    assert api.put(PREFS, [1, 2], format="json").status_code == 400


def test_unlinking_telegram(api, trader, link_telegram):
    link_telegram(trader)
    answer = api.put(PREFS, {"telegram_chat_id": None}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["telegram_chat_id"], answer.json()["telegram_enabled"]) == (None, False)


def test_a_linked_chat_id_sent_back_unchanged_is_fine(api, trader, link_telegram):
    link_telegram(trader)
    body = api.get(PREFS).json()
    assert body["telegram_chat_id"] == "424242"
    assert api.put(PREFS, body, format="json").status_code == 200


# --- test sends ---------------------------------------------------------------------------------


def test_an_in_app_test_lands_on_the_bell(api, trader):
    assert api.post(f"{V1}/notifications/test", {"channel": "in_app"}, format="json").json() == {"sent": True}
    assert Notification.objects.get(user=trader, type="test").read_at is None


@pytest.mark.usefixtures("eager_celery")
def test_an_email_test_is_sent_now(api, trader, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"{V1}/notifications/test", {"channel": "email"}, format="json")
    assert answer.status_code == 202
    [message] = smtp_server.messages
    assert message["Subject"] == "Test notification"


@pytest.mark.usefixtures("eager_celery")
def test_a_telegram_test_ignores_quiet_hours(
    api, trader, link_telegram, fake_telegram, django_capture_on_commit_callbacks
):
    from datetime import time

    link_telegram(trader, quiet_hours_start=time(0), quiet_hours_end=time(23, 59))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{V1}/notifications/test", {"channel": "telegram"}, format="json").status_code == 202
    [text] = fake_telegram.texts()
    assert text.startswith("Test notification\n\nNotifications reach you on Telegram.")


def test_a_test_on_a_channel_not_set_up_is_409_with_the_reason(api, trader, fake_telegram):
    answer = api.post(f"{V1}/notifications/test", {"channel": "telegram"}, format="json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "telegram_not_linked"
    NotificationPreference.objects.create(user=trader, email_enabled=False)
    answer = api.post(f"{V1}/notifications/test", {"channel": "email"}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (409, "email_disabled")


def test_a_telegram_test_without_a_bot_is_409(api, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    answer = api.post(f"{V1}/notifications/test", {"channel": "telegram"}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (409, "telegram_not_configured")


def test_an_unknown_channel_is_400(api):
    answer = api.post(f"{V1}/notifications/test", {"channel": "sms"}, format="json")
    assert answer.status_code == 400
    assert "channel" in answer.json()["errors"]
