"""Beat sends one message per tick and kind; a dispatcher splits the work into batches, one task
a batch, so the workers share a tick and its cost grows with the work, not with beat's messages.

    fan_out(risk_users, user_ids, kwarg="user_ids")   # one risk_users(user_ids=[...]) per batch
    fan_out(take_profit_batch, units, kwarg="units", shared={"tick": tick})   # same `tick` in each
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from celery import Task
from django.conf import settings

T = TypeVar("T")


def batches(items: Sequence[T], size: int) -> Iterator[list[T]]:
    size = max(int(size), 1)
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def fan_out(
    task: Task,
    items: Sequence[Any],
    *,
    kwarg: str,
    batch_size: int | None = None,
    shared: Mapping[str, Any] | None = None,
    **options: Any,
) -> int:
    """Send `task(**{kwarg: batch})` for each batch of `items` (JSON-safe values), plus the
    `shared` keyword arguments every batch gets. Returns how many messages were sent. `options`
    go to `apply_async` (expires, priority)."""
    sent = 0
    for batch in batches(items, batch_size or settings.TRADING_FANOUT_BATCH):
        task.apply_async(kwargs={**(shared or {}), kwarg: batch}, **options)
        sent += 1
    return sent
