"""Telegram deliveries against a local fake of the Bot API: sent once, 429 honoured, 5xx and
timeouts retried with backoff, other 4xx given up at once, bursts sent as one message, and a
worker that dies mid-delivery never makes it arrive twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import tasks
from notifications.models import DeliveryState, NotificationDelivery
from notifications.services import delivery as delivery_service
from notifications.services.delivery import INTERRUPTED, deliveries_sweep, delivery_run
from notifications.services.notify import notify
from tests.notifications.conftest import CHAT_ID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no except clause catches it."""


@pytest.fixture
def linked(trader, link_telegram):
    link_telegram(trader, email_enabled=False)
    return trader


def refused(user, **kwargs):
    return notify(user.pk, "signal_refused", title="Signal refused", message="The pool is full", **kwargs)


def telegram_row(notification) -> NotificationDelivery:
    return NotificationDelivery.objects.get(notification=notification, channel="telegram")


def test_a_notification_reaches_the_linked_chat_once(
    linked, fake_telegram, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        n = refused(linked, link="/signals/42")
    [request] = fake_telegram.sent()
    assert request.body["chat_id"] == CHAT_ID
    assert request.body["text"].startswith("[WARNING] Signal refused\n\nThe pool is full")
    assert f"{settings.PUBLIC_URL}/signals/42" in request.body["text"]
    row = telegram_row(n)
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.SENT, 1, "")
    assert row.sent_at is not None


def test_a_429_is_retried_after_the_retry_after_telegram_names(
    linked, fake_telegram, enqueued, django_capture_on_commit_callbacks
):
    fake_telegram.answer_next(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        n = refused(linked)
    assert [e["countdown"] for e in enqueued] == [None, 7.0]
    assert fake_telegram.attempts() == 2
    assert len(fake_telegram.texts()) == 1
    row = telegram_row(n)
    assert row.state == DeliveryState.SENT
    assert row.attempts == 1  # being told to wait is not a failed try


def test_a_429_reschedules_the_row_for_when_telegram_said(linked, fake_telegram, enqueued):
    fake_telegram.answer_next((429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 30}}))
    n = refused(linked)
    before = timezone.now()
    delivery_run(delivery_id=telegram_row(n).pk)
    row = telegram_row(n)
    assert row.state == DeliveryState.PENDING
    assert "429" in row.last_error
    assert before + timedelta(seconds=29) < row.next_attempt_at < timezone.now() + timedelta(seconds=31)


def test_5xx_answers_are_retried_with_exponential_backoff_then_given_up(
    linked, fake_telegram, enqueued, django_capture_on_commit_callbacks
):
    fake_telegram.default = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    with django_capture_on_commit_callbacks(execute=True):
        n = refused(linked)
    assert [e["countdown"] for e in enqueued] == [None, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert fake_telegram.attempts() == 6  # NOTIFY_MAX_ATTEMPTS
    row = telegram_row(n)
    assert row.state == DeliveryState.FAILED
    assert row.attempts == 6
    assert row.last_error == "gave up after 6 attempts: 502 Bad Gateway"


def test_a_timeout_is_retried_like_a_5xx(
    linked, fake_telegram, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_TELEGRAM_TIMEOUT_SECONDS = 0.2
    settings.NOTIFY_MAX_ATTEMPTS = 2
    fake_telegram.delay = 0.5
    with django_capture_on_commit_callbacks(execute=True):
        n = refused(linked)
    assert [e["countdown"] for e in enqueued] == [None, 1.0]
    row = telegram_row(n)
    assert row.state == DeliveryState.FAILED
    assert "timeout" in row.last_error


def test_another_4xx_fails_at_once_without_a_retry(
    linked, fake_telegram, enqueued, django_capture_on_commit_callbacks
):
    fake_telegram.answer_next(
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    )
    with django_capture_on_commit_callbacks(execute=True):
        n = refused(linked)
    assert len(enqueued) == 1
    assert fake_telegram.attempts() == 1
    row = telegram_row(n)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 1)
    assert row.last_error == "400 Bad Request: chat not found"


def test_delivering_twice_sends_once(linked, fake_telegram):
    n = refused(linked)  # its task is not sent: the test's transaction never commits
    row = telegram_row(n)
    tasks.deliver.apply(kwargs={"delivery_id": row.pk})
    tasks.deliver.apply(kwargs={"delivery_id": row.pk})
    assert len(fake_telegram.texts()) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.SENT, 1)


def test_a_worker_killed_after_sending_before_recording_never_sends_again(linked, fake_telegram, monkeypatch):
    n = refused(linked)
    row = telegram_row(n)

    def killed(*_args, **_kwargs):
        raise WorkerKilled

    monkeypatch.setattr(delivery_service, "deliveries_finish_sent", killed)
    with pytest.raises(WorkerKilled):
        delivery_run(delivery_id=row.pk)
    monkeypatch.undo()
    assert len(fake_telegram.texts()) == 1
    row.refresh_from_db()
    assert row.state == DeliveryState.SENDING

    # The message comes again (late acks), and later the sweeper: neither sends a second copy.
    delivery_run(delivery_id=row.pk)
    assert deliveries_sweep()["interrupted"] == 0  # within the lease: the worker may still answer
    later = timezone.now() + timedelta(hours=1)
    assert deliveries_sweep(now=later) == {"resent": 0, "interrupted": 1}
    delivery_run(delivery_id=row.pk)
    assert len(fake_telegram.texts()) == 1
    row.refresh_from_db()
    assert (row.state, row.last_error) == (DeliveryState.SENT, INTERRUPTED)


def test_a_worker_killed_before_its_claim_committed_leaves_it_for_the_next_one(
    linked, fake_telegram, monkeypatch
):
    n = refused(linked)
    row = telegram_row(n)

    def killed(*_args, **_kwargs):
        raise WorkerKilled

    monkeypatch.setattr(delivery_service, "quiet_hours_end", killed)  # inside the claim
    with pytest.raises(WorkerKilled):
        delivery_run(delivery_id=row.pk)
    monkeypatch.undo()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.PENDING, 0)
    assert fake_telegram.texts() == []

    later = timezone.now() + timedelta(minutes=10)
    assert deliveries_sweep(now=later)["resent"] == 1  # eager: sent by the sweep itself
    assert len(fake_telegram.texts()) == 1
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT


def test_a_burst_of_fills_is_one_message_listing_them(
    trader, link_telegram, fake_telegram, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_GROUP_WINDOW_SECONDS = 5
    link_telegram(trader, email_enabled=False, min_level_telegram="info")
    with django_capture_on_commit_callbacks(execute=True):
        fills = [
            notify(
                trader.pk,
                "leg_filled",
                title=f"Leg {i} filled",
                message=f"BTC/USDT @ {60000 - i}",
                group_key="fills:tick-9",
            )
            for i in range(1, 31)
        ]
        notify(trader.pk, "leg_filled", title="Other tick", message="", group_key="fills:tick-10")
    assert {e["countdown"] for e in enqueued} == {5}  # each waited for the window
    texts = fake_telegram.texts()
    assert len(texts) == 2
    burst = next(t for t in texts if "30 notifications: Leg filled" in t)
    assert all(f"Leg {i} filled: BTC/USDT @ {60000 - i}" in burst for i in range(1, 31))
    assert "Other tick" not in burst
    assert set(
        NotificationDelivery.objects.filter(notification__in=fills).values_list("state", flat=True)
    ) == {"sent"}


def test_the_sweeper_resends_a_pending_delivery_whose_message_was_lost(linked, fake_telegram):
    n = refused(linked)  # committed, but the broker never got its task
    assert deliveries_sweep()["resent"] == 0  # not late yet
    assert deliveries_sweep(now=timezone.now() + timedelta(minutes=5))["resent"] == 1
    assert len(fake_telegram.texts()) == 1
    assert telegram_row(n).state == DeliveryState.SENT


def test_unlinking_before_the_worker_runs_skips_the_delivery(linked, fake_telegram):
    n = refused(linked)
    linked.notification_preference.telegram_chat_id = None
    linked.notification_preference.telegram_enabled = False
    linked.notification_preference.save()
    delivery_run(delivery_id=telegram_row(n).pk)
    row = telegram_row(n)
    assert (row.state, row.last_error) == (
        DeliveryState.SKIPPED,
        "No Telegram chat is linked yet: use Link Telegram first.",
    )
    assert fake_telegram.attempts() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_message(trader, link_telegram, fake_telegram, monkeypatch):
    link_telegram(trader, email_enabled=False)
    monkeypatch.setattr("notifications.services.notify.deliveries_enqueue", lambda *a, **k: None)
    n = refused(trader)  # committed (no test transaction here), its task not sent
    row = telegram_row(n)
    fake_telegram.delay = 0.3  # both workers are inside delivery_run at the same time
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connection

        try:
            start.wait()
            delivery_run(delivery_id=row.pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert len(fake_telegram.texts()) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.SENT, 1)
