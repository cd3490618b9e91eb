"""New order rows and their hand-off to the workers: the id and client order id are fixed
before the first attempt, and the task is sent only once the row is committed (the sweeper covers
a crash in between)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import transaction

from config.tasks import task_named
from trading.positions.models import DCAOrder, OrderRole
from trading.runtime import task_names as names


def client_order_id_for(order_id: uuid.UUID) -> str:
    """Deterministic, 34 characters of [a-z0-9]: inside Binance's `^[a-zA-Z0-9-_]{1,36}$` and
    every other exchange's rules we know; fixed before the first attempt, so every retry and
    every lookup names the same order."""
    return f"tf{order_id.hex}"


def new_order(**fields: Any) -> DCAOrder:
    """An unsaved order row with its id and client order id fixed."""
    order_id = uuid.uuid4()
    return DCAOrder(id=order_id, client_order_id=client_order_id_for(order_id), **fields)


# Orders that protect a position already held: a market sell that closes quantity (stop loss,
# target, the risk engine's close, an exit) and a leg's resting take-profit. Their placement goes
# to the `ticks` queue with the ticks that decide them (config/settings.py TICK_QUEUE), so it never
# waits behind new signals; entries (legs) stay on the default queue.
PROTECTING_ROLES = frozenset({OrderRole.CLOSE, OrderRole.TAKE_PROFIT})


def place_queue(role: str) -> str | None:
    """The queue a `place_order` for an order of `role` goes to (None: the task's own route)."""
    return settings.TICK_QUEUE if role in PROTECTING_ROLES else None


def send_place(*, order_id: str, user_id: str, role: str) -> None:
    """Send `place_order` for a committed row now, on the queue its role asks for. A retry stays
    on that queue (Celery re-sends to the queue the message came from)."""
    queue = place_queue(role)
    options = {"queue": queue} if queue else {}
    task_named(names.PLACE_ORDER).apply_async(kwargs={"order_id": order_id, "user_id": user_id}, **options)


def enqueue_place(order: DCAOrder) -> None:
    """Send the order once the row is committed (the sweeper covers a crash in between)."""
    order_id, user_id, role = str(order.pk), str(order.user_id), str(order.role)
    transaction.on_commit(lambda: send_place(order_id=order_id, user_id=user_id, role=role))


def enqueue_cancel(order: DCAOrder) -> None:
    order_id, user_id = str(order.pk), str(order.user_id)
    transaction.on_commit(lambda: task_named(names.CANCEL_ORDER).delay(order_id=order_id, user_id=user_id))
