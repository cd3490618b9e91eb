"""What a trader may schedule (`task_schedule` in their trading configuration), and the sync of
those entries to django-celery-beat.

    [{"task": "close_all_positions", "cron": "45 15 * * 1-5", "timezone": "America/New_York"},
     {"task": "reconcile", "interval_seconds": 3600, "timezone": "UTC"}]

Each entry becomes one `PeriodicTask` named `user:<user id>:<index>:<task>` that sends
`trading.tasks_service.run_user_task(user_id=..., task=...)` on the entry's cron (a
`CrontabSchedule` in the entry's time zone) or interval. The rows are enabled only while the
user's service runs; they are re-synced when `task_schedule` changes and when the service
starts or stops, and rows of removed entries are deleted. A run checks again that the service
runs (else it is recorded as `skipped`) and goes through `user_task_run`, so it is recorded and
one user's failure never reaches another's.
"""

from __future__ import annotations

import json
import logging
import uuid
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.schedules import crontab
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from .models_service import ServiceStatus, ServiceTaskExecution, TaskOutcome
from .services_service import open_groups_close, service_is_running, task_named, user_task_run

logger = logging.getLogger("tradefleet.trading.service")

RUN_USER_TASK = "trading.tasks_service.run_user_task"
# A user's task more often than once a minute would be load without a purpose (the engine's own
# monitors already run every 10-30 s); cron's finest step is a minute too.
MIN_INTERVAL_SECONDS = 60
# A message beat sent that waited longer than this is dropped: a late "close everything before
# the market closes" is worse than none. Interval entries expire after their interval if shorter.
MESSAGE_EXPIRES_SECONDS = 300
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


@dataclass(frozen=True)
class SchedulableTask:
    name: str
    description: str
    run: Callable[[str], dict[str, Any]]


def _call_task(name: str, **kwargs: Any) -> dict[str, Any]:
    """Run another part of the engine's per-user task inline: this worker is already running the
    user's scheduled task, so a second message would only add a hop."""
    task = task_named(name)
    if task is None:
        raise LookupError(f"{name} is not available on this worker.")
    result = task(**kwargs)
    details: dict[str, Any] = {"ran": name}
    if isinstance(result, int | str | bool | dict | list):
        details["result"] = result
    return details


def _risk_check(user_id: str) -> dict[str, Any]:
    return _call_task("trading.tasks_risk.risk_users", user_ids=[user_id], trigger="schedule")


def _queue_sweep(user_id: str) -> dict[str, Any]:
    return _call_task("trading.tasks_queue.promote_queues", user_ids=[user_id])


def _enabled_accounts(user_id: str) -> list[Any]:
    from brokers.models import ExchangeConfig

    return list(ExchangeConfig.objects.select_related("user").filter(user_id=user_id, is_enabled=True))


def _reconcile(user_id: str) -> dict[str, Any]:
    from .services_reconcile import account_reconcile

    done: dict[str, Any] = {}
    failed: list[str] = []
    first_error: Exception | None = None
    for account in _enabled_accounts(user_id):
        try:
            done[f"{account.exchange}:{account.label}"] = account_reconcile(account_id=str(account.pk))
        except Exception as exc:  # the other accounts are still reconciled; the run fails below
            failed.append(f"{account.exchange}:{account.label}")
            first_error = first_error or exc
    if first_error is not None:
        raise RuntimeError(f"Reconciling {', '.join(failed)} failed: {first_error}") from first_error
    return {"accounts": done}


def _validate_accounts(user_id: str) -> dict[str, Any]:
    from brokers.services import PAPER, exchange_config_validate

    results: dict[str, Any] = {}
    for account in _enabled_accounts(user_id):
        if account.exchange == PAPER:
            continue  # nothing to connect to
        checked = exchange_config_validate(config=account)
        results[f"{account.exchange}:{account.label}"] = checked.last_error or "ok"
    return {"accounts": results}


def _close_all_positions(user_id: str) -> dict[str, Any]:
    return {"closing": open_groups_close(user_id=user_id, reason="scheduled_close")}


TASKS: dict[str, SchedulableTask] = {
    task.name: task
    for task in (
        SchedulableTask("risk_check", "Run a risk-engine cycle now (as `POST risk/run`).", _risk_check),
        SchedulableTask("queue_sweep", "Promote queued signals into free pool slots.", _queue_sweep),
        SchedulableTask(
            "reconcile",
            "Compare your orders with each exchange account's book and trade history.",
            _reconcile,
        ),
        SchedulableTask(
            "validate_accounts",
            "Check each exchange account's key: connection, permissions, balance.",
            _validate_accounts,
        ),
        SchedulableTask(
            "close_all_positions",
            "Close every open position at market (e.g. before a market closes).",
            _close_all_positions,
        ),
    )
}


def available_tasks() -> list[dict[str, Any]]:
    return [
        {"task": t.name, "description": t.description, "min_interval_seconds": MIN_INTERVAL_SECONDS}
        for t in TASKS.values()
    ]


# --- validation (called by services_config for each entry whose shape is valid) --------------


def schedule_entry_problem(entry: Mapping[str, Any]) -> str | None:
    """Why an entry of the right shape cannot be scheduled, in words a trader understands."""
    task = str(entry.get("task", ""))
    if task not in TASKS:
        return f"unknown task {task[:50]!r}; the tasks you can schedule are {', '.join(TASKS)}."
    if "cron" in entry:
        try:
            # Beat parses it with Celery's parser: what it refuses here would never run.
            crontab(**dict(zip(CRON_FIELDS, str(entry["cron"]).split(), strict=True)))
        except (ValueError, TypeError) as exc:
            return (
                f"cron {str(entry['cron'])[:64]!r} is not a schedule ({exc}); the fields are minute, "
                "hour, day of month (1-31), month (1-12), day of week (0-6, Sunday is 0, or mon-sun)."
            )
        return None
    seconds = entry.get("interval_seconds")
    if not isinstance(seconds, int) or seconds < MIN_INTERVAL_SECONDS:
        return f"interval_seconds must be at least {MIN_INTERVAL_SECONDS}."
    return None


# --- the beat rows ------------------------------------------------------------------------------


def row_prefix(user_id: Any) -> str:
    return f"user:{user_id}:"


def row_name(user_id: Any, index: int, task: str) -> str:
    return f"{row_prefix(user_id)}{index}:{task}"


def _schedule_of(entry: Mapping[str, Any]) -> tuple[CrontabSchedule | None, IntervalSchedule | None]:
    if "cron" in entry:
        spec = dict(zip(CRON_FIELDS, str(entry["cron"]).split(), strict=True))
        spec["timezone"] = zoneinfo.ZoneInfo(str(entry.get("timezone", "UTC")))
        cron = CrontabSchedule.objects.filter(**spec).first() or CrontabSchedule.objects.create(**spec)
        return cron, None
    every = int(entry["interval_seconds"])
    interval = IntervalSchedule.objects.filter(
        every=every, period=IntervalSchedule.SECONDS
    ).first() or IntervalSchedule.objects.create(every=every, period=IntervalSchedule.SECONDS)
    return None, interval


def _user_entries(user_id: Any) -> list[dict[str, Any]]:
    from .models_config import UserTradingConfig

    entries = (
        UserTradingConfig.objects.filter(user_id=user_id).values_list("task_schedule", flat=True).first()
    )
    return list(entries or [])


def schedules_sync(
    *, user_id: Any, entries: Sequence[Mapping[str, Any]] | None = None, enabled: bool | None = None
) -> list[PeriodicTask]:
    """Make the user's beat rows match `entries` (default: their saved task_schedule), enabled
    when `enabled` (default: whether their service runs). Returns the rows, in entry order."""
    with transaction.atomic():
        # One sync per user at a time (a start racing a config change): the service row is the lock.
        ServiceStatus.objects.select_for_update().filter(user_id=user_id).first()
        if entries is None:
            entries = _user_entries(user_id)
        if enabled is None:
            enabled = service_is_running(user_id)
        existing = {
            row.name: row for row in PeriodicTask.objects.filter(name__startswith=row_prefix(user_id))
        }
        rows: list[PeriodicTask] = []
        for index, entry in enumerate(entries):
            problem = schedule_entry_problem(entry)
            if problem:  # saved before the registry knew better; never sent to beat
                logger.warning(
                    "schedule item %d not registered: %s", index + 1, problem, extra={"user_id": str(user_id)}
                )
                continue
            rows.append(_row_sync(existing, user_id=user_id, index=index, entry=entry, enabled=enabled))
        wanted = {row.name for row in rows}
        stale = [row.pk for name, row in existing.items() if name not in wanted]
        if stale:
            PeriodicTask.objects.filter(pk__in=stale).delete()  # per row, so beat hears of it
    return rows


def _row_sync(
    existing: dict[str, PeriodicTask], *, user_id: Any, index: int, entry: Mapping[str, Any], enabled: bool
) -> PeriodicTask:
    task = str(entry["task"])
    name = row_name(user_id, index, task)
    cron, interval = _schedule_of(entry)
    expires = MESSAGE_EXPIRES_SECONDS
    if interval is not None:
        expires = min(expires, interval.every)
    fields = {
        "task": RUN_USER_TASK,
        "kwargs": json.dumps({"user_id": str(user_id), "task": task}),
        "crontab": cron,
        "interval": interval,
        "enabled": enabled,
        "expire_seconds": expires,
        "description": f"{task} for user {user_id} (item {index + 1} of their task_schedule)",
    }
    row = existing.get(name)
    if row is None:
        row = PeriodicTask(name=name, **fields)
        row.save()
        return row
    if any(getattr(row, key) != value for key, value in fields.items()):
        for key, value in fields.items():
            setattr(row, key, value)
        row.save()  # save(), not update(): beat notices changes through PeriodicTask's signals
    return row


def schedules_delete(*, user_id: Any) -> int:
    deleted, _ = PeriodicTask.objects.filter(name__startswith=row_prefix(user_id)).delete()
    return deleted


def next_run(row: PeriodicTask, *, now: datetime | None = None) -> datetime | None:
    """When beat will next send the row (an estimate, from the row alone: no query)."""
    if not row.enabled:
        return None
    now = now or timezone.now()
    if row.crontab_id is not None:
        schedule = row.crontab.schedule
        return now + schedule.remaining_estimate(row.last_run_at or now)
    if row.interval_id is not None:
        base = row.last_run_at or row.date_changed or now
        return max(base + timedelta(seconds=row.interval.every), now)
    return None


def schedules_overview(*, user_id: Any) -> list[dict[str, Any]]:
    """The user's task_schedule as beat holds it: each entry with enabled and next_run."""
    rows = {
        row.name: row
        for row in PeriodicTask.objects.select_related("crontab", "interval").filter(
            name__startswith=row_prefix(user_id)
        )
    }
    now = timezone.now()
    out: list[dict[str, Any]] = []
    for index, entry in enumerate(_user_entries(user_id)):
        row = rows.get(row_name(user_id, index, str(entry.get("task"))))
        item = {k: entry[k] for k in ("task", "cron", "interval_seconds", "timezone") if k in entry}
        item["enabled"] = bool(row and row.enabled)
        item["next_run"] = next_run(row, now=now) if row is not None else None
        out.append(item)
    return out


# --- a run --------------------------------------------------------------------------------------


def scheduled_task_run(*, user_id: str, task: str) -> str:
    """What `run_user_task` does: the user's scheduled `task`, if their service runs."""
    from accounts.models import User

    try:
        uuid.UUID(str(user_id))
    except ValueError:
        logger.warning("scheduled task %s for a malformed user id; ignored", task[:100])
        return TaskOutcome.SKIPPED
    active = User.objects.filter(pk=user_id).values_list("is_active", flat=True).first()
    if active is None:  # the account is gone: so are its schedules
        schedules_delete(user_id=user_id)
        return TaskOutcome.SKIPPED
    reason = ""
    if not active:
        reason = "Your account is deactivated."
    elif not service_is_running(user_id):
        reason = "Your trading service is stopped."
    if reason:
        ServiceTaskExecution.objects.create(
            user_id=user_id, task_name=task[:100], status=TaskOutcome.SKIPPED, details={"reason": reason}
        )
        return TaskOutcome.SKIPPED
    spec = TASKS.get(task)

    def run() -> dict[str, Any]:
        if spec is None:  # a row left from a task since removed from the registry
            raise LookupError(f"{task[:100]!r} is not a task you can schedule.")
        return spec.run(str(user_id))

    return user_task_run(user_id=user_id, task_name=task[:100], fn=run)
