"""Celery tasks of take-profit: the beat tick and its batches (names: trading/runtime/task_names.py)."""

from __future__ import annotations

from config import maintenance
from config.tasks import house_task
from trading.runtime import task_names as names
from trading.takeprofit.services.marks import (
    take_profit_batch_run,
    take_profit_dispatch,
    take_profit_partition_run,
)


@house_task(name=names.CHECK_TAKE_PROFITS, expires=14)
def check_take_profits() -> int:
    """Beat, every 15 s: aggregate, hybrid and trailing targets, stop losses and cancel-beyond
    rules for every open group at one shared price per (source, symbol), in batches of (account,
    user) units. Returns how many groups the tick sent for evaluation."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return 0
    return take_profit_dispatch()


# One partition of a large fleet's tick (by symbol): its quiet marks and its batches.
@house_task(name=names.TAKE_PROFIT_PARTITION, expires=14)
def take_profit_partition(
    *,
    tick: str,
    marked_at: str,
    symbols: list[str] | None,
    counts: dict[str, dict[str, int]],
    parts: int = 1,
) -> int:
    if maintenance.active():
        return 0
    return take_profit_partition_run(
        tick=tick, marked_at=marked_at, symbols=symbols, counts=counts, parts=parts
    )


# A batch that waited longer than a tick would act on a stale price: the next tick has it.
@house_task(name=names.TAKE_PROFIT_BATCH, expires=14)
def take_profit_batch(
    *, units: list[list[str]], tick: str, marked_at: str | None = None, symbols: list[str] | None = None
) -> dict[str, int]:
    return take_profit_batch_run(units=units, tick=tick, marked_at=marked_at, symbols=symbols)
