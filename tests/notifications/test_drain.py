"""Draining in chunks: a worker's task that notifies many traders sends a few delivery tasks, not
one each; a chunk sends every trader's message once; a worker killed in the middle of a chunk
loses none of the messages it had not reached."""

from __future__ import annotations

import pytest

from accounts.models import Role
from notifications.models import DeliveryState, NotificationDelivery
from notifications.services import delivery as delivery_service
from notifications.services.delivery import deliveries_run
from notifications.services.notify import (
    deliveries_enqueue_hold,
    deliveries_enqueue_release,
    notify,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs."""


@pytest.fixture
def traders(link_telegram):
    users = UserFactory.create_batch(5, role=Role.TRADER)
    for n, user in enumerate(users):
        link_telegram(user, email_enabled=False, telegram_chat_id=9000 + n)
    return users


def refused(user):
    return notify(
        user.pk, "signal_refused", title="Signal refused", message=f"The pool is full for {user.email}"
    )


def telegram_ids(notifications) -> list[int]:
    return list(
        NotificationDelivery.objects.filter(notification__in=notifications, channel="telegram")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def test_a_chunk_sends_each_traders_message_once(traders, fake_telegram):
    ids = telegram_ids([refused(user) for user in traders])

    assert deliveries_run(ids) == 5
    assert deliveries_run(ids) == 0  # the message comes again: nothing leaves twice
    assert sorted(r.body["chat_id"] for r in fake_telegram.sent()) == [9000, 9001, 9002, 9003, 9004]
    assert set(NotificationDelivery.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"sent"}


def test_a_worker_killed_mid_chunk_loses_none_of_the_rest(traders, fake_telegram, monkeypatch):
    ids = telegram_ids([refused(user) for user in traders])
    real_send = delivery_service._send
    calls = []

    def send(claim):
        calls.append(claim.primary_id)
        if len(calls) == 3:
            raise WorkerKilled  # dies after claiming the third, before it leaves
        return real_send(claim)

    monkeypatch.setattr(delivery_service, "_send", send)
    with pytest.raises(WorkerKilled):
        deliveries_run(ids)
    monkeypatch.undo()
    states = dict(NotificationDelivery.objects.filter(pk__in=ids).values_list("pk", "state"))
    # The two that left are recorded; the third was claimed (outcome unknown: never sent again);
    # the last two were not reached and are still pending for the next worker.
    assert [states[pk] for pk in ids] == ["sent", "sent", "sending", "pending", "pending"]

    assert deliveries_run(ids) == 2
    assert len(fake_telegram.sent()) == 4


def test_a_tasks_notifications_leave_in_a_few_delivery_tasks(
    traders, fake_telegram, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_DRAIN_CHUNK = 2
    deliveries_enqueue_hold()  # what the worker's task_prerun does (config/celery.py)
    try:
        for user in traders:
            with django_capture_on_commit_callbacks(execute=True):
                refused(user)  # each in its own transaction, as a tick's fill units are
        # Full chunks leave at once; the rest waits for the end of the task.
        assert [len(e["delivery_ids"]) for e in enqueued] == [2, 2]
    finally:
        deliveries_enqueue_release()  # task_postrun
    assert [len(e["delivery_ids"]) for e in enqueued] == [2, 2, 1]
    assert len(fake_telegram.sent()) == 5


def test_outside_a_task_each_notification_is_sent_at_once(
    traders, fake_telegram, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refused(traders[0])
    [task] = enqueued
    assert len(task["delivery_ids"]) == 1
    assert NotificationDelivery.objects.get(pk=task["delivery_ids"][0]).state == DeliveryState.SENT
