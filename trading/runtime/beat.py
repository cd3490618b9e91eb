"""Reading django-celery-beat rows: when one will next be sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_celery_beat.models import PeriodicTask


def next_run(row: PeriodicTask, *, now: datetime | None = None) -> datetime | None:
    """When beat will next send the row (an estimate, from the row alone: no query)."""
    if not row.enabled:
        return None
    now = now or timezone.now()
    if row.crontab_id is not None:
        schedule = row.crontab.schedule
        estimate = now + schedule.remaining_estimate(row.last_run_at or now)
        # A cron fires at a whole minute; the estimate lands a few microseconds either side.
        return (estimate + timedelta(seconds=30)).replace(second=0, microsecond=0)
    if row.interval_id is not None:
        base = row.last_run_at or row.date_changed or now
        return max(base + timedelta(seconds=row.interval.every), now)
    return None
