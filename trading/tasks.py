"""Celery tasks of the execution engine: thin, idempotent, each calls one service.

Every task may run twice (late acks, redelivery after a worker dies): the services claim rows
with conditional updates and look orders up by client order id before sending anything again.
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready

from brokers.errors import TRANSIENT_ERRORS
from config.tasks import house_task

# An order message older than this is dropped by the broker; the sweeper re-sends what it finds
# unsent, so an expired message costs a few seconds, never an order.
ORDER_TASK_EXPIRES = 60
SIGNAL_PRIORITY = 1
# Take-profit batches go before the other tasks: each is cheap, decides stop losses and targets
# at a price that is stale after 14 s, and must not wait behind a fill tick's batches when the
# exchange's rate limit stretches them (signals still come first).
TAKE_PROFIT_PRIORITY = 3


# Markets unreachable: the signal is held (still `received`) and retried for about 20 minutes.
# Sent with SIGNAL_PRIORITY (take-profit batches have 3, everything else the default 5; on Redis
# the lower step is emptied first): a new signal never waits behind the order and monitor tasks
# of earlier ones.
@house_task(retry_on=TRANSIENT_ERRORS, expires=600, max_retries=10, retry_backoff_max=180)
def process_signal(*, signal_id: str, user_id: str) -> None:
    from .services_processing import signal_process

    signal_process(signal_id=signal_id)


@house_task(retry_on=TRANSIENT_ERRORS, expires=ORDER_TASK_EXPIRES, max_retries=8)
def place_order(*, order_id: str, user_id: str) -> None:
    from .services_orders import order_place

    order_place(order_id=order_id)


@house_task(expires=ORDER_TASK_EXPIRES)
def place_orders(*, order_ids: list[str], user_id: str) -> None:
    """The rest of a new grid, one after the other. An order that cannot be sent now gets its
    own `place_order` (with retries); the sweeper covers a worker that dies in between."""
    from .services_orders import order_place

    for order_id in order_ids:
        try:
            order_place(order_id=order_id)
        except TRANSIENT_ERRORS:
            place_order.apply_async(kwargs={"order_id": order_id, "user_id": user_id}, countdown=1)


@house_task(retry_on=TRANSIENT_ERRORS, expires=ORDER_TASK_EXPIRES, max_retries=8)
def cancel_order(*, order_id: str, user_id: str) -> None:
    from .services_orders import order_cancel

    order_cancel(order_id=order_id)


@house_task(expires=9)
def monitor_fills() -> int:
    """Beat, every 10 s: price what rests once per (source, symbol), then one
    `monitor_fill_batch` per batch of (account, user) units with orders the price crossed or
    fills to record. Returns how many accounts the tick watched."""
    from .services_monitor import fills_dispatch

    return fills_dispatch()


# Late beats never here: the price range that picked these orders is spent once dispatched.
@house_task(expires=60)
def monitor_fill_batch(*, units: list[list[Any]], attempt: int = 0) -> dict[str, int]:
    from .services_monitor import fill_batch_run

    return fill_batch_run(units=units, attempt=attempt)


@house_task(retry_on=TRANSIENT_ERRORS, expires=60, max_retries=1)
def monitor_account(*, account_id: str, user_id: str) -> None:
    """One account in full (open orders, lookups, trades), on demand; the tick does not use it."""
    from .services_monitor import account_sync

    account_sync(account_id=account_id)


@house_task(expires=14)
def check_take_profits() -> int:
    """Beat, every 15 s: aggregate, hybrid and trailing targets, stop losses and cancel-beyond
    rules for every open group at one shared price per (source, symbol), in batches of (account,
    user) units. Returns how many groups the tick sent for evaluation."""
    from .services_exits import take_profit_tick

    return take_profit_tick()


# A batch that waited longer than a tick would act on a stale price: the next tick has it.
@house_task(expires=14)
def take_profit_batch(*, units: list[list[str]], tick: str, marked_at: str | None = None) -> dict[str, int]:
    from .services_marks import take_profit_batch_run

    return take_profit_batch_run(units=units, tick=tick, marked_at=marked_at)


@house_task(expires=29)
def sweep_orders() -> int:
    """Beat, every 30 s: re-send orders left unsent (a crash between commit and enqueue)."""
    from .services_orders import orders_sweep

    return orders_sweep()


@house_task(expires=240)
def reconcile_all() -> int:
    from .services_reconcile import accounts_to_reconcile

    accounts = accounts_to_reconcile()
    for account_id, user_id in accounts:
        reconcile_account.delay(account_id=account_id, user_id=user_id)
    return len(accounts)


@house_task(retry_on=TRANSIENT_ERRORS, expires=240, max_retries=2)
def reconcile_account(*, account_id: str, user_id: str) -> None:
    from .services_reconcile import account_reconcile

    account_reconcile(account_id=account_id)


@house_task(retry_on=TRANSIENT_ERRORS, expires=600, max_retries=10)
def close_group(*, group_id: str, user_id: str) -> None:
    from .services_exits import group_close_finish

    group_close_finish(group_id=group_id)


@house_task(retry_on=TRANSIENT_ERRORS, expires=600, max_retries=10)
def reduce_group(*, group_id: str, user_id: str, fraction: str, reason: str) -> None:
    from decimal import Decimal

    from .services_exits import group_reduce_finish

    group_reduce_finish(group_id=group_id, fraction=Decimal(fraction), reason=reason)


@worker_ready.connect
def _reconcile_on_start(**_: object) -> None:
    """A worker that starts (after a crash, a deploy) first brings orders and exchange into
    agreement."""
    reconcile_all.delay()


# The queue, the risk engine and the per-user service declare their tasks in modules of their own.
from . import tasks_queue, tasks_risk, tasks_service  # noqa: E402,F401
