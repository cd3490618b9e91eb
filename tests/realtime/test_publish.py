"""`notifications.events.publish`: what it sends, and that it arrives promptly from any thread."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from accounts.models import User
from accounts.sessions import TokenPair
from config.env import redis_url_with_db
from notifications import events
from tests.realtime.conftest import Connect


def test_event_data_is_made_json_safe() -> None:
    order_id = uuid.uuid4()
    event = events.build_event(
        events.ORDER_UPDATED,
        {
            "id": order_id,
            "price": Decimal("27123.50"),
            "filled_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "tags": {"dca"},
            "legs": (1, 2),
        },
    )
    assert event["type"] == "order.updated"
    assert event["data"] == {
        "id": str(order_id),
        "price": "27123.50",
        "filled_at": "2026-01-02T03:04:05Z",
        "tags": ["dca"],
        "legs": [1, 2],
    }
    assert datetime.fromisoformat(event["ts"]).tzinfo is not None


def test_unknown_event_type_is_refused_in_the_caller() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        events.publish(uuid.uuid4(), "order.exploded", {})


def test_data_that_cannot_be_sent_is_refused_in_the_caller() -> None:
    with pytest.raises(TypeError):
        events.publish(uuid.uuid4(), events.ORDER_UPDATED, {"raw": object()})


def test_every_documented_event_type_is_known() -> None:
    assert events.EVENT_TYPES == {
        "signal.received",
        "order.updated",
        "position.updated",
        "positions.marked",
        "queue.updated",
        "risk.action",
        "log.created",
        "notification.created",
        "service.updated",
        "ml.job.updated",
        "strategy.updated",
    }


async def _publish_from_worker_thread_and_time_delivery(
    sockets: Connect, user: User, login: Callable[[User], TokenPair], *, serving_loop_known: bool
) -> tuple[dict[str, Any], float]:
    pair = await sync_to_async(login)(user)
    communicator, first = await sockets(pair.access)
    assert first["type"] == "websocket.accept"
    if not serving_loop_known:
        # As in a separate worker process, which has no serving loop (the consumer registered it).
        events.set_server_loop(None)

    def publish() -> None:
        try:
            events.publish(user.id, events.QUEUE_UPDATED, {"depth": 3})
        finally:
            connections.close_all()

    # A plain thread the loop does not wait for, as a worker thread is: awaiting the thread would
    # wake the loop when it ends and hide a send that does not wake it.
    thread = threading.Thread(target=publish)
    started = time.monotonic()
    thread.start()
    received = await communicator.receive_json_from(timeout=2)
    elapsed = time.monotonic() - started
    thread.join(5)
    return received, elapsed


@pytest.mark.django_db(transaction=True)
async def test_publish_from_a_worker_thread_reaches_the_socket_promptly_in_embedded_mode(
    settings: Any, sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # What the embedded runner does before serving.
    events.set_server_loop(asyncio.get_running_loop())
    received, elapsed = await _publish_from_worker_thread_and_time_delivery(
        sockets, trader, login, serving_loop_known=True
    )
    assert received["data"] == {"depth": 3}
    # Scheduled on the serving loop it takes about a millisecond; a plain async_to_sync from the
    # thread leaves it waiting until the loop wakes for something else (hundreds of ms).
    assert elapsed < 0.5


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis)")
@pytest.mark.django_db(transaction=True)
async def test_publish_from_a_worker_thread_reaches_the_socket_through_redis(
    settings: Any, sockets: Connect, trader: User, login: Callable[[User], TokenPair]
) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url_with_db(os.environ["REDIS_URL"], 2)], "prefix": "tf-test"},
        }
    }
    # A worker process has no serving loop: publish goes through async_to_sync and Redis.
    received, elapsed = await _publish_from_worker_thread_and_time_delivery(
        sockets, trader, login, serving_loop_known=False
    )
    assert received["data"] == {"depth": 3}
    assert elapsed < 1.0


@pytest.fixture
def worker_loop() -> Any:
    """This process as a Celery worker process sees it: its own background loop sends the events
    (config/celery.py). The previous loop is put back afterwards."""
    previous, previous_pid = events._server_loop, events._server_loop_pid
    events.start_background_loop()
    yield events._server_loop
    events.set_server_loop(previous)
    events._server_loop_pid = previous_pid


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis channel layer)")
def test_a_worker_process_sends_events_fire_and_forget_from_its_own_loop(worker_loop: Any) -> None:
    """Celery worker processes start a loop of their own (config/celery.py); a send returns at
    once and the event still arrives. A loop registered by another process (inherited through
    fork) is never used."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    user = uuid.uuid4()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.group_for_user(user), channel)
    assert worker_loop is not None and worker_loop.is_running()
    events.start_background_loop()
    assert events._server_loop is worker_loop  # idempotent in one process
    started = time.perf_counter()
    events.publish(user, events.ORDER_UPDATED, {"n": 1})
    assert time.perf_counter() - started < 0.05
    # As a forked child sees it: the loop belongs to another pid, so sending falls back.
    events._server_loop_pid = -1
    events.publish(user, events.ORDER_UPDATED, {"n": 2})

    async def two() -> list[Any]:
        return [(await layer.receive(channel))["event"]["data"]["n"] for _ in range(2)]

    assert sorted(async_to_sync(two)()) == [1, 2]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis channel layer)")
def test_a_burst_of_events_for_many_users_from_a_worker_all_arrive(worker_loop: Any) -> None:
    """A tick that sends 300 users their marks at once. channels-redis holds one pooled
    connection per send in flight (sends past the pool failed and were lost), and one process's
    sockets share one Redis list (past its capacity, 100 by default, events were dropped)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    users = [uuid.uuid4() for _ in range(300)]
    channels = [async_to_sync(layer.new_channel)() for _ in users]
    for user, channel in zip(users, channels, strict=True):
        async_to_sync(layer.group_add)(events.group_for_user(user), channel)
    for n, user in enumerate(users):
        events.publish(user, events.ORDER_UPDATED, {"n": n})

    async def each() -> list[int]:
        got = []
        for channel in channels:  # one at a time: the reading side has a pool too
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=5)
                got.append(int(message["event"]["data"]["n"]))
            except TimeoutError:
                got.append(-1)
        return got

    assert async_to_sync(each)() == list(range(300))


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis channel layer)")
def test_one_users_events_arrive_in_the_order_they_were_published(worker_loop: Any) -> None:
    """A training job's progress, 1 % to 100 %: sends in flight together must not land swapped
    (each takes several round trips to Redis)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    user = uuid.uuid4()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.group_for_user(user), channel)
    for n in range(80):
        events.publish(user, events.ML_JOB_UPDATED, {"progress": n})

    async def all_of_them() -> list[int]:
        return [(await layer.receive(channel))["event"]["data"]["progress"] for _ in range(80)]

    assert async_to_sync(all_of_them)() == list(range(80))
