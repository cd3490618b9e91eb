"""New order rows and their hand-off to the workers: the id and client order id are fixed
before the first attempt, and the task is sent only once the row is committed (the sweeper covers
a crash in between)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from config.tasks import task_named
from trading.positions.models import DCAOrder
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


def enqueue_place(order: DCAOrder) -> None:
    """Send the order once the row is committed (the sweeper covers a crash in between)."""
    order_id, user_id = str(order.pk), str(order.user_id)
    transaction.on_commit(lambda: task_named(names.PLACE_ORDER).delay(order_id=order_id, user_id=user_id))


def enqueue_cancel(order: DCAOrder) -> None:
    order_id, user_id = str(order.pk), str(order.user_id)
    transaction.on_commit(lambda: task_named(names.CANCEL_ORDER).delay(order_id=order_id, user_id=user_id))
