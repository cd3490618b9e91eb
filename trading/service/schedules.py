"""What each task a trader may schedule runs, and the sync of their `task_schedule` entries
(validated by trading/settings/schedule_rules.py) to django-celery-beat.

Each entry becomes one `PeriodicTask` named `user:<user id>:<index>:<task>` that sends
`trading.tasks_service.run_user_task(user_id=..., task=...)` on the entry's cron (a
`CrontabSchedule` in the entry's time zone) or interval. The rows are enabled only while the
user's service runs; they are re-synced when `task_schedule` changes (the settings hook
`task_schedule_changed`, trading/service/receivers.py) and when the service starts or stops,
and rows of removed entries are deleted. A run checks again that the service runs (else it is
recorded as `skipped`) and goes through `user_task_run`, so it is recorded and one user's failure
never reaches another's.
"""

from __future__ import annotations

import json
import logging
import uuid
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from brokers.ratelimit import working_for
from config.tasks import task_named
from trading.execution.services.exits import open_groups_close
from trading.execution.services.reconcile import account_reconcile
from trading.runtime import task_names as names
from trading.runtime.beat import next_run
from trading.runtime.models import ServiceStatus, ServiceTaskExecution, TaskOutcome
from trading.runtime.services import service_is_running, user_task_run
from trading.settings.models import UserTradingConfig
from trading.settings.schedule_rules import CRON_FIELDS, SCHEDULABLE_TASKS, schedule_entry_problem

logger = logging.getLogger("tradefleet.trading.service")

RUN_USER_TASK = names.RUN_USER_TASK
# A message beat sent that waited longer than this is dropped: a late "close everything before
# the market closes" is worse than none. Interval entries expire after their interval if shorter.
MESSAGE_EXPIRES_SECONDS = 300


def _call_task(name: str, **kwargs: Any) -> dict[str, Any]:
    """Run another part of the engine's per-user task inline: this worker is already running the
    user's scheduled task, so a second message would only add a hop."""
    result = task_named(name)(**kwargs)
    details: dict[str, Any] = {"ran": name}
    if isinstance(result, int | str | bool | dict | list):
        details["result"] = result
    return details


def _risk_check(user_id: str) -> dict[str, Any]:
    return _call_task(names.RISK_USERS, user_ids=[user_id], trigger="schedule")


def _queue_sweep(user_id: str) -> dict[str, Any]:
    return _call_task(names.PROMOTE_QUEUES, user_ids=[user_id])


def _enabled_accounts(user_id: str) -> list[Any]:
    from brokers.models import ExchangeConfig

    return list(ExchangeConfig.objects.select_related("user").filter(user_id=user_id, is_enabled=True))


def _reconcile(user_id: str) -> dict[str, Any]:
    done: dict[str, Any] = {}
    failed: list[str] = []
    first_error: Exception | None = None
    for account in _enabled_accounts(user_id):
        try:
            with working_for(account):  # held back for long by the rate limit: its owner is told
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


# What each schedulable task (settings/schedule_rules.py names and describes them) runs.
RUNNERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "risk_check": _risk_check,
    "queue_sweep": _queue_sweep,
    "reconcile": _reconcile,
    "validate_accounts": _validate_accounts,
    "close_all_positions": _close_all_positions,
}
assert RUNNERS.keys() == SCHEDULABLE_TASKS.keys(), "every schedulable task needs exactly one runner"  # noqa: S101


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
    runner = RUNNERS.get(task)

    def run() -> dict[str, Any]:
        if runner is None:  # a row left from a task since removed from the registry
            raise LookupError(f"{task[:100]!r} is not a task you can schedule.")
        return runner(str(user_id))

    # A failure tells the trader too (task_failed), naming the task as their task_schedule does.
    return user_task_run(user_id=user_id, task_name=task[:100], fn=run, tell=task[:100])
