"""notify(): one row in the caller's transaction, the live event and the deliveries after commit,
each channel as the user's preferences say."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications.models import DeliveryState, Notification, NotificationDelivery, NotificationPreference
from notifications.services.notify import notify, notify_admins
from notifications.services.preferences import preferences_forget

pytestmark = pytest.mark.django_db


def fill(user, **kwargs):
    return notify(
        user.pk,
        "leg_filled",
        title="BTC/USDT leg 2 filled",
        message="0.01 @ 61,250",
        link="/positions/1",
        **kwargs,
    )


def test_a_notification_reaches_the_users_sockets_after_commit(
    trader, live_events, django_capture_on_commit_callbacks
):
    take = live_events(trader)
    with django_capture_on_commit_callbacks(execute=True):  # the commit
        first = fill(trader)
        second = notify(trader.pk, "risk_action", title="Risk action", message="Closed the worst group")
    events = take()
    assert [e["type"] for e in events] == ["notification.created", "notification.created"]
    assert events[0]["data"]["id"] == str(first.pk)
    assert events[0]["data"]["level"] == "info"
    assert events[0]["data"]["link"] == "/positions/1"
    assert events[1]["data"]["id"] == str(second.pk)
    assert events[1]["data"]["level"] == "warning"
    # The socket adds the unread count (tests/realtime): the tick does not count for it.
    assert "unread_count" not in events[1]["data"]


def test_a_rolled_back_transaction_leaves_no_notification_and_sends_nothing(trader, live_events):
    take = live_events(trader)

    def failing_fill() -> None:
        with transaction.atomic():
            fill(trader)
            raise RuntimeError("the fill failed")

    with pytest.raises(RuntimeError):
        failing_fill()
    assert not Notification.objects.filter(user=trader).exists()
    assert take() == []


def test_an_info_fill_stays_in_the_app_but_a_warning_also_goes_to_email(trader):
    assert not fill(trader).deliveries.exists()  # e-mail and Telegram start at warning
    refused = notify(trader.pk, "signal_refused", title="Signal refused", message="Pool full")
    assert set(refused.deliveries.values_list("channel", flat=True)) == {"email"}  # Telegram not linked
    assert refused.deliveries.get().state == DeliveryState.PENDING


def test_telegram_is_used_once_linked(trader, link_telegram):
    link_telegram(trader)
    refused = notify(trader.pk, "signal_refused", title="Signal refused", message="Pool full")
    assert set(refused.deliveries.values_list("channel", flat=True)) == {"email", "telegram"}


def test_type_switches_and_minimum_levels_choose_the_channels(trader, link_telegram):
    link_telegram(
        trader,
        types={"leg_filled": {"email": True}, "risk_action": {"email": False}},
        min_level_email="info",
        min_level_telegram="error",
    )
    leg = fill(trader)
    assert set(leg.deliveries.values_list("channel", flat=True)) == {"email"}  # Telegram wants error+
    risk = notify(trader.pk, "risk_action", title="Risk", message="", level="error")
    assert set(risk.deliveries.values_list("channel", flat=True)) == {"telegram"}  # e-mail off for it


def test_a_type_off_in_the_app_is_kept_as_read_when_another_channel_wants_it(trader, link_telegram):
    link_telegram(trader, types={"position_opened": {"in_app": False}}, min_level_telegram="info")
    opened = notify(trader.pk, "position_opened", title="Opened", message="")
    assert opened.read_at is not None  # never counted on the bell
    assert set(opened.deliveries.values_list("channel", flat=True)) == {"telegram"}


def test_a_type_wanted_nowhere_writes_nothing(trader):
    NotificationPreference.objects.create(user=trader, types={"leg_filled": {"in_app": False}})
    assert fill(trader) is None
    assert not Notification.objects.filter(user=trader).exists()


def test_a_fill_for_a_user_who_wants_it_only_in_the_app_is_one_insert(trader, django_assert_num_queries):
    fill(trader)  # the preferences are read once per process and cached
    with django_assert_num_queries(1):
        fill(trader)


def test_a_preference_change_is_seen_by_the_next_notify_however_it_was_saved(trader):
    fill(trader)  # the snapshot is cached here and in the shared cache
    prefs = NotificationPreference.objects.create(user=trader, types={"leg_filled": {"in_app": False}})
    assert fill(trader) is None  # saving the row (API, Telegram link, admin) drops both copies
    prefs.delete()
    assert fill(trader) is not None


def test_another_process_reads_the_shared_snapshot_not_the_database(trader, django_assert_num_queries):
    fill(trader)
    preferences_forget()  # a new process: nothing in its memory, the shared copy still there
    with django_assert_num_queries(1):  # the notification's INSERT only
        fill(trader)


def test_unknown_types_and_levels_are_programming_errors(trader):
    with pytest.raises(ValueError, match="unknown notification type"):
        notify(trader.pk, "leg_filed", title="x", message="")
    with pytest.raises(ValueError, match="unknown level"):
        notify(trader.pk, "leg_filled", title="x", message="", level="fatal")


def test_data_is_stored_as_json(trader):
    from decimal import Decimal

    n = fill(trader, data={"price": Decimal("61250.5"), "legs": {1, 2}})
    n.refresh_from_db()
    assert n.data == {"price": "61250.5", "legs": [1, 2]}


def test_admin_types_reach_every_active_admin_only(admin_user, trader):
    from tests.factories import UserFactory

    UserFactory(role="admin", is_active=False)
    sent = notify_admins("ml_job_failed", title="Training failed", message="out of memory")
    assert [n.user_id for n in sent] == [admin_user.pk]
    assert sent[0].level == "error"
    assert not Notification.objects.filter(user=trader).exists()


def test_grouped_notifications_share_a_batch_and_wait_for_the_window(trader, link_telegram, settings):
    settings.NOTIFY_GROUP_WINDOW_SECONDS = 5
    link_telegram(trader, min_level_telegram="info")
    a = fill(trader, group_key="fills:tick-1")
    b = fill(trader, group_key="fills:tick-1")
    other = fill(trader, group_key="fills:tick-2")
    keys = {
        n.pk: NotificationDelivery.objects.get(notification=n, channel="telegram").batch_key
        for n in (a, b, other)
    }
    assert keys[a.pk] == keys[b.pk] != keys[other.pk]
    due = NotificationDelivery.objects.get(notification=a, channel="telegram").next_attempt_at
    assert (due - a.created_at).total_seconds() == 5
