"""Celery entry points of backups: ids in, one service call, nothing else (ops/backups/schedule.py)."""

from __future__ import annotations

from config.tasks import house_task

from . import schedule


@house_task(expires=55)
def backup_if_due() -> None:
    # Beat, every minute: locks the schedule row, so replicas and repeats start one backup a day.
    schedule.backup_if_due()


@house_task()
def run_backup(*, backup_id: str) -> None:
    # The row is claimed first: a redelivered message finds it no longer queued and returns.
    schedule.backup_run(backup_id=backup_id)


@house_task()
def verify_backup(*, backup_id: str) -> None:
    schedule.verify_run(backup_id=backup_id)
