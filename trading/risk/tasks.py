"""Celery tasks of the risk engine (names: trading/runtime/task_names.py)."""

from __future__ import annotations

from config import maintenance
from config.tasks import house_task
from trading.risk.services.schedule import risk_users_due, risk_users_run
from trading.runtime import task_names as names
from trading.runtime.fanout import fan_out

# A batch older than a tick is superseded by the next tick's.
RISK_TASK_EXPIRES = 29


@house_task(name=names.RISK_TICK, expires=RISK_TASK_EXPIRES)
def risk_tick() -> int:
    """Beat, every 30 s: one `risk_users` per batch of users with something for the engine."""
    if maintenance.active():  # a restore is replacing the database (config/maintenance.py)
        return 0
    return fan_out(risk_users, risk_users_due(), kwarg="user_ids", expires=RISK_TASK_EXPIRES)


@house_task(name=names.RISK_USERS, expires=120)
def risk_users(*, user_ids: list[str], trigger: str = "schedule") -> int:
    """One risk cycle per user, each isolated from the others' failures. Safe to run twice: the
    cycle locks the groups and a loser already closing is not closed again."""
    return risk_users_run(user_ids=user_ids, trigger=trigger)
