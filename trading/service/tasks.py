"""Celery tasks of the per-user trading service (names: trading/runtime/task_names.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from config import maintenance
from config.tasks import house_task
from trading.runtime import task_names as names
from trading.runtime.services import task_history_prune
from trading.service.schedules import scheduled_task_run
from trading.service.services import service_heartbeat_write

# The beat row's own expiry (schedules.MESSAGE_EXPIRES_SECONDS) applies to scheduled sends; this
# one covers a message sent by hand.
RUN_USER_TASK_EXPIRES = 300


@house_task(name=names.SERVICE_HEARTBEAT, expires=29)
def service_heartbeat(*, user_ids: list[str] | None = None) -> int:
    """Beat, every 30 s: the heartbeat of every running service, in one UPDATE. A start sends it
    for one user (`user_ids`), so their status turns healthy at once."""
    return service_heartbeat_write(user_ids=user_ids)


@house_task(name=names.RUN_USER_TASK, expires=RUN_USER_TASK_EXPIRES)
def run_user_task(*, user_id: str, task: str) -> Any:
    """One entry of a user's `task_schedule`, sent by its beat row (trading/service/schedules.py).
    Never retried: a failure is recorded in the user's task history and error log, not raised."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return None
    return scheduled_task_run(user_id=user_id, task=task)


@house_task(name=names.TASK_HISTORY_RETENTION, expires=3600)
def task_history_retention() -> int:
    """Beat, daily at 02:00 UTC: the service's task history is a service log too, kept as long
    (SERVICE_LOG_RETENTION_DAYS). Returns how many executions it deleted."""
    return task_history_prune(days=settings.SERVICE_LOG_RETENTION_DAYS)
