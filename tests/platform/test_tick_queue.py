"""The `ticks` queue (config/settings.py TICK_QUEUE): what protects open positions has workers of
its own, so new signals cannot starve it.

Redis serves the queues one worker consumes priority step first, across queues: a worker of
`celery` and `ticks` takes every waiting priority-1 signal before any tick. Measured, a fleet fed
more signals than it processed ran no tick for an hour (docs/benchmarks.md, P5). These tests send
through the real Redis broker (TaskSender, apply_async, django-celery-beat's scheduler) and
consume with kombu's Redis transport and a real `celery worker -Q ticks`.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from kombu import Consumer, Message

from config.celery import app
from config.publish import TaskSender
from config.tasks import task_named
from tests.worker_process import celery_worker, database_url
from trading.execution.services.order_rows import enqueue_place, new_order, send_place
from trading.positions.models import OrderRole
from trading.runtime import task_names as names

# What a tick decides to protect a position, and the ticks themselves.
PROTECTING = (
    names.MONITOR_FILLS,
    names.MONITOR_FILL_BATCH,
    names.MONITOR_ACCOUNT,
    names.CHECK_TAKE_PROFITS,
    names.TAKE_PROFIT_PARTITION,
    names.TAKE_PROFIT_BATCH,
    names.RISK_TICK,
    names.RISK_USERS,
    names.CLOSE_GROUP,
    names.REDUCE_GROUP,
)
# New entries and everything that is not a tick stay on the default queue.
ORDINARY = (
    names.PROCESS_SIGNAL,
    names.PLACE_ORDER,
    names.PLACE_ORDERS,
    names.CANCEL_ORDER,
    names.SWEEP_ORDERS,
    names.RECONCILE_ALL,
    names.RECONCILE_ACCOUNT,
    names.SWEEP_SIGNALS,
    names.PROMOTE_QUEUES,
    names.SERVICE_HEARTBEAT,
)
BEAT_TICKS = {"trading-monitor-fills", "trading-check-take-profits", "trading-risk"}


def _queue(name: str, **options: Any) -> str:
    """The queue `apply_async` would send `name` to (Celery's router)."""
    routed = app.amqp.router.route(dict(options), name, (), {}, task_named(name))
    return str(routed["queue"].name)


def test_the_routed_names_are_the_tasks_names() -> None:
    assert set(settings.TICK_TASKS) == set(PROTECTING)
    for name in settings.TICK_TASKS:
        assert task_named(name).name == name  # registered: a typo would route nothing


@pytest.mark.parametrize("name", PROTECTING)
def test_a_protecting_task_goes_to_the_ticks_queue(name: str) -> None:
    assert _queue(name) == settings.TICK_QUEUE == "ticks"


@pytest.mark.parametrize("name", ORDINARY)
def test_entries_and_the_rest_stay_on_the_default_queue(name: str) -> None:
    assert _queue(name) == app.conf.task_default_queue == "celery"


def test_the_alert_that_warns_of_a_backlog_does_not_wait_behind_it() -> None:
    for name in settings.MONITORING_TASKS:
        assert task_named(name).name == name
        assert _queue(name) == settings.TICK_QUEUE
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert set(settings.MONITORING_TASKS) <= scheduled


def test_only_orders_that_protect_a_position_are_placed_through_ticks() -> None:
    from trading.execution.services.order_rows import place_queue

    assert place_queue(OrderRole.CLOSE) == place_queue(OrderRole.TAKE_PROFIT) == settings.TICK_QUEUE
    assert place_queue("close") == settings.TICK_QUEUE  # as values_list() hands it over
    assert place_queue(OrderRole.LEG) is None  # the task's own route: `celery`
    assert _queue(names.PLACE_ORDER, queue=settings.TICK_QUEUE) == settings.TICK_QUEUE


# --- through the real Redis broker ------------------------------------------------------------------


def _lists(queue: str) -> list[str]:
    """The Redis lists of `queue`, one per priority step (`ticks`, `ticks:1`, ... `ticks:9`)."""
    return [queue, *(f"{queue}:{step}" for step in range(1, 10))]


@pytest.fixture
def broker() -> Iterator[Any]:
    """The Redis client of the broker, with the default and ticks queues empty before and after."""
    with app.connection_for_write() as conn:
        if conn.transport.driver_type != "redis":
            pytest.skip("embedded mode: the in-memory broker has no priority lists")
        client = conn.default_channel.client
    keys = [*_lists(app.conf.task_default_queue), *_lists(settings.TICK_QUEUE)]
    client.delete(*keys)
    yield client
    client.delete(*keys)


def _tasks(client: Any, key: str) -> list[str]:
    """The task names waiting in one Redis list, oldest first."""
    return [json.loads(raw)["headers"]["task"] for raw in reversed(client.lrange(key, 0, -1))]


def _orders(client: Any, key: str) -> list[str]:
    """The `order_id` of each place_order waiting in one Redis list, oldest first."""
    bodies = [json.loads(raw)["body"] for raw in reversed(client.lrange(key, 0, -1))]
    return [json.loads(base64.b64decode(body))[1]["order_id"] for body in bodies]  # (args, kwargs, embed)


def test_the_sender_pushes_a_take_profit_batch_to_the_ticks_list_of_its_priority(broker) -> None:
    batches = TaskSender(names.TAKE_PROFIT_BATCH, priority=names.TAKE_PROFIT_PRIORITY)
    signals = TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY)
    for _ in range(2):  # the first message the ordinary way, the second the lean one
        batches.send(units=[], tick="t")
        signals.send(signal_id=str(uuid.uuid4()), user_id="u")
    plan = batches._plan()
    assert plan is not None
    assert (plan.queue, plan.key) == ("ticks", "ticks:3")
    assert _tasks(broker, "ticks:3") == [names.TAKE_PROFIT_BATCH] * 2
    assert _tasks(broker, "celery:1") == [names.PROCESS_SIGNAL] * 2
    lean = json.loads(broker.lindex("ticks:3", 0))  # LPUSH: the newest, the lean path's
    assert lean["properties"]["priority"] == names.TAKE_PROFIT_PRIORITY
    assert lean["properties"]["delivery_info"] == {"exchange": "", "routing_key": "ticks"}


def test_fanned_out_batches_and_a_fill_batch_sent_again_stay_on_ticks(broker) -> None:
    from trading.runtime.fanout import fan_out

    fan_out(task_named(names.RISK_USERS), ["a", "b", "c"], kwarg="user_ids", batch_size=2, expires=29)
    task_named(names.MONITOR_FILL_BATCH).apply_async(kwargs={"units": [], "attempt": 1}, expires=60)
    assert _tasks(broker, "ticks:5") == [names.RISK_USERS, names.RISK_USERS, names.MONITOR_FILL_BATCH]
    assert not any(broker.llen(key) for key in _lists("celery"))


@pytest.mark.django_db
def test_a_close_and_a_take_profit_are_placed_through_ticks_and_an_entry_is_not(
    broker, django_capture_on_commit_callbacks
) -> None:
    user_id = uuid.uuid4()

    def order(role: str) -> Any:
        return new_order(user_id=user_id, role=role, symbol="BTC/USDT", side="sell", quantity=1)

    close, take_profit, leg = order(OrderRole.CLOSE), order(OrderRole.TAKE_PROFIT), order(OrderRole.LEG)
    with django_capture_on_commit_callbacks(execute=True):
        for row in (close, take_profit, leg):
            enqueue_place(row)  # as group_sell and leg_take_profit_sync hand them over
    send_place(order_id=str(close.pk), user_id=str(user_id), role="close")  # a plain value, a sweeper's
    assert _tasks(broker, "ticks:5") == [names.PLACE_ORDER] * 3
    assert _orders(broker, "ticks:5") == [str(close.pk), str(take_profit.pk), str(close.pk)]
    assert _tasks(broker, "celery:5") == [names.PLACE_ORDER]
    assert _orders(broker, "celery:5") == [str(leg.pk)]


@pytest.mark.django_db
def test_the_order_sweeper_sends_a_lost_close_back_through_ticks_and_a_lost_leg_through_celery(
    broker,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tests.trading.factories import DCAOrderFactory
    from trading.execution.services.orders import orders_sweep
    from trading.positions.models import DCAOrder, OrderStatus

    close = DCAOrderFactory(
        role=OrderRole.CLOSE, side="sell", order_type="market", status=OrderStatus.PENDING
    )
    leg = DCAOrderFactory(status=OrderStatus.PENDING)
    lost = timezone.now() - timedelta(minutes=5)  # their messages never arrived
    DCAOrder.objects.filter(pk__in=[close.pk, leg.pk]).update(created_at=lost)
    assert orders_sweep() == 2
    assert _orders(broker, "ticks:5") == [str(close.pk)]
    assert _orders(broker, "celery:5") == [str(leg.pk)]


# Committed: the scheduler commits and closes old connections, as it does in beat.
@pytest.mark.django_db(transaction=True)
def test_beat_sends_the_monitors_to_ticks_from_its_database_rows(broker) -> None:
    """django-celery-beat syncs CELERY_BEAT_SCHEDULE into rows and sends what the rows say: no
    queue there, so each task's route decides. A row whose queue was blanked (in Django admin, say)
    is routed the same way."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    scheduler = DatabaseScheduler(app=app)  # writes the rows, as beat does when it starts
    schedule = scheduler.schedule
    for name in sorted(BEAT_TICKS - {"trading-risk"}):
        scheduler.apply_async(schedule[name], advance=False)
    PeriodicTask.objects.filter(name="trading-risk").update(queue="", exchange="", routing_key="")
    edited = scheduler.Entry(PeriodicTask.objects.get(name="trading-risk"), app=app)
    scheduler.apply_async(edited, advance=False)
    scheduler.apply_async(schedule["trading-sweep-orders"], advance=False)
    assert _tasks(broker, "ticks:3") == [names.CHECK_TAKE_PROFITS]  # beat's priority 3
    assert sorted(_tasks(broker, "ticks:5")) == sorted([names.MONITOR_FILLS, names.RISK_TICK])
    assert _tasks(broker, "celery:5") == [names.SWEEP_ORDERS]
    entries = settings.CELERY_BEAT_SCHEDULE
    assert {n for n, e in entries.items() if e["task"] in PROTECTING} == BEAT_TICKS
    assert not any("queue" in entry.get("options", {}) for entry in entries.values())


def _take(queues: list[str]) -> Message:
    """The message a consumer of `queues` (a worker's -Q) is given first, as kombu's Redis
    transport gives it: one BRPOP over every queue's priority lists. Acknowledged."""
    got: list[Message] = []
    with app.connection_for_read() as conn:
        declared = [app.amqp.queues[name] for name in queues]
        with Consumer(conn, queues=declared, accept=["json"], callbacks=[lambda _b, m: got.append(m)]) as c:
            c.qos(prefetch_count=1)
            conn.drain_events(timeout=5)
        got[0].ack()
    return got[0]


def _first(queues: list[str]) -> str:
    return str(_take(queues).headers["task"])


def test_a_worker_of_ticks_alone_gets_the_tick_behind_a_backlog_of_signals(broker) -> None:
    signals = TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY)
    for _ in range(20):
        signals.send(signal_id=str(uuid.uuid4()), user_id="u")
    task_named(names.TAKE_PROFIT_BATCH).apply_async(
        kwargs={"units": [], "tick": "t"}, expires=14, priority=names.TAKE_PROFIT_PRIORITY
    )
    # The general worker (-Q celery,ticks) is given a signal: priority is global across its queues.
    assert _first(["celery", "ticks"]) == names.PROCESS_SIGNAL
    # worker-ticks (-Q ticks) is given the tick at once, whatever waits on `celery`.
    assert _first(["ticks"]) == names.TAKE_PROFIT_BATCH
    assert broker.llen("celery:1") == 19


def _done(log: str, task_id: str) -> bool:
    """The house task's `task done` line for `task_id` is in the worker's JSON log."""
    for line in log.splitlines():
        if task_id in line and line.startswith("{"):
            record = json.loads(line)
            if record.get("task_id") == task_id and record["message"].startswith("task done:"):
                return True
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_ticks_worker_runs_beats_tick_while_signals_pile_up(broker, tmp_path: Path) -> None:
    """The compose service's command (`celery -A config worker -Q ticks`) against a backlog on
    `celery` that nothing consumes: the take-profit tick runs, the backlog stays."""
    if database_url() is None or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and REDIS_URL: the worker process shares the test database")
    signals = TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY)
    for _ in range(50):
        signals.send(signal_id=str(uuid.uuid4()), user_id="u")
    beat = settings.CELERY_BEAT_SCHEDULE["trading-check-take-profits"]
    hostname = f"ticks-{uuid.uuid4().hex[:12]}@tests"
    with celery_worker(queue=settings.TICK_QUEUE, hostname=hostname, log=tmp_path / "worker.log") as worker:
        # Sent once the worker answers: the tick expires after 14 s, a slow start must not eat them.
        worker.wait_for(lambda: app.control.ping(destination=[hostname], timeout=0.5), timeout=60)
        tick = task_named(beat["task"]).apply_async(**beat["options"])
        worker.wait_for(lambda: _done(worker.output(), tick.id), timeout=30)
    assert broker.llen("celery:1") == 50
    assert not any(broker.llen(key) for key in _lists(settings.TICK_QUEUE))


def test_a_retry_of_a_close_sell_goes_back_to_ticks(broker) -> None:
    """`Task.retry` re-sends to the queue named in the message's delivery info, which is what a
    worker of `ticks` received: a sell the exchange refused for a moment stays ahead of signals."""
    from celery.app.task import Context

    send_place(order_id=str(uuid.uuid4()), user_id="u", role=OrderRole.CLOSE)
    received = _take([settings.TICK_QUEUE])
    request = Context(args=(), kwargs={"order_id": "o", "user_id": "u"}, delivery_info=received.delivery_info)
    again = task_named(names.PLACE_ORDER).signature_from_request(request)
    assert again.options["queue"] == settings.TICK_QUEUE
