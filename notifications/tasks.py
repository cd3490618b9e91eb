"""Celery entry points of notifications: ids in, one service call each (notifications/services/).

Beat runs the three sweepers every minute: `release_held` (quiet hours that ended),
`sweep_deliveries` (lost messages, workers killed mid-send) and `send_daily_summaries`.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.signals import task_postrun, task_prerun

from config.tasks import house_task
from notifications.services.delivery import (
    deliveries_release_held,
    deliveries_run,
    deliveries_sweep,
    delivery_run,
)
from notifications.services.notify import deliveries_enqueue_hold, deliveries_enqueue_release
from notifications.services.summary import daily_summaries_send


# No `expires`: a delivery's message must survive a backlog; the claim makes a copy harmless and
# the sweeper re-sends one that was lost. Retries are rescheduled on the row, not by Celery.
@house_task()
def deliver_many(*, delivery_ids: list[int]) -> int:
    return deliveries_run(delivery_ids)


@house_task()
def deliver(*, delivery_id: int) -> None:
    # One delivery: tasks already queued by a release before deliver_many.
    delivery_run(delivery_id=delivery_id)


@house_task(expires=55)
def release_held() -> None:
    deliveries_release_held()


@house_task(expires=55)
def sweep_deliveries() -> None:
    deliveries_sweep()


@house_task(expires=55)
def send_daily_summaries() -> None:
    daily_summaries_send()


# Connected wherever the tasks are loaded (every worker process, the embedded worker).
@task_prerun.connect
def _hold_notification_tasks(sender: Task | None = None, **_: Any) -> None:
    # A task's notifications (a tick's thousand fills) leave as a few delivery tasks when it ends,
    # not one each. An eager task is part of its caller's work: nothing is held for it.
    if sender is not None and not getattr(sender.request, "is_eager", False):
        deliveries_enqueue_hold()


@task_postrun.connect
def _send_held_notification_tasks(sender: Task | None = None, **_: Any) -> None:
    if sender is not None and not getattr(sender.request, "is_eager", False):
        deliveries_enqueue_release()
