"""The per-user trading service: its state, start and stop, the heartbeat, and running a piece of
one user's work in isolation.

A user's service runs from first use. Stopped means: no new entries (services_processing reads
`service_running` from the routes), no queue promotion, no scheduled tasks of the user's own
(their beat rows are disabled, and a run that still arrives is recorded as skipped); the fill
and take-profit monitors keep watching open positions unless the user stops with `close_all`.

`user_task_run` is how every per-user task runs (queue sweep, risk cycle, monitors, scheduled
tasks): a failure is recorded against that user (ServiceTaskExecution, ErrorLog, the service's
error count and last error) and never reaches the batch or the worker, so one user's failing
task never delays or breaks another's. The one exception it lets through is Celery's soft time
limit (see `user_task_run`).
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from auditlog.log_handler import redact_text, redact_value
from auditlog.services import record
from auditlog.services_logs import capture_error
from notifications.events import SERVICE_UPDATED, publish

from .models_service import ServiceStatus, ServiceTaskExecution, TaskOutcome

logger = logging.getLogger("tradefleet.trading.service")

HEARTBEAT_BEAT_ENTRY = "trading-service-heartbeat"
# Healthy: a worker wrote the heartbeat within this many beat intervals.
HEALTHY_INTERVALS = 3
MAX_ERROR_MESSAGE = 2000


class ServiceStateConflict(Exception):
    """Start on a running service, stop on a stopped one: a 409 with the current state."""

    def __init__(self, code: str, detail: str, status: ServiceStatus) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status = code, detail, status


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


def _locked(user: Any) -> ServiceStatus:
    service_status_for(user.pk)
    return ServiceStatus.objects.select_for_update().get(user_id=user.pk)


def _audit(
    action: str, *, user: Any, actor: Any, request: HttpRequest | None, status: ServiceStatus, **extra: Any
) -> None:
    record(
        action=action,
        actor=actor if actor is not None else getattr(request, "user", None) or user,
        owner=user,
        resource=status,
        request=request,
        changes={"running": {"before": not status.running, "after": status.running}, **extra},
    )


def service_start(*, user: Any, request: HttpRequest | None = None, actor: Any = None) -> ServiceStatus:
    """Start the user's service: their schedules enabled and their work dispatched now."""
    from .schedules import schedules_sync

    with transaction.atomic():
        status = _locked(user)
        if status.running:
            raise ServiceStateConflict("already_running", "Your trading service is already running.", status)
        status.running = True
        status.started_at = timezone.now()
        status.save(update_fields=["running", "started_at", "updated_at"])  # save(): bumps the routes
        rows = schedules_sync(user_id=user.pk, enabled=True)
        _audit(
            "trading_service.start",
            user=user,
            actor=actor,
            request=request,
            status=status,
            schedules=len(rows),
        )
        user_id = str(user.pk)
        transaction.on_commit(lambda: _dispatch_user_work(user_id))
        publish(user.pk, SERVICE_UPDATED, service_event_data(status))
    return status


def service_stop(
    *, user: Any, close_all: bool = False, request: HttpRequest | None = None, actor: Any = None
) -> ServiceStatus:
    """Stop the user's service; with `close_all`, also close every open position and empty the
    queue. Without it, open positions keep their take-profits and fills are still watched."""
    from .schedules import schedules_sync

    with transaction.atomic():
        status = _locked(user)
        if not status.running:
            raise ServiceStateConflict("already_stopped", "Your trading service is already stopped.", status)
        status.running = False
        status.stopped_at = timezone.now()
        status.save(update_fields=["running", "stopped_at", "updated_at"])
        schedules_sync(user_id=user.pk, enabled=False)
        closing, dequeued = 0, None
        if close_all:
            closing = open_groups_close(user_id=user.pk, reason="service_stopped")
            dequeued = _queue_clear(user_id=user.pk, reason="service_stopped")
        _audit(
            "trading_service.stop",
            user=user,
            actor=actor,
            request=request,
            status=status,
            close_all=close_all,
            groups_closing=closing,
            queue_cleared=dequeued,
        )
        publish(user.pk, SERVICE_UPDATED, service_event_data(status))
    return status


def open_groups_close(*, user_id: Any, reason: str) -> int:
    """Start closing each of the user's open groups (one at a time, each under its lock).
    Returns how many are closing now."""
    from .models_positions import OPEN_GROUP_STATUSES, GroupStatus, PositionGroup
    from .services_exits import group_close

    closing = 0
    ids = PositionGroup.objects.filter(user_id=user_id, status__in=OPEN_GROUP_STATUSES).values_list(
        "pk", flat=True
    )
    for group in PositionGroup.objects.filter(pk__in=list(ids)):
        try:
            if group_close(group=group, reason=reason).status == GroupStatus.CLOSING:
                closing += 1
        except ValidationError:
            continue  # closed meanwhile
    return closing


def _queue_clear(*, user_id: Any, reason: str) -> Any:
    try:
        from .services_queue import queue_clear  # written with the queue
    except ImportError:
        logger.error("the queue cannot be cleared: trading.services_queue.queue_clear is missing")
        return None
    return queue_clear(user_id=user_id, reason=reason)


# Sent once the start commits: a promotion of what waits in the queue, a risk cycle, and a
# heartbeat for this user alone (so the status turns healthy without waiting for the next tick).
_START_WORK = (
    ("trading.tasks_queue.promote_queues", {}),
    ("trading.tasks_risk.risk_users", {"trigger": "manual"}),
    ("trading.tasks_service.service_heartbeat", {}),
)


def task_named(name: str) -> Any:
    """The Celery task `module.function`, imported here (a web process has not imported every
    task module), or None when this code base has no such task."""
    module_name, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return None


def _dispatch_user_work(user_id: str) -> None:
    from config.celery import app

    for name, extra in _START_WORK:
        kwargs = {"user_ids": [user_id], **extra}
        try:
            task = task_named(name)
            if task is not None:
                task.apply_async(kwargs=kwargs)
            else:  # not in this code base (an older web image): a worker that has it runs it
                app.send_task(name, kwargs=kwargs)
        except Exception:
            # The start is committed; the beat ticks (queue 10 s, risk 30 s) catch up on their own.
            logger.exception("could not dispatch %s after a start", name, extra={"user_id": user_id})


def service_heartbeat_write(*, user_ids: list[Any] | None = None) -> int:
    """Every running service's heartbeat, in one UPDATE (a worker writing it proves the fleet
    works for them). Returns how many were written."""
    running = ServiceStatus.objects.filter(running=True)
    if user_ids is not None:
        running = running.filter(user_id__in=user_ids)
    return running.update(last_heartbeat=timezone.now())


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
) -> str:
    """Run `fn()` as one execution of `task_name` for the user. Returns the outcome. A dict
    returned by `fn` becomes the execution's details. Exceptions are recorded, not raised.
    `record` may be a predicate on fn's result: frequent tasks keep only the runs that acted.

    `touch=False` is for batches: a success then leaves `last_task_execution` to the caller,
    which writes it for all its successful users in one `service_touch`; a success that is not
    recorded then costs no write at all. Outside a transaction `fn` runs without a savepoint, so
    a batch whose `fn`s write nothing (a pure decision) pays no statement per unit. Failures are
    recorded the same way whatever `touch` says.

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
        _record_failure(user_id, task_name, exc, started, time.perf_counter() - clock, timed_out=True)
        raise
    except Exception as exc:
        _record_failure(user_id, task_name, exc, started, time.perf_counter() - clock)
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
    user_id: Any, task_name: str, exc: BaseException, started: Any, elapsed: float, *, timed_out: bool = False
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
            ServiceTaskExecution.objects.create(
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
            status = ServiceStatus.objects.filter(user_id=user_id).first()
            if status is not None:
                publish(user_id, SERVICE_UPDATED, service_event_data(status))
    except Exception:
        logger.exception("could not record the failure of %s for user %s", task_name, user_id)
