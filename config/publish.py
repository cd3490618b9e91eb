"""One task's messages, sent often, without the per-call work that never changes.

    PROCESS_SIGNAL = TaskSender("trading.tasks.process_signal", priority=1)
    PROCESS_SIGNAL.send(signal_id=..., user_id=...)   # what apply_async(kwargs=..., priority=1) sends

`apply_async` cost about 0.45 ms per message on the P1 machine, of which the Redis LPUSH is under
0.1 ms (docs/benchmarks.md, P1). The rest is work whose result is the same every time: merging
the task's options and routing it (copies of the queue and exchange), reading Celery's
configuration through its layered mappings, checking that the queue was declared (a cached
no-op after the first message, which still binds a copy of the queue), and, in kombu's Redis
transport, a new `redis.Redis` client object (hundreds of response callbacks) for every message.

A sender does the option merging and routing once per process and thread, publishes the first
message the ordinary way (declaring the queue, as `apply_async` does), and after that keeps one
Redis client on the transport's own connection pool and skips the declaration that kombu's
cache would skip. The message is still built by Celery (`create_task_message`), published by
Celery (`send_task_message`: signals, retry policy) through kombu's `Producer.publish`
(serializer, delivery mode, expiration, priority) and pushed to the list kombu's `_put` would use,
so a worker cannot tell the two apart: tests/platform/test_publish.py compares them.

Anything unusual takes `apply_async` itself: another transport (the in-memory broker of embedded
mode and tests), a call from inside a task (the message then names its parent), eager mode,
`task-sent` events, a result backend that wants to hear of the task, a queue with `x-expires`.
The module reaches into kombu's Redis channel (`_put`'s steps); the test above is what notices if
a kombu upgrade changes them.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from celery import Task
from kombu import Producer
from kombu.transport.redis import Channel as RedisChannel
from kombu.utils.json import dumps
from kombu.utils.uuid import uuid

from .tasks import task_named


class _RedisProducer(Producer):
    """kombu's Producer whose final step is `_put`'s LPUSH on one client kept for the channel,
    instead of a client object built per message. Anything the lean step does not cover
    (an exchange, entities to declare, queues with expiry) goes through kombu's own `_publish`."""

    _client_for: tuple[Any, Any] | None = None

    def _publish(  # type: ignore[no-untyped-def]  # kombu's signature, untyped there
        self,
        body,
        priority,
        content_type,
        content_encoding,
        headers,
        properties,
        routing_key,
        mandatory,
        immediate,
        exchange,
        declare,
        timeout=None,
        confirm_timeout=None,
        retry=False,
        retry_policy=None,
    ):
        channel = self.channel
        if exchange or declare or channel._expires or getattr(self._batch_local, "current", None):
            return super()._publish(
                body,
                priority,
                content_type,
                content_encoding,
                headers,
                properties,
                routing_key,
                mandatory,
                immediate,
                exchange,
                declare,
                timeout,
                confirm_timeout,
                retry,
                retry_policy,
            )
        message = channel.prepare_message(body, priority, content_type, content_encoding, headers, properties)
        # basic_publish then _put, as kombu does them for the anonymous exchange.
        channel._inplace_augment_message(message, exchange, routing_key)
        key = channel._q_for_pri(routing_key, channel._get_message_priority(message, reverse=False))
        self._client(channel).lpush(key, dumps(message))
        return None

    def _client(self, channel: RedisChannel) -> Any:
        # A revived producer (after a lost connection) has a new channel: a client for it.
        if self._client_for is None or self._client_for[0] is not channel:
            self._client_for = (channel, channel._create_client())
        return self._client_for[1]


_PLAIN = re.compile(r"[A-Za-z0-9_.:-]*")


def _plain_repr(kwargs: dict[str, Any], maxsize: int) -> str | None:
    """Celery's `saferepr(kwargs)` for the common case of short plain strings (ids), where it is
    Python's repr; None (Celery computes it) for anything else."""
    for key, value in kwargs.items():
        if not (isinstance(value, str) and _PLAIN.fullmatch(key) and _PLAIN.fullmatch(value)):
            return None
    text = repr(kwargs)
    return text if len(text) < maxsize else None


@dataclass
class _Plan:
    """What `apply_async` would work out for this task on every call, worked out once."""

    task: Task
    producer: _RedisProducer
    options: dict[str, Any]  # routed: queue, priority, serializer, expiration
    expires: float | None
    time_limit: float | None
    soft_time_limit: float | None
    ignore_result: bool
    declared: bool = False  # the first message went the ordinary way, declaring the queue


class TaskSender:
    """Sends `name` with keyword arguments and a priority, the message `apply_async` sends."""

    def __init__(self, name: str, *, priority: int) -> None:
        self.name = name
        self.priority = priority
        self._local = threading.local()

    def send(self, **kwargs: Any) -> str:
        """Publish one message; returns its task id."""
        plan = self._plan()
        # Per call, not in the plan: tests switch eager mode on and off in one process.
        if plan is None or plan.task.app.conf.task_always_eager or plan.task.app.current_worker_task:
            return str(task_named(self.name).apply_async(kwargs=kwargs, priority=self.priority).id)
        task, app = plan.task, plan.task.app
        if task.typing:
            task.__header__(**kwargs)  # the argument check apply_async makes
        task_id = uuid()
        options = dict(plan.options)
        message = app.amqp.create_task_message(
            task_id,
            self.name,
            (),
            kwargs,
            expires=plan.expires,
            reply_to=app.thread_oid,
            time_limit=plan.time_limit,
            soft_time_limit=plan.soft_time_limit,
            create_sent_event=False,
            ignore_result=plan.ignore_result,
            argsrepr="()",
            kwargsrepr=_plain_repr(kwargs, plan.task.app.amqp.kwargsrepr_maxsize),
            **options,
        )
        producer = plan.producer
        # The first message declares the queue as apply_async's would; later ones pass no entity
        # to declare, which is what kombu's declaration cache amounts to for this connection.
        declare = None if not plan.declared else []
        with producer.connection._reraise_as_library_errors():
            app.amqp.send_task_message(producer, self.name, message, declare=declare, **options)
        plan.declared = True
        return task_id

    def _plan(self) -> _Plan | None:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # a forked worker builds its own
            local.pid, local.plan = os.getpid(), self._build()
        return local.plan

    def _build(self) -> _Plan | None:
        task = task_named(self.name)
        app = task.app
        conf = app.conf
        if conf.task_send_sent_event or conf.task_protocol != 2:
            return None
        options: dict[str, Any] = dict(task._get_exec_options(), priority=self.priority)
        options.setdefault("ignore_result", task.ignore_result)
        ignore_result = bool(options.pop("ignore_result"))
        if not ignore_result:
            return None  # send_task tells the result backend of every such task (on_task_call)
        time_limit = options.pop("time_limit", None)
        soft_time_limit = options.pop("soft_time_limit", None)
        expires = options.pop("expires", None)
        if expires is not None and not isinstance(expires, int | float):
            return None  # a fixed date or string: computed per call by send_task
        # Routing by task name, as every route in this project does (no route reads arguments).
        options = app.amqp.router.route(options, self.name, (), {}, task)
        if expires is not None:
            options["expiration"] = expires
        channel = app.connection_for_write().default_channel
        if not isinstance(channel, RedisChannel):
            return None
        return _Plan(
            task=task,
            producer=_RedisProducer(channel, auto_declare=False),
            options=options,
            expires=expires,
            time_limit=time_limit,
            soft_time_limit=soft_time_limit,
            ignore_result=ignore_result,
        )
