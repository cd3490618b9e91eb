"""Celery tasks of the NSE strategy (names: trading/runtime/task_names.py)."""

from __future__ import annotations

from config import maintenance
from config.tasks import house_task
from trading.equities.services.runner import SOFT_TIME_LIMIT, strategy_task_run
from trading.runtime import task_names as names


@house_task(name=names.RUN_STRATEGY_TASK, soft_time_limit=SOFT_TIME_LIMIT, time_limit=SOFT_TIME_LIMIT + 60)
def run_strategy_task(*, user_id: str, task: str, manual: bool = False) -> str:
    """One of the seven tasks for one trader, from their beat row or "Run now". Never retried: a
    failure is recorded in the trader's task history and error log, not raised."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return "skipped"
    return strategy_task_run(user_id=user_id, task=task, manual=manual)
