"""One task's messages, sent often, without the per-call work that never changes.

    PROCESS_SIGNAL = TaskSender("trading.tasks.process_signal", priority=1)
    PROCESS_SIGNAL.send(signal_id=..., user_id=...)   # what apply_async(kwargs=..., priority=1) sends

`apply_async` cost about 0.45 ms of CPU per message on the P1 machine (0.6 ms inside a request),
of which the Redis LPUSH is under 0.1 ms (docs/benchmarks.md, P1). The rest is work whose result
is the same every time: merging the task's options and routing it (copies of the queue and its
exchange), reading Celery's layered configuration, checking that the queue was declared (a
cached no-op after the first message, which still binds a copy of the queue), wrapping the
publish in a retry closure, and, in kombu's Redis transport, building a `redis.Redis` client
object (hundreds of response callbacks) for every message.

A sender works out the routing and options once per process and thread, and sends its first
message the ordinary way (Celery's `send_task_message` through a kombu Producer, which declares
the queue). After that it keeps one Redis client on the transport's own connection pool and does
only what varies: Celery builds the message (`create_task_message`: id, headers, body, expiry),
Celery's publish signals are sent, kombu's serializer, `prepare_message` and
`_inplace_augment_message` shape it, and it is pushed to the list kombu's `_put` would push it to.
A worker cannot tell the two apart (tests/platform/test_publish.py compares them). If Redis fails
there, the message goes the ordinary way on a connection of its own, with kombu's reconnects and
retries (`task_publish_retry_policy`, about 0.6 s): not on the sender's first producer, which a
failed publish leaves without a connection. If Redis is down, `send` raises kombu's
OperationalError after those retries (the webhook logs it and answers 202 all the same,
trading/signals/enqueue.py), and the next call tries Redis again.

Anything unusual takes `apply_async` itself: another transport (the in-memory broker of embedded
mode and tests), a call from inside a task (the message then names its parent), eager mode,
`task-sent` events, a result backend that wants to hear of the task, compression, a queue with
`x-expires`. The module reaches into kombu's Redis channel (`_put`'s steps); the test above is
what notices if a kombu upgrade changes them.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from celery import Task
from celery.signals import after_task_publish, before_task_publish
from kombu import Producer, serialization
from kombu.entity import maybe_delivery_mode
from kombu.transport.redis import Channel as RedisChannel
from kombu.utils.json import dumps
from kombu.utils.uuid import uuid
from redis.exceptions import RedisError

from .tasks import task_named

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
    channel: RedisChannel
    producer: Producer  # the ordinary way: the first message, and any message Redis refused
    options: dict[str, Any]  # routed: queue, priority, serializer, expiration
    expires: float | None
    time_limit: float | None
    soft_time_limit: float | None
    ignore_result: bool
    queue: str  # the anonymous exchange routes by queue name
    key: str  # the Redis list of the queue at this priority (`celery:1`)
    delivery_mode: int
    retry_policy: dict[str, Any]
    client: Any = None  # a redis.Redis on the transport's pool, once the queue is declared


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
            kwargsrepr=_plain_repr(kwargs, app.amqp.kwargsrepr_maxsize),
            **plan.options,
        )
        if plan.client is None:
            try:
                with plan.producer.connection._reraise_as_library_errors():
                    # declare=None: the queue is declared as apply_async's first message declares it.
                    app.amqp.send_task_message(plan.producer, self.name, message, **plan.options)
            except BaseException:
                self._local.pid = None  # the producer lost its connection: the next send plans anew
                raise
            plan.client = plan.channel._create_client()
            return task_id
        try:
            self._push(plan, message)
            return task_id
        except RedisError:
            pass  # the ordinary way below (observers of before_task_publish hear of it twice)
        with app.connection_for_write() as connection, connection._reraise_as_library_errors():
            producer = Producer(connection, auto_declare=False)  # connects inside publish's retries
            app.amqp.send_task_message(producer, self.name, message, **plan.options)
        return task_id

    def _push(self, plan: _Plan, message: Any) -> None:
        """send_task_message, Producer.publish and the Redis channel's basic_publish and _put, for
        this plan's one case: the anonymous exchange, a declared queue, no compression."""
        headers, properties, body, _ = message
        name, queue = self.name, plan.queue
        before_task_publish.send(
            sender=name,
            body=body,
            exchange="",
            routing_key=queue,
            declare=[],
            headers=headers,
            properties=properties,
            retry_policy=plan.retry_policy,
        )
        content_type, content_encoding, data = serialization.dumps(
            body, serializer=plan.options["serializer"]
        )
        # A copy: if Redis refuses, the ordinary way gets the message as Celery built it.
        properties = {**properties, "delivery_mode": plan.delivery_mode}
        if plan.expires is not None:
            properties["expiration"] = str(int(plan.expires * 1000))
        channel = plan.channel
        payload = channel.prepare_message(
            data, self.priority, content_type, content_encoding, headers, properties
        )
        channel._inplace_augment_message(payload, "", queue)
        plan.client.lpush(plan.key, dumps(payload))
        after_task_publish.send(sender=name, body=body, headers=headers, exchange="", routing_key=queue)

    def _plan(self) -> _Plan | None:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # a forked worker builds its own
            local.pid, local.plan = os.getpid(), self._build()
        return local.plan

    def _build(self) -> _Plan | None:
        task = task_named(self.name)
        app = task.app
        conf = app.conf
        if conf.task_send_sent_event or conf.task_protocol != 2 or conf.task_compression:
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
        queue = options.get("queue")
        extra = set(options) - {"queue", "priority", "serializer", "expiration"}
        if queue is None or extra or queue.exchange.type != "direct" or options.get("serializer") is None:
            return None  # an exchange, routing key or option of its own: apply_async's way
        connection = app.connection_for_write()
        # As often as a publish would try (task_publish_retry_policy), not for the 4 s and more of
        # a connection's own default: with Redis down, the webhook answers within a second.
        connection.ensure_connection(**_connect_policy(conf.task_publish_retry_policy))
        channel = connection.default_channel
        if not isinstance(channel, RedisChannel) or channel._expires:
            return None
        # send_task_message's choice, then Producer.publish's name -> number ("persistent" -> 2)
        delivery_mode = maybe_delivery_mode(queue.exchange.delivery_mode or conf.task_default_delivery_mode)
        priority = channel._get_message_priority({"properties": {"priority": self.priority}}, reverse=False)
        return _Plan(
            task=task,
            channel=channel,
            producer=Producer(channel, auto_declare=False),
            options=options,
            expires=expires,
            time_limit=time_limit,
            soft_time_limit=soft_time_limit,
            ignore_result=ignore_result,
            queue=queue.name,
            key=channel._q_for_pri(queue.name, priority),
            delivery_mode=delivery_mode,
            retry_policy=dict(conf.task_publish_retry_policy),
        )


def _connect_policy(retry_policy: dict[str, Any]) -> dict[str, Any]:
    """kombu's `ensure_connection` arguments for a publish retry policy (max_retries, interval_*)."""
    keys = ("max_retries", "interval_start", "interval_step", "interval_max")
    return {key: retry_policy[key] for key in keys if key in retry_policy}
