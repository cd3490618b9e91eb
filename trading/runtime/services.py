"""The per-user trading service's state, and running a piece of one user's work in isolation.

A user's service runs from first use; its start and stop are the trader's controls
(trading/service/services.py), and every part of the engine reads the state from here.

`user_task_run` is how every per-user task runs (queue sweep, risk cycle, monitors, scheduled
tasks): a failure is recorded against that user (ServiceTaskExecution, ErrorLog, the service's
error count and last error) and never reaches the batch or the worker, so one user's failing
task never delays or breaks another's. The one exception it lets through is Celery's soft time
limit (see `user_task_run`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from auditlog.log_handler import redact_text, redact_value
from auditlog.services_logs import capture_error
from notifications.events import SERVICE_UPDATED, publish
from notifications.services.notify import notify
from trading.runtime.models import ServiceStatus, ServiceTaskExecution, TaskOutcome

logger = logging.getLogger("tradefleet.trading.service")

HEARTBEAT_BEAT_ENTRY = "trading-service-heartbeat"
# Healthy: a worker wrote the heartbeat within this many beat intervals.
HEALTHY_INTERVALS = 3
MAX_ERROR_MESSAGE = 2000
# A scheduled task that keeps failing (a monitor runs every minute) tells its trader once in this
# long; every failure is still in their task history and error log.
TASK_FAILED_NOTIFY_SECONDS = 3600


# --- state ---------------------------------------------------------------------------------------


def service_status_for(user_id: Any) -> ServiceStatus:
    """The user's service state, created (running) the first time it is asked for."""
    status, _ = ServiceStatus.objects.get_or_create(user_id=user_id)
    return status


def service_is_running(user_id: Any) -> bool:
    """Without a row yet the service runs (a new account trades as soon as it is set up)."""
    running = ServiceStatus.objects.filter(user_id=user_id).values_list("running", flat=True).first()
    return running is not False


def heartbeat_interval_seconds() -> float:
    entry = getattr(settings, "CELERY_BEAT_SCHEDULE", {}).get(HEARTBEAT_BEAT_ENTRY, {})
    schedule = entry.get("schedule", 30.0)
    return float(schedule) if isinstance(schedule, int | float) else 30.0


def service_event_data(status: ServiceStatus) -> dict[str, Any]:
    """The `service.updated` event's data (also the core of `GET service/status`)."""
    now = timezone.now()
    age = (now - status.last_heartbeat).total_seconds() if status.last_heartbeat else None
    limit = HEALTHY_INTERVALS * heartbeat_interval_seconds()
    return {
        "service_running": status.running,
        "started_at": status.started_at,
        "stopped_at": status.stopped_at,
        "last_heartbeat": status.last_heartbeat,
        "heartbeat_age_seconds": None if age is None else round(max(age, 0.0), 3),
        "healthy": bool(status.running and age is not None and age < limit),
        "last_task_execution": status.last_task_execution,
        "error_count": status.error_count,
        "last_error": status.last_error,
        "last_error_at": status.last_error_at,
    }


def task_history_prune(*, days: int) -> int:
    """Delete task executions older than `days` days (the daily logs retention calls it)."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = ServiceTaskExecution.objects.filter(started_at__lt=cutoff).delete()
    return deleted


# --- one user's piece of work -----------------------------------------------------------------


def _json_safe(value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))
    return redact_value(data) if isinstance(data, dict) else {}


def _touch(user_id: Any, **fields: Any) -> None:
    if not ServiceStatus.objects.filter(user_id=user_id).update(**fields):
        service_status_for(user_id)  # first work of a user whose service was never looked at
        ServiceStatus.objects.filter(user_id=user_id).update(**fields)


def user_task_run(
    *,
    user_id: Any,
    task_name: str,
    fn: Callable[[], Any],
    record: bool | Callable[[Any], bool] = True,
    touch: bool = True,
    tell: str = "",
) -> str:
    """Run `fn()` as one execution of `task_name` for the user. Returns the outcome. A dict
    returned by `fn` becomes the execution's details. Exceptions are recorded, not raised.
    `record` may be a predicate on fn's result: frequent tasks keep only the runs that acted.

    `touch=False` is for batches: a success then leaves `last_task_execution` to the caller,
    which writes it for all its successful users in one `service_touch`; a success that is not
    recorded then costs no write at all. Outside a transaction `fn` runs without a savepoint, so
    a batch whose `fn`s write nothing (a pure decision) pays no statement per unit. Failures are
    recorded the same way whatever `touch` says.

    `tell` is the task's name as the trader reads it, for the trader's own scheduled tasks (their
    task_schedule, the NSE strategy's): a failure then also notifies them (`task_failed`), at
    most once per task every TASK_FAILED_NOTIFY_SECONDS. The engine's own per-user batches
    (queue, risk, monitors) leave it empty: their failures are the platform's to fix.

    Celery's SoftTimeLimitExceeded is recorded and then raised again: the time limit is the
    batch's, not this user's, so swallowing it would let the batch run on into the hard limit,
    which kills the process without a trace. Raised, the batch ends now with the hung user named
    in their history and error log; the next tick picks up the users after them."""
    started, clock = timezone.now(), time.perf_counter()
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failure must not break the caller's transaction
                result = fn()
        else:
            result = fn()  # as is: fn's own transactions commit as they go
    except SoftTimeLimitExceeded as exc:
        _record_failure(
            user_id, task_name, exc, started, time.perf_counter() - clock, timed_out=True, tell=tell
        )
        raise
    except Exception as exc:
        _record_failure(user_id, task_name, exc, started, time.perf_counter() - clock, tell=tell)
        return TaskOutcome.FAILED
    elapsed = time.perf_counter() - clock
    kept = record(result) if callable(record) else record
    if not kept and not touch:
        return TaskOutcome.SUCCESS  # the batch touches its successful users at once
    try:
        with transaction.atomic():
            if kept:
                ServiceTaskExecution.objects.create(
                    user_id=user_id,
                    task_name=task_name[:100],
                    started_at=started,
                    duration_seconds=elapsed,
                    status=TaskOutcome.SUCCESS,
                    details=_json_safe(result) if isinstance(result, dict) else {},
                )
            if touch:
                _touch(user_id, last_task_execution=timezone.now())
    except Exception:
        logger.exception(
            "could not record task %s for user %s", task_name, user_id, extra={"user_id": str(user_id)}
        )
    return TaskOutcome.SUCCESS


def service_touch(user_ids: Iterable[Any]) -> int:
    """`last_task_execution` = now for these users in one UPDATE: the successful units of a
    batch that ran them with `user_task_run(touch=False)`. Never raises (bookkeeping must not
    fail the batch after its work is done). Returns how many rows it wrote."""
    ids = sorted({str(u) for u in user_ids})  # one lock order for concurrent batches
    if not ids:
        return 0
    now = timezone.now()
    try:
        written = ServiceStatus.objects.filter(user_id__in=ids).update(last_task_execution=now)
    except Exception:
        logger.exception("could not touch the service status of %d users", len(ids))
        return 0
    if written < len(ids):  # first work of users whose service was never looked at
        have = {
            str(u) for u in ServiceStatus.objects.filter(user_id__in=ids).values_list("user_id", flat=True)
        }
        for user_id in ids:
            if user_id in have:
                continue
            try:
                with transaction.atomic():
                    _touch(user_id, last_task_execution=now)
                written += 1
            except Exception:
                logger.exception("could not touch the service status of user %s", user_id)
    return written


def _record_failure(
    user_id: Any,
    task_name: str,
    exc: BaseException,
    started: Any,
    elapsed: float,
    *,
    timed_out: bool = False,
    tell: str = "",
) -> None:
    """Never raises: it runs while something is already failing."""
    message = redact_text(f"{type(exc).__name__}: {exc}")[:MAX_ERROR_MESSAGE]
    if timed_out:
        message = f"Timed out (Celery soft time limit) while running {task_name}."
    logger.error(
        "task %s failed for user %s: %s",
        task_name,
        user_id,
        message,
        exc_info=exc,
        extra={"user_id": str(user_id), "task": task_name},
    )
    try:
        from accounts.models import User

        error = capture_error(
            exc,
            context={"source": "user_task", "task": task_name, "timed_out": timed_out},
            user=User(pk=user_id),
        )
        now = timezone.now()
        with transaction.atomic():
            _touch(
                user_id,
                error_count=F("error_count") + 1,
                last_error=message,
                last_error_at=now,
                last_task_execution=now,
            )
            execution = ServiceTaskExecution.objects.create(
                user_id=user_id,
                task_name=task_name[:100],
                started_at=started,
                duration_seconds=elapsed,
                status=TaskOutcome.FAILED,
                details={
                    "error": message,
                    "error_type": f"{type(exc).__module__}.{type(exc).__qualname__}",
                    "error_log_id": getattr(error, "pk", None),
                    "timed_out": timed_out,
                },
            )
            if tell:
                _task_failed_notify(user_id, task_name, tell, message, execution)
            status = ServiceStatus.objects.filter(user_id=user_id).first()
            if status is not None:
                publish(user_id, SERVICE_UPDATED, service_event_data(status))
    except Exception:
        logger.exception("could not record the failure of %s for user %s", task_name, user_id)


def _task_failed_notify(
    user_id: Any, task_name: str, label: str, message: str, execution: ServiceTaskExecution
) -> None:
    """The trader's `task_failed` notification, in the failure's transaction; at most once per
    user and task every TASK_FAILED_NOTIFY_SECONDS (the cache holds the once-only). Never raises:
    the failure's record matters more than its notification."""
    try:
        if not cache.add(f"notify:task-failed:{user_id}:{task_name[:100]}", 1, TASK_FAILED_NOTIFY_SECONDS):
            return
        with transaction.atomic():  # a savepoint: a failed INSERT must not cost the record
            notify(
                user_id,
                "task_failed",
                title=f"Scheduled task failed: {label}",
                message=message,  # already redacted and cut to MAX_ERROR_MESSAGE
                link="/service",  # the task history
                data={"task": task_name[:100], "execution_id": str(execution.pk)},
            )
    except Exception:
        logger.exception("could not notify the failure of %s to user %s", task_name, user_id)
