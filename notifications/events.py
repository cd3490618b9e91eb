"""Live events for the web UI: `publish(user_id, type, data)` after the current transaction commits.

Each user has one Channels group (`user.<uuid hex>`); `EventsConsumer` (notifications/consumers.py)
forwards what arrives there to that user's sockets as `{"type", "data", "ts"}`.

Where `group_send` runs matters:
- channels-redis is safe from any thread: a worker or a sync view in its own thread calls
  `async_to_sync(layer.group_send)`.
- `InMemoryChannelLayer` (embedded mode) is not thread-safe: its queues belong to the event loop
  that serves the sockets. Sent from another thread it "arrives" without waking that loop, so the
  message sits there until something else does (hundreds of ms). The server's loop is therefore
  registered here (`set_server_loop`, done by the embedded runner and by every connecting
  consumer) and sends from other threads are scheduled on it with `run_coroutine_threadsafe`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import uuid
import weakref
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

# The event types of the WebSocket API (reference/api.md, "WebSocket").
SIGNAL_RECEIVED = "signal.received"
ORDER_UPDATED = "order.updated"
POSITION_UPDATED = "position.updated"
POSITIONS_MARKED = "positions.marked"
QUEUE_UPDATED = "queue.updated"
RISK_ACTION = "risk.action"
LOG_CREATED = "log.created"
NOTIFICATION_CREATED = "notification.created"
SERVICE_UPDATED = "service.updated"
ML_JOB_UPDATED = "ml.job.updated"
STRATEGY_UPDATED = "strategy.updated"
EVENT_TYPES = frozenset(
    {
        STRATEGY_UPDATED,
        SIGNAL_RECEIVED,
        ORDER_UPDATED,
        POSITION_UPDATED,
        POSITIONS_MARKED,
        QUEUE_UPDATED,
        RISK_ACTION,
        LOG_CREATED,
        NOTIFICATION_CREATED,
        SERVICE_UPDATED,
        ML_JOB_UPDATED,
    }
)

# Channel-layer message types, handled by EventsConsumer.event_message / .session_ended.
MESSAGE_EVENT = "event.message"
MESSAGE_SESSION_ENDED = "session.ended"

_server_loop: asyncio.AbstractEventLoop | None = None
# The process that registered the loop: a forked child (a prefork worker) inherits the variable
# but not the thread running the loop, and must never schedule onto it.
_server_loop_pid: int | None = None
# Tasks created on a running loop are only weakly referenced by asyncio; keep them until done.
_pending: set[asyncio.Task[Any]] = set()
# channels-redis takes one pooled connection per group_send in flight, at most 100 (redis-py's
# default): more at once fail with MaxConnectionsError and the events are lost. Sends scheduled
# on a loop wait for one of these slots instead.
MAX_SENDS_IN_FLIGHT = 50


@dataclass
class _Sender:
    """One loop's sends: the slots above, and per group a lock (with how many sends hold or wait
    for it) so one user's events leave in the order they were published: a send takes several
    round trips, and two in flight to the same group could otherwise land swapped."""

    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_SENDS_IN_FLIGHT))
    groups: dict[str, tuple[asyncio.Lock, int]] = field(default_factory=dict)


_senders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Sender] = weakref.WeakKeyDictionary()


def set_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Register the event loop that serves the WebSockets (None to forget it)."""
    global _server_loop, _server_loop_pid  # one loop per process, set by the runner
    _server_loop = loop
    _server_loop_pid = os.getpid() if loop is not None else None


def start_background_loop() -> None:
    """Give a process without an event loop of its own (a Celery worker process) one in a daemon
    thread, so events are sent fire-and-forget: `async_to_sync` per event costs a worker ~4 ms,
    several times per order. Idempotent per process; a forked child starts its own."""
    current = _server_loop
    if current is not None and _server_loop_pid == os.getpid() and current.is_running():
        return
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(started.set)
        loop.run_forever()

    threading.Thread(target=run, name="events-loop", daemon=True).start()
    started.wait(5)
    set_server_loop(loop)


def note_server_loop() -> None:
    """Called on the serving loop (by the consumer): register it unless a live loop already is.
    This also covers ASGI servers started without the embedded runner, and test loops."""
    loop = asyncio.get_running_loop()
    current = _server_loop
    if current is not loop and (current is None or current.is_closed() or not current.is_running()):
        set_server_loop(loop)


def group_for_user(user_id: Any) -> str:
    """The one Channels group of a user."""
    return f"user.{_uuid_hex(user_id)}"


def group_for_session(session_id: Any) -> str:
    """The sockets opened with one login session's tokens (closed when the session ends)."""
    return f"session.{_uuid_hex(session_id)}"


def _uuid_hex(value: Any) -> str:
    value = getattr(value, "pk", value)
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


class _EventEncoder(DjangoJSONEncoder):
    """Decimal and UUID as strings, datetimes as ISO 8601 (UTC as `Z`), sets as lists."""

    def default(self, o: Any) -> Any:
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        return super().default(o)


def json_safe(data: Any) -> Any:
    """A copy of `data` made only of JSON types (raises TypeError for anything else)."""
    return json.loads(json.dumps(data, cls=_EventEncoder))


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_event(type: str, data: Any) -> dict[str, Any]:
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}; add it to notifications.events.EVENT_TYPES")
    return {"type": type, "data": json_safe(data), "ts": utc_now_iso()}


def publish(user_id: Any, type: str, data: Any) -> None:
    """Send `{"type": type, "data": data, "ts": now}` to every socket of `user_id`, once the
    current transaction commits (at once outside a transaction; never if it rolls back).

    `data` is converted to JSON types here, so a value that cannot be sent fails in the caller.
    A failure to deliver is logged and never raised: the change itself is already committed."""
    event = build_event(type, data)
    message = {"type": MESSAGE_EVENT, "event": event}
    _send_after_commit(group_for_user(user_id), message, what=type)


def end_session_sockets(session_id: Any) -> None:
    """Close (code 4401) the sockets opened with a session's tokens, after commit. Call it when a
    session is revoked (logout, password change) so live updates stop at once."""
    message = {"type": MESSAGE_SESSION_ENDED}
    _send_after_commit(group_for_session(session_id), message, what=MESSAGE_SESSION_ENDED)


def _send_after_commit(group: str, message: dict[str, Any], *, what: str) -> None:
    if _running_loop() is not None:
        # Async code cannot be inside a (sync) atomic block, and on_commit would touch the
        # database connection, which Django forbids on the event loop: send now.
        send(group, message, what=what)
        return
    transaction.on_commit(partial(send, group, message, what=what), robust=True)


def send(group: str, message: dict[str, Any], *, what: str = "message") -> None:
    """Send a channel-layer message to a group now, from any thread (see the module docstring)."""
    layer = get_channel_layer()
    if layer is None:
        logger.debug("no channel layer configured; %s to %s dropped", what, group)
        return
    server = _server_loop
    if server is not None and (
        _server_loop_pid != os.getpid() or server.is_closed() or not server.is_running()
    ):
        server = None
    running = _running_loop()
    if running is not None and (server is None or running is server):
        task = running.create_task(_group_send(layer, group, message))
        _pending.add(task)
        task.add_done_callback(partial(_task_done, what=what, group=group))
    elif server is not None:
        future = asyncio.run_coroutine_threadsafe(_group_send(layer, group, message), server)
        future.add_done_callback(partial(_future_done, what=what, group=group))
    else:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            logger.exception("could not deliver %s to %s", what, group)


async def _group_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    sender = _senders.get(loop)
    if sender is None:
        sender = _senders[loop] = _Sender()
    lock, users = sender.groups.get(group, (asyncio.Lock(), 0))
    sender.groups[group] = (lock, users + 1)
    try:
        async with lock, sender.slots:
            await layer.group_send(group, message)
    finally:
        lock, users = sender.groups[group]
        if users == 1:
            del sender.groups[group]  # no one else holds or waits for it
        else:
            sender.groups[group] = (lock, users - 1)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _task_done(task: asyncio.Task[Any], *, what: str, group: str) -> None:
    _pending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("could not deliver %s to %s", what, group, exc_info=task.exception())


def _future_done(future: Future[Any], *, what: str, group: str) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("could not deliver %s to %s", what, group, exc_info=future.exception())
