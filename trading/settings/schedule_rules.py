"""What a trader may put in `task_schedule` (their trading configuration): the tasks they can
schedule and the rules an entry must keep. The service (trading/service/schedules.py) turns the
entries into beat rows and runs them.

    [{"task": "close_all_positions", "cron": "45 15 * * 1-5", "timezone": "America/New_York"},
     {"task": "reconcile", "interval_seconds": 3600, "timezone": "UTC"}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery.schedules import crontab

# A user's task more often than once a minute would be load without a purpose (the engine's own
# monitors already run every 10-30 s); cron's finest step is a minute too.
MIN_INTERVAL_SECONDS = 60
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")

SCHEDULABLE_TASKS: dict[str, str] = {
    "risk_check": "Run a risk-engine cycle now (as `POST risk/run`).",
    "queue_sweep": "Promote queued signals into free pool slots.",
    "reconcile": "Compare your orders with each exchange account's book and trade history.",
    "validate_accounts": "Check each exchange account's key: connection, permissions, balance.",
    "close_all_positions": "Close every open position at market (e.g. before a market closes).",
}


def available_tasks() -> list[dict[str, Any]]:
    return [
        {"task": name, "description": description, "min_interval_seconds": MIN_INTERVAL_SECONDS}
        for name, description in SCHEDULABLE_TASKS.items()
    ]


def schedule_entry_problem(entry: Mapping[str, Any]) -> str | None:
    """Why an entry of the right shape cannot be scheduled, in words a trader understands."""
    task = str(entry.get("task", ""))
    if task not in SCHEDULABLE_TASKS:
        return f"unknown task {task[:50]!r}; the tasks you can schedule are {', '.join(SCHEDULABLE_TASKS)}."
    if "cron" in entry:
        return cron_problem(entry["cron"])
    seconds = entry.get("interval_seconds")
    if not isinstance(seconds, int) or seconds < MIN_INTERVAL_SECONDS:
        return f"interval_seconds must be at least {MIN_INTERVAL_SECONDS}."
    return None


def cron_problem(cron: Any) -> str | None:
    """Why `cron` is not a five-field schedule beat can run, or None."""
    try:
        # Beat parses it with Celery's parser: what it refuses here would never run.
        crontab(**dict(zip(CRON_FIELDS, str(cron).split(), strict=True)))
    except (ValueError, TypeError) as exc:
        return (
            f"cron {str(cron)[:64]!r} is not a schedule ({exc}); the fields are minute, "
            "hour, day of month (1-31), month (1-12), day of week (0-6, Sunday is 0, or mon-sun)."
        )
    return None
