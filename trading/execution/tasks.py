"""Celery tasks of execution: orders, the fill monitor, reconciliation, the sweeper, closes.

Thin and idempotent, each calls one service. Every task may run twice (late acks, redelivery
after a worker dies): the services claim rows with conditional updates and look orders up by
client order id before sending anything again. Names: trading/runtime/task_names.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from celery.signals import worker_ready
from django.conf import settings

from brokers.errors import TRANSIENT_ERRORS
from config import maintenance
from config.tasks import house_task
from trading.execution.services.exits import group_close_finish, group_reduce_finish
from trading.execution.services.monitor import account_sync, fill_batch_run, fills_dispatch
from trading.execution.services.orders import SWEEP_PENDING_AFTER, order_cancel, order_place, orders_sweep
from trading.execution.services.reconcile import account_reconcile_once, accounts_to_reconcile_once
from trading.runtime import task_names as names

# An order message older than this is dropped by the broker; the sweeper re-sends what it finds
# unsent, so an expired message costs a few seconds, never an order. It must outlive the sweeper's
# re-send of its row (a `pending` row older than SWEEP_PENDING_AFTER, at the next sweep): shorter,
# and an order waiting in a backlog has no message at all until then, and every copy the sweeper
# sends expires in turn. Longer only piles more copies into a backlog.
ORDER_SWEEP_RESENDS_WITHIN = SWEEP_PENDING_AFTER.total_seconds() + settings.TRADING_SWEEP_SECONDS
ORDER_TASK_EXPIRES = max(60.0, ORDER_SWEEP_RESENDS_WITHIN + 10)


@house_task(name=names.PLACE_ORDER, retry_on=TRANSIENT_ERRORS, expires=ORDER_TASK_EXPIRES, max_retries=8)
def place_order(*, order_id: str, user_id: str) -> None:
    order_place(order_id=order_id)


@house_task(name=names.PLACE_ORDERS, expires=ORDER_TASK_EXPIRES)
def place_orders(*, order_ids: list[str], user_id: str) -> None:
    """The rest of a new grid, one after the other. An order that cannot be sent now gets its
    own `place_order` (with retries); the sweeper covers a worker that dies in between."""
    for order_id in order_ids:
        try:
            order_place(order_id=order_id)
        except TRANSIENT_ERRORS:
            place_order.apply_async(kwargs={"order_id": order_id, "user_id": user_id}, countdown=1)


@house_task(name=names.CANCEL_ORDER, retry_on=TRANSIENT_ERRORS, expires=ORDER_TASK_EXPIRES, max_retries=8)
def cancel_order(*, order_id: str, user_id: str) -> None:
    order_cancel(order_id=order_id)


@house_task(name=names.MONITOR_FILLS, expires=9)
def monitor_fills() -> int:
    """Beat, every 10 s: price what rests once per (source, symbol), then one
    `monitor_fill_batch` per batch of (account, user) units with orders the price crossed or
    fills to record. Returns how many accounts the tick watched."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return 0
    return fills_dispatch()


# Late beats never here: the price range that picked these orders is spent once dispatched.
@house_task(name=names.MONITOR_FILL_BATCH, expires=60)
def monitor_fill_batch(*, units: list[list[Any]], attempt: int = 0) -> dict[str, int]:
    return fill_batch_run(units=units, attempt=attempt)


@house_task(name=names.MONITOR_ACCOUNT, retry_on=TRANSIENT_ERRORS, expires=60, max_retries=1)
def monitor_account(*, account_id: str, user_id: str) -> None:
    """One account in full (open orders, lookups, trades), on demand; the tick does not use it."""
    account_sync(account_id=account_id)


@house_task(name=names.SWEEP_ORDERS, expires=29)
def sweep_orders() -> int:
    """Beat, every 30 s: re-send orders left unsent (a crash between commit and enqueue)."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return 0
    return orders_sweep()


# Reconciliation is sent at RECONCILE_PRIORITY, behind order placement (beat's entry says so too),
# and runs once per account per interval fleet-wide, however many workers start at once: it
# shares the exchange's rate limit with the orders (trading/execution/services/reconcile.py).
@house_task(name=names.RECONCILE_ALL, expires=240)
def reconcile_all(*, on_start: bool = False) -> int:
    """Beat and every worker start (`on_start`): one `reconcile_account` per account with live
    orders. Returns how many were sent (0 when this window's were sent already)."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return 0
    accounts = accounts_to_reconcile_once(on_start=on_start)
    for account_id, user_id in accounts:
        reconcile_account.apply_async(
            kwargs={"account_id": account_id, "user_id": user_id, "on_start": on_start},
            priority=names.RECONCILE_PRIORITY,
        )
    return len(accounts)


@house_task(name=names.RECONCILE_ACCOUNT, retry_on=TRANSIENT_ERRORS, expires=240, max_retries=2)
def reconcile_account(*, account_id: str, user_id: str, on_start: bool = False) -> None:
    account_reconcile_once(account_id=account_id, on_start=on_start)


@house_task(name=names.CLOSE_GROUP, retry_on=TRANSIENT_ERRORS, expires=600, max_retries=10)
def close_group(*, group_id: str, user_id: str) -> None:
    group_close_finish(group_id=group_id)


@house_task(name=names.REDUCE_GROUP, retry_on=TRANSIENT_ERRORS, expires=600, max_retries=10)
def reduce_group(*, group_id: str, user_id: str, fraction: str, reason: str) -> None:
    group_reduce_finish(group_id=group_id, fraction=Decimal(fraction), reason=reason)


@worker_ready.connect
def _reconcile_on_start(**_: object) -> None:
    """A worker that starts (after a crash, a deploy) first brings orders and exchange into
    agreement, even right after beat's tick: the first of a storm of starts does, the others
    find it done (TRADING_RECONCILE_ON_START_SECONDS)."""
    reconcile_all.apply_async(kwargs={"on_start": True}, priority=names.RECONCILE_PRIORITY)
