"""Running one of the seven tasks for one trader: from their beat row or their "Run now".

A scheduled run checks, in order: the trader exists and is active, the strategy is on (account
and universe set), the trading service runs, and today is an NSE trading day (Asia/Kolkata);
otherwise it is recorded as skipped with the reason. "Run now" skips the service and calendar
checks (the trader asked). One trader's run holds a lock per task, so a slow run is never
doubled by the next minute's; a failure is recorded in the trader's task history and error log
(`user_task_run`) and never reaches another trader.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from brokers.nse_calendar import IST, nse_calendar
from brokers.ratelimit import working_for
from config.tasks import task_named
from notifications.events import STRATEGY_UPDATED, publish
from trading.equities.models import EquitiesStrategy, StrategyTask
from trading.equities.services import buys, day, sells
from trading.equities.services.analysis import analysis_run
from trading.equities.services.schedules import execution_name, strategy_active, strategy_schedules_delete
from trading.runtime import task_names as names
from trading.runtime.models import ServiceTaskExecution, TaskOutcome
from trading.runtime.services import service_is_running, user_task_run

# The analysis' limit (the issue's 30 minutes); the other six take seconds.
SOFT_TIME_LIMIT = 1800
LOCK_SECONDS = SOFT_TIME_LIMIT + 60
MANUAL_EXPIRES = 600
# Frequent tasks keep only the runs that did something (an idle minute is not history).
QUIET_TASKS = (StrategyTask.SELL_MONITOR, StrategyTask.POSITION_MONITOR)


def _analysis(*, user_id: Any, now: datetime | None = None) -> dict[str, Any]:
    run = analysis_run(user_id=user_id, now=now)
    return {
        "day": run.day.isoformat(),
        "run_id": str(run.pk),
        "symbols": len(run.symbols),
        "analysed": run.analyses.count(),
        "recommended": run.tradeable_count,
        "errors": run.errors,
    }


RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {
    StrategyTask.PREMARKET_RETRY: buys.premarket_retry,
    StrategyTask.OPEN_SELLS: sells.open_sells,
    StrategyTask.SELL_MONITOR: sells.sell_monitor,
    StrategyTask.POSITION_MONITOR: day.position_monitor,
    StrategyTask.ANALYSIS: _analysis,
    StrategyTask.AMO_BUYS: buys.amo_buys,
    StrategyTask.END_OF_DAY: day.end_of_day,
}


def _skip(user_id: Any, task: str, reason: str, *, quiet: bool) -> str:
    if not quiet:
        ServiceTaskExecution.objects.create(
            user_id=user_id,
            task_name=execution_name(task),
            status=TaskOutcome.SKIPPED,
            details={"reason": reason},
        )
    return TaskOutcome.SKIPPED


def strategy_task_run(*, user_id: str, task: str, manual: bool = False, now: datetime | None = None) -> str:
    """One run of `task` for the trader; returns the outcome (success, failed, skipped)."""
    from accounts.models import User

    try:
        uuid.UUID(str(user_id))
    except ValueError:
        return TaskOutcome.SKIPPED
    if task not in RUNNERS:
        return TaskOutcome.SKIPPED
    quiet = task in QUIET_TASKS and not manual
    active = User.objects.filter(pk=user_id).values_list("is_active", flat=True).first()
    if active is None:  # the account is gone: so are its schedules
        strategy_schedules_delete(user_id=user_id)
        return TaskOutcome.SKIPPED
    if not active:
        return _skip(user_id, task, "Your account is deactivated.", quiet=quiet)
    strategy = EquitiesStrategy.objects.filter(user_id=user_id).first()
    if not strategy_active(strategy):
        return _skip(user_id, task, "The NSE strategy is off, or has no account or no stocks.", quiet=quiet)
    now = now or timezone.now()
    if not manual:
        if not service_is_running(user_id):
            return _skip(user_id, task, "Your trading service is stopped.", quiet=quiet)
        today = now.astimezone(IST).date()
        if not nse_calendar().is_trading_day(today):
            return _skip(user_id, task, f"{today.isoformat()} is not an NSE trading day.", quiet=quiet)
    lock = f"nse-task:{user_id}:{task}"
    if not cache.add(lock, 1, LOCK_SECONDS):
        return _skip(user_id, task, "The previous run of this task is still going.", quiet=quiet)
    acted: list[bool] = []

    def run() -> dict[str, Any]:
        # The broker's rate limit holding this run back for long tells the trader (rate_limited).
        with working_for(strategy.account):
            result = RUNNERS[task](user_id=user_id, now=now)
        acted.append(bool(result.get("acted", True)))
        return result

    try:
        outcome = user_task_run(
            user_id=user_id,
            task_name=execution_name(task),
            fn=run,
            record=(lambda result: bool(result.get("acted", True))) if quiet else True,
            tell=f"NSE strategy, {StrategyTask(task).label}",
        )
    finally:
        cache.delete(lock)
    if not quiet or outcome != TaskOutcome.SUCCESS or any(acted):
        # The strategy pages refresh what this run may have changed.
        publish(user_id, STRATEGY_UPDATED, {"task": task, "outcome": outcome})
    return str(outcome)


def strategy_task_run_now(
    *, user: Any, task: str, actor: Any = None, request: HttpRequest | None = None
) -> None:
    """The trader's "Run now": the task goes to the workers at once, whatever the schedule."""
    if task not in RUNNERS:
        raise ValidationError({"task": [f"Unknown task; the tasks are {', '.join(RUNNERS)}."]})
    user_id = str(user.pk)
    with transaction.atomic():
        record(
            action="equities_strategy.run_now",
            actor=actor if actor is not None else user,
            owner=user,
            request=request,
            changes={"task": task},
        )
        transaction.on_commit(
            lambda: task_named(names.RUN_STRATEGY_TASK).apply_async(
                kwargs={"user_id": user_id, "task": task, "manual": True}, expires=MANUAL_EXPIRES
            )
        )
