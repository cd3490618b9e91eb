"""Every accepted signal is acted on even when its `process_signal` message was lost (a worker
killed while holding it, a broker that refused it): the signal sweeper sends it again, processing
it twice does nothing twice, and a message redelivered hours later is not dropped as expired.
Against the exchange simulator, tasks run eagerly (tests/trading/conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from config.celery import app
from trading.positions.models import DCAOrder, PositionGroup
from trading.queue.services.processing import signal_process
from trading.queue.services.sweep import signals_sweep
from trading.queue.tasks import process_signal, sweep_signals
from trading.runtime import task_names as names
from trading.signals.enqueue import PROCESS_SIGNAL
from trading.signals.models import Signal

pytestmark = pytest.mark.django_db(transaction=True)  # commits run their on_commit work, as in production


def received_ago(signal: Signal, seconds: float) -> None:
    Signal.objects.filter(pk=signal.pk).update(received_at=timezone.now() - timedelta(seconds=seconds))


@pytest.fixture
def published() -> Iterator[list[dict[str, Any]]]:
    """Every task message published meanwhile (task, kwargs, headers); the broker's queue is
    emptied afterwards, so no message is left for another test's worker."""
    seen: list[dict[str, Any]] = []

    def record(sender: str | None = None, body: Any = None, headers: Any = None, **_: Any) -> None:
        seen.append({"task": sender, "kwargs": body[1] if body else None, "headers": headers or {}})

    before_task_publish.connect(record, weak=False)
    try:
        yield seen
    finally:
        before_task_publish.disconnect(record)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")


def test_a_signal_whose_message_was_lost_is_processed_by_the_sweeper(engine) -> None:
    engine.config()
    lost = engine.signal(process=False)  # stored and answered 202; its message died with a worker
    received_ago(lost, settings.TRADING_SIGNAL_SWEEP_AFTER_SECONDS + 1)
    assert sweep_signals.delay().get() == 1
    lost.refresh_from_db()
    assert (lost.status, lost.classification) == ("processed", "entry")
    assert [leg.status for leg in engine.legs()] == ["filled", "open", "open"]


def test_a_signal_still_within_its_time_is_left_to_its_own_message(engine) -> None:
    engine.config()
    fresh = engine.signal(process=False)
    received_ago(fresh, settings.TRADING_SIGNAL_SWEEP_AFTER_SECONDS - 10)
    assert sweep_signals.delay().get() == 0
    fresh.refresh_from_db()
    assert fresh.status == "received"


def test_the_sweeper_sends_a_signal_again_at_most_once_per_interval(engine, published) -> None:
    app.conf.task_always_eager = False  # the messages go to the broker; nobody consumes them here
    engine.config()
    lost = engine.signal(process=False)
    received_ago(lost, settings.TRADING_SIGNAL_SWEEP_AFTER_SECONDS + 1)
    assert [signals_sweep(), signals_sweep()] == [1, 0]  # two sweeps, or two beats, one copy
    sent = [(m["task"], m["kwargs"]) for m in published]
    assert sent == [(names.PROCESS_SIGNAL, {"signal_id": str(lost.pk), "user_id": str(lost.user_id)})]


def test_a_signal_processed_twice_opens_one_group_and_places_its_orders_once(engine) -> None:
    engine.config()
    signal = engine.signal(process=False)
    kwargs = {"signal_id": str(signal.pk), "user_id": str(signal.user_id)}
    process_signal.apply(kwargs=kwargs)
    process_signal.apply(kwargs=kwargs)  # the sweeper's copy, or the redelivered original
    assert PositionGroup.objects.filter(user=engine.user).count() == 1
    assert len(engine.legs()) == 3
    on_exchange = engine.control.account(str(engine.account.api_key))["open_orders"]
    assert len(on_exchange) == DCAOrder.objects.filter(group__user=engine.user, status="open").count() == 3


def test_two_workers_processing_one_signal_at_once_open_one_group(engine) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so nothing would race")
    engine.config()
    signal = engine.signal(process=False)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            signal_process(signal_id=str(signal.pk))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    signal.refresh_from_db()
    assert signal.status == "processed"
    assert PositionGroup.objects.filter(user=engine.user).count() == 1
    assert len(engine.legs()) == 3


def test_a_signal_the_engine_could_not_act_on_in_time_is_refused_not_traded(engine) -> None:
    engine.config()
    late = engine.signal(process=False)
    received_ago(late, settings.TRADING_SIGNAL_PROCESS_WITHIN_SECONDS + 60)
    assert sweep_signals.delay().get() == 1
    late.refresh_from_db()
    assert late.status == "rejected"
    assert late.reason.startswith("Not traded: the engine could not act on this signal within 60 minutes")
    assert not PositionGroup.objects.filter(user=engine.user).exists()


def test_a_redelivered_signal_message_is_not_dropped_as_expired(trader, published) -> None:
    # A message taken by a worker that died comes back CELERY_VISIBILITY_TIMEOUT later.
    PROCESS_SIGNAL.send(signal_id="s", user_id=str(trader.pk))
    [message] = published
    expires = message["headers"].get("expires")
    redelivered = timezone.now() + timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT + 60)
    assert expires is None or datetime.fromisoformat(expires) > redelivered


def test_beat_runs_the_signal_sweeper_more_often_than_a_signal_may_wait() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["trading-sweep-signals"]
    assert entry["task"] == names.SWEEP_SIGNALS
    assert entry["schedule"] <= settings.TRADING_SIGNAL_SWEEP_AFTER_SECONDS
