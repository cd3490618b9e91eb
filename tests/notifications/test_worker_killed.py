"""A real `celery worker` killed (SIGKILL) while Telegram is answering its delivery: the message
is delivered once. Its task message comes again (late acks) and the sweeper runs: neither sends a
second copy (notifications/services/delivery.py explains the claim)."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from notifications import tasks
from notifications.models import DeliveryState, NotificationDelivery
from notifications.services.delivery import INTERRUPTED, deliveries_sweep
from notifications.services.notify import notify
from tests.notifications.fake_telegram import FakeTelegram
from tests.worker_process import Worker, celery_worker, database_url

pytestmark = pytest.mark.django_db(transaction=True)  # the worker must see the committed rows


@pytest.fixture
def queue() -> str:
    return f"notify-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def start_worker(django_db_setup: None, tmp_path: Path, fake_telegram: FakeTelegram, queue: str) -> Any:
    if database_url() is None or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and REDIS_URL: the worker shares the database and the broker")
    env = {
        "TELEGRAM_BOT_TOKEN": fake_telegram.token,
        "TELEGRAM_API_URL": fake_telegram.url,
        "NOTIFY_TELEGRAM_RATE": "1000",
    }

    def start(name: str) -> Iterator[Worker]:
        return celery_worker(
            queue=queue,
            hostname=f"{name}-{uuid.uuid4().hex[:8]}@tests",
            log=tmp_path / f"{name}.log",
            env=env,
        )

    return start


def _wait(condition: Any, worker: Worker, timeout: float = 30) -> None:
    worker.wait_for(condition, timeout=timeout)


def test_a_worker_killed_while_telegram_answers_delivers_once(
    trader, link_telegram, fake_telegram, start_worker, queue, monkeypatch
):
    link_telegram(trader, email_enabled=False)
    monkeypatch.setattr("notifications.services.notify.deliveries_enqueue", lambda *a, **k: None)
    n = notify(trader.pk, "risk_action", title="Risk closed ETH", message="worst group closed")
    row = NotificationDelivery.objects.get(notification=n, channel="telegram")
    fake_telegram.delay = 30  # Telegram has the message, its answer never reaches the worker

    with start_worker("doomed") as doomed:
        tasks.deliver.apply_async(kwargs={"delivery_id": row.pk}, queue=queue)
        _wait(lambda: fake_telegram.attempts() == 1, doomed)
        os.killpg(doomed.process.pid, signal.SIGKILL)
        doomed.process.wait(10)
    row.refresh_from_db()
    assert row.state == DeliveryState.SENDING

    fake_telegram.delay = 0
    with start_worker("survivor") as survivor:
        # The killed worker's message, delivered again as late acks make Redis do.
        tasks.deliver.apply_async(kwargs={"delivery_id": row.pk}, queue=queue)
        _wait(lambda: "task done: notifications.tasks.deliver" in survivor.output(), survivor)
        time.sleep(0.5)
    assert fake_telegram.attempts() == 1

    later = timezone.now() + timedelta(hours=1)
    assert deliveries_sweep(now=later)["interrupted"] == 1
    row.refresh_from_db()
    assert (row.state, row.last_error) == (DeliveryState.SENT, INTERRUPTED)
    assert fake_telegram.attempts() == 1
