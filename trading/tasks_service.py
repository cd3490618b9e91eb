"""Celery tasks of the service part of the engine (imported by trading/tasks.py, so Celery finds them)."""

from __future__ import annotations

from typing import Any

from config.tasks import house_task

# The beat row's own expiry (schedules.MESSAGE_EXPIRES_SECONDS) applies to scheduled sends; this
# one covers a message sent by hand.
RUN_USER_TASK_EXPIRES = 300


@house_task(expires=29)
def service_heartbeat(*, user_ids: list[str] | None = None) -> int:
    """Beat, every 30 s: the heartbeat of every running service, in one UPDATE. A start sends it
    for one user (`user_ids`), so their status turns healthy at once."""
    from .services_service import service_heartbeat_write

    return service_heartbeat_write(user_ids=user_ids)


@house_task(expires=RUN_USER_TASK_EXPIRES)
def run_user_task(*, user_id: str, task: str) -> Any:
    """One entry of a user's `task_schedule`, sent by its beat row (trading/schedules.py). Never
    retried: a failure is recorded in the user's task history and error log, not raised."""
    from .schedules import scheduled_task_run

    return scheduled_task_run(user_id=user_id, task=task)
