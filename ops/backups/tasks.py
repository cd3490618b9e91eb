"""Celery entry points of backups: ids in, one service call, nothing else (ops/backups/schedule.py)."""

from __future__ import annotations

from django.conf import settings

from config.tasks import house_task

from . import schedule

# A large database's dump or test restore takes longer than the default task limit (10 minutes).
LONG = {
    "soft_time_limit": settings.BACKUP_TIME_LIMIT_SECONDS,
    "time_limit": settings.BACKUP_TIME_LIMIT_SECONDS + 120,
}


@house_task(expires=55)
def backup_if_due() -> None:
    # Beat, every minute: locks the schedule row, so replicas and repeats start one backup a day.
    schedule.backup_if_due()


@house_task(**LONG)
def run_backup(*, backup_id: str) -> None:
    # The row is claimed first: a redelivered message finds it no longer queued and returns.
    schedule.backup_run(backup_id=backup_id)


@house_task(**LONG)
def verify_backup(*, backup_id: str) -> None:
    schedule.verify_run(backup_id=backup_id)
