"""The per-user trading service: its state, and running a piece of one user's work in isolation.

`user_task_run` is how every per-user task runs (queue sweep, risk cycle, monitors, scheduled
strategy tasks): a failure is recorded against that user (ServiceTaskExecution, ErrorLog, the
service's error count) and never reaches the batch or the worker, so one user's failing task
never delays or breaks another's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.utils import timezone

from auditlog.services_logs import capture_error

from .models_service import ServiceStatus, ServiceTaskExecution, TaskOutcome

logger = logging.getLogger("tradefleet.trading.service")


def service_status_for(user_id: Any) -> ServiceStatus:
    """The user's service state, created (running) the first time it is asked for."""
    status, _ = ServiceStatus.objects.get_or_create(user_id=user_id)
    return status


def user_task_run(*, user_id: Any, task_name: str, fn: Callable[[], Any], record: bool = True) -> str:
    """Run `fn()` as one execution of `task_name` for the user. Returns the outcome. A dict
    returned by `fn` becomes the execution's details. Exceptions are recorded, not raised."""
    started, clock = timezone.now(), time.perf_counter()
    try:
        result = fn()
    except Exception as exc:
        elapsed = time.perf_counter() - clock
        logger.exception("task %s failed for user %s", task_name, user_id, extra={"user_id": str(user_id)})
        from accounts.models import User

        capture_error(exc, context={"source": "user_task", "task": task_name}, user=User(pk=user_id))
        message = f"{type(exc).__name__}: {exc}"[:2000]
        ServiceStatus.objects.filter(user_id=user_id).update(
            error_count=F("error_count") + 1, last_error=message, last_error_at=timezone.now()
        )
        ServiceTaskExecution.objects.create(
            user_id=user_id,
            task_name=task_name,
            started_at=started,
            duration_seconds=elapsed,
            status=TaskOutcome.FAILED,
            details={"error": message},
        )
        return TaskOutcome.FAILED
    elapsed = time.perf_counter() - clock
    if record:
        ServiceTaskExecution.objects.create(
            user_id=user_id,
            task_name=task_name,
            started_at=started,
            duration_seconds=elapsed,
            status=TaskOutcome.SUCCESS,
            details=result if isinstance(result, dict) else {},
        )
    ServiceStatus.objects.filter(user_id=user_id).update(last_task_execution=timezone.now())
    return TaskOutcome.SUCCESS
