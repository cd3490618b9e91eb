"""Celery tasks of the risk part of the engine (imported by trading/tasks.py, so Celery finds them)."""

from __future__ import annotations

from config.tasks import house_task

# A batch older than a tick is superseded by the next tick's.
RISK_TASK_EXPIRES = 29


@house_task(expires=RISK_TASK_EXPIRES)
def risk_tick() -> int:
    """Beat, every 30 s: one `risk_users` per batch of users with something for the engine."""
    from .fanout import fan_out
    from .services_risk_schedule import risk_users_due

    return fan_out(risk_users, risk_users_due(), kwarg="user_ids", expires=RISK_TASK_EXPIRES)


@house_task(expires=120)
def risk_users(*, user_ids: list[str], trigger: str = "schedule") -> int:
    """One risk cycle per user, each isolated from the others' failures. Safe to run twice: the
    cycle locks the groups and a loser already closing is not closed again."""
    from .services_risk_schedule import risk_users_run

    return risk_users_run(user_ids=user_ids, trigger=trigger)
