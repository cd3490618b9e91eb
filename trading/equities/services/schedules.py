"""The seven tasks as django-celery-beat rows, one per trader and task, and their overview.

Each row is named `nse:<user id>:<task>` and sends `run_strategy_task(user_id=..., task=...)` on
the task's cron in the strategy's time zone (Asia/Kolkata by default). Rows are enabled only while
the strategy is on, has an account and a universe, and the trader's service runs; they follow the
settings (services/config.py) and the service's start and stop (trading/service/services.py).
Each run checks again (NSE trading day, service running: runner.py), so a row that fires on a
holiday only records that it skipped.
"""

from __future__ import annotations

import json
import zoneinfo
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from trading.equities.models import EquitiesStrategy, StrategyTask
from trading.equities.schedule_defaults import DESCRIPTIONS, schedule_with_defaults
from trading.runtime import task_names as names
from trading.runtime.beat import next_run
from trading.runtime.models import ServiceStatus, ServiceTaskExecution
from trading.runtime.services import service_is_running
from trading.settings.schedule_rules import CRON_FIELDS

# A message that waited longer than this is dropped: the next run does the work at its own time.
EXPIRES = {
    StrategyTask.SELL_MONITOR: 55,
    StrategyTask.POSITION_MONITOR: 600,
    StrategyTask.OPEN_SELLS: 1800,
    StrategyTask.PREMARKET_RETRY: 600,
}
DEFAULT_EXPIRES = 1800


def row_prefix(user_id: Any) -> str:
    return f"nse:{user_id}:"


def execution_name(task: str) -> str:
    """The task's name in the trader's task history (trading service page)."""
    return f"nse.{task}"


def strategy_active(strategy: EquitiesStrategy | None) -> bool:
    return bool(strategy and strategy.enabled and strategy.account_id and strategy.universe)


def _crontab(cron: str, tz: str) -> CrontabSchedule:
    spec: dict[str, Any] = dict(zip(CRON_FIELDS, cron.split(), strict=True))
    spec["timezone"] = zoneinfo.ZoneInfo(tz)
    return CrontabSchedule.objects.filter(**spec).first() or CrontabSchedule.objects.create(**spec)


def strategy_schedules_sync(*, user_id: Any, running: bool | None = None) -> list[PeriodicTask]:
    """Make the trader's seven rows match their strategy settings; enabled when the strategy is
    active and the service runs (`running`, default: as stored)."""
    with transaction.atomic():
        # One sync per user at a time (a start racing a settings change): the service row is the lock.
        ServiceStatus.objects.select_for_update().filter(user_id=user_id).first()
        strategy = EquitiesStrategy.objects.filter(user_id=user_id).first()
        existing = {
            row.name: row for row in PeriodicTask.objects.filter(name__startswith=row_prefix(user_id))
        }
        if strategy is None:
            if existing:
                PeriodicTask.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
            return []
        if running is None:
            running = service_is_running(user_id)
        enabled = running and strategy_active(strategy)
        rows = []
        for task, cron in schedule_with_defaults(strategy.schedule).items():
            name = f"{row_prefix(user_id)}{task}"
            fields = {
                "task": names.RUN_STRATEGY_TASK,
                "kwargs": json.dumps({"user_id": str(user_id), "task": task}),
                "crontab": _crontab(cron, strategy.timezone),
                "interval": None,
                "enabled": enabled,
                "expire_seconds": EXPIRES.get(StrategyTask(task), DEFAULT_EXPIRES),
                "description": f"NSE strategy: {task} for user {user_id}",
            }
            row = existing.pop(name, None)
            if row is None:
                row = PeriodicTask(name=name, **fields)
                row.save()
            elif any(getattr(row, key) != value for key, value in fields.items()):
                for key, value in fields.items():
                    setattr(row, key, value)
                row.save()  # save(), not update(): beat notices changes through PeriodicTask's signals
            rows.append(row)
        if existing:
            PeriodicTask.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    return rows


def strategy_schedules_delete(*, user_id: Any) -> int:
    deleted, _ = PeriodicTask.objects.filter(name__startswith=row_prefix(user_id)).delete()
    return deleted


def strategy_tasks_overview(*, user_id: Any) -> list[dict[str, Any]]:
    """The seven tasks as the trader sees them: what each does, when it runs next, how it last went."""
    strategy = EquitiesStrategy.objects.filter(user_id=user_id).first()
    schedule = schedule_with_defaults(strategy.schedule if strategy else None)
    tz = strategy.timezone if strategy else "Asia/Kolkata"
    rows = {
        row.name: row
        for row in PeriodicTask.objects.select_related("crontab").filter(name__startswith=row_prefix(user_id))
    }
    now = timezone.now()
    out = []
    for task in StrategyTask:
        row = rows.get(f"{row_prefix(user_id)}{task.value}")
        last = (
            ServiceTaskExecution.objects.filter(user_id=user_id, task_name=execution_name(task.value))
            .order_by("-started_at")
            .first()
        )
        last_run = None
        if last is not None:
            details = dict(last.details or {})
            last_run = {
                "status": last.status,
                "started_at": last.started_at,
                "finished_at": last.started_at + timedelta(seconds=last.duration_seconds),
                "duration_ms": round(last.duration_seconds * 1000),
                "details": details,
                "error": str(details.get("error") or details.get("reason") or ""),
            }
        out.append(
            {
                "task": task.value,
                "label": task.label,
                "description": DESCRIPTIONS[task.value],
                "cron": schedule.get(task.value, ""),
                "timezone": tz,
                "enabled": bool(row and row.enabled),
                "next_run": next_run(row, now=now) if row is not None else None,
                "last_run": last_run,
            }
        )
    return out
