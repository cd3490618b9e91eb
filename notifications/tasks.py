"""Celery entry points of notifications: ids in, one service call each (notifications/services/).

Beat runs the three sweepers every minute: `release_held` (quiet hours that ended),
`sweep_deliveries` (lost messages, workers killed mid-send) and `send_daily_summaries`.
"""

from __future__ import annotations

from config.tasks import house_task
from notifications.services.delivery import deliveries_release_held, deliveries_sweep, delivery_run
from notifications.services.summary import daily_summaries_send


# No `expires`: a delivery's message must survive a backlog; the claim makes a copy harmless and
# the sweeper re-sends one that was lost. Retries are rescheduled on the row, not by Celery.
@house_task()
def deliver(*, delivery_id: int) -> None:
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
