"""A restart storm does not starve order placement: however many workers start, each account is
reconciled once per interval across the fleet, reconcile messages wait behind order placement,
and an order message lives until the sweeper would send it again. Against the exchange
simulator (tests/trading/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from brokers.errors import BrokerError
from config.celery import app
from trading.execution import tasks
from trading.execution.services.orders import SWEEP_PENDING_AFTER
from trading.runtime import task_names as names

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published() -> Iterator[list[dict[str, Any]]]:
    """The task messages published meanwhile (task, priority, headers); the broker's queue is
    emptied afterwards."""
    seen: list[dict[str, Any]] = []

    def record(sender: str | None = None, headers: Any = None, properties: Any = None, **_: Any) -> None:
        seen.append({"task": sender, "priority": (properties or {}).get("priority"), "headers": headers})

    before_task_publish.connect(record, weak=False)
    try:
        yield seen
    finally:
        before_task_publish.disconnect(record)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")


def open_orders_requests(engine: Any) -> int:
    """How often the simulator was asked for an account's open orders (what a reconcile asks)."""
    by_endpoint = engine.control.state()["counters"]["by_endpoint"]
    return sum(int(n) for route, n in by_endpoint.items() if "openOrders" in route)


def test_five_workers_starting_at_once_reconcile_each_account_once(make_engine, trader, other_trader) -> None:
    engines = [make_engine(trader), make_engine(other_trader)]
    for engine in engines:
        engine.config()
        engine.signal(price="100")  # live orders: both accounts need reconciling
    before = open_orders_requests(engines[0])
    for _ in range(5):
        tasks._reconcile_on_start()  # each worker that starts sends one (run here eagerly)
    assert open_orders_requests(engines[0]) - before == 2
    cache.clear()  # the claims expire: the next interval reconciles again
    tasks._reconcile_on_start()
    assert open_orders_requests(engines[0]) - before == 4


def test_a_worker_starting_right_after_beats_tick_still_reconciles(engine) -> None:
    # Fills made while the workers were down are recorded at their start, not up to an
    # interval later (bench/chaos scenario 6 waited 228 s for beat's next tick).
    engine.config()
    engine.signal(price="100")
    before = open_orders_requests(engine)
    tasks.reconcile_all.apply()  # beat's tick: this interval's claim is taken
    assert open_orders_requests(engine) - before == 1
    tasks._reconcile_on_start()
    assert open_orders_requests(engine) - before == 2
    tasks._reconcile_on_start()  # another worker of the same restart: done already
    assert open_orders_requests(engine) - before == 2


def test_a_failed_reconcile_gives_its_interval_back(engine) -> None:
    engine.config()
    engine.signal(price="100")
    engine.control.set_faults(error_rate=1.0, match=["GET /api/v3/openOrders"], count=1)
    kwargs = {"account_id": str(engine.account.pk), "user_id": str(engine.user.pk)}
    with pytest.raises(BrokerError):
        tasks.reconcile_account.apply(kwargs=kwargs, retries=2)  # its last try fails
    before = open_orders_requests(engine)
    tasks.reconcile_account.apply(kwargs=kwargs)  # the next one is not turned away
    assert open_orders_requests(engine) - before == 1


def test_reconcile_messages_wait_behind_order_placement(engine, published) -> None:
    engine.config()
    engine.signal(price="100")
    app.conf.task_always_eager = False  # from here the messages go to the broker, as in a worker
    tasks._reconcile_on_start()
    tasks.reconcile_all.apply()  # what the worker that takes it runs: one message per account
    tasks.place_order.delay(order_id=str(engine.legs()[1].pk), user_id=str(engine.user.pk))
    priorities = {message["task"]: message["priority"] for message in published}
    placement = priorities[names.PLACE_ORDER]
    assert placement == settings.CELERY_TASK_DEFAULT_PRIORITY
    # Redis empties the lower step first: every placement goes before any reconcile.
    assert priorities[names.RECONCILE_ALL] == priorities[names.RECONCILE_ACCOUNT] == names.RECONCILE_PRIORITY
    assert names.RECONCILE_PRIORITY > placement
    beat = settings.CELERY_BEAT_SCHEDULE["trading-reconcile"]["options"]
    assert beat["priority"] == names.RECONCILE_PRIORITY


def test_an_order_message_lives_until_the_sweeper_would_send_it_again(engine, published) -> None:
    engine.config()
    engine.signal(price="100")
    app.conf.task_always_eager = False
    sent = timezone.now()
    tasks.place_order.delay(order_id=str(engine.legs()[1].pk), user_id=str(engine.user.pk))
    [message] = [m for m in published if m["task"] == names.PLACE_ORDER]
    # A `pending` row is sent again at the first sweep after SWEEP_PENDING_AFTER.
    interval = settings.CELERY_BEAT_SCHEDULE["trading-sweep-orders"]["schedule"]
    resent_by = sent + SWEEP_PENDING_AFTER + timedelta(seconds=interval)
    assert datetime.fromisoformat(message["headers"]["expires"]) >= resent_by
