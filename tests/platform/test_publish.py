"""config/publish.py: a TaskSender's message is the message `apply_async` sends, byte for byte but
for its ids and the moment it expires; anything but the Redis broker simply is apply_async."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from celery.signals import before_task_publish

from config.celery import app
from config.publish import TaskSender
from config.tasks import task_named
from trading.runtime import task_names as names


def _redis_broker() -> Any:
    with app.connection_for_write() as conn:
        if conn.transport.driver_type != "redis":
            pytest.skip("embedded mode: the in-memory broker takes apply_async's path")
        return conn.default_channel.client


def _normalized(raw: bytes) -> dict[str, Any]:
    message = json.loads(raw)
    for header in ("id", "root_id"):  # the task id twice (no `expires`: process_signal has none)
        assert message["headers"][header]
        message["headers"][header] = "*"
    message["properties"]["correlation_id"] = message["properties"]["delivery_tag"] = "*"
    message["body"] = json.loads(base64.b64decode(message["body"]))
    return message


def test_the_sender_sends_the_message_apply_async_sends() -> None:
    client = _redis_broker()
    queue = f"celery:{names.SIGNAL_PRIORITY}"  # priority_steps 0..9 with ":" (config/settings.py)
    client.delete(queue)
    sender = TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY)
    kwargs = {"signal_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4())}
    try:
        first = sender.send(**kwargs)  # the ordinary path, declaring the queue
        second = sender.send(**kwargs)  # the lean one
        task_named(names.PROCESS_SIGNAL).apply_async(kwargs=kwargs, priority=names.SIGNAL_PRIORITY)
        raw = client.lrange(queue, 0, -1)
    finally:
        client.delete(queue)
    assert len(raw) == 3
    ours, again, celerys = (_normalized(message) for message in reversed(raw))  # LPUSH: newest first
    assert ours == again == celerys
    assert ours["body"][1] == kwargs
    assert ours["properties"]["priority"] == names.SIGNAL_PRIORITY
    ids = [json.loads(message)["headers"]["id"] for message in reversed(raw)]
    assert ids[:2] == [first, second] and len(set(ids)) == 3


def test_the_sender_announces_its_message_like_apply_async(settings) -> None:
    seen: list[dict[str, Any]] = []

    def record(sender: str | None = None, body: Any = None, **_: Any) -> None:
        seen.append({"task": sender, "kwargs": body[1]})

    kwargs = {"signal_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4())}
    before_task_publish.connect(record, weak=False)
    try:
        TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY).send(**kwargs)
    finally:
        before_task_publish.disconnect(record)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")
    assert seen == [{"task": names.PROCESS_SIGNAL, "kwargs": kwargs}]


def test_a_message_redis_refused_goes_the_ordinary_way(monkeypatch) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = _redis_broker()
    queue = f"celery:{names.SIGNAL_PRIORITY}"
    client.delete(queue)
    sender = TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY)
    try:
        sender.send(signal_id="a", user_id="b")  # the ordinary way, then the lean one is ready
        plan = sender._plan()
        assert plan is not None
        assert plan.client is not None

        def refused(*_: Any) -> None:
            raise RedisConnectionError("gone")

        monkeypatch.setattr(plan.client, "lpush", refused)
        task_id = sender.send(signal_id="c", user_id="d")
        raw = client.lrange(queue, 0, -1)
    finally:
        client.delete(queue)
    assert len(raw) == 2
    assert json.loads(raw[0])["headers"]["id"] == task_id  # LPUSH: the newest first
