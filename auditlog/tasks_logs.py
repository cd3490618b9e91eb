"""Celery entry points of the logs: the daily retention clean-up."""

from __future__ import annotations

from config.tasks import house_task

from .services_logs import logs_retention as _logs_retention


@house_task(name="auditlog.tasks_logs.logs_retention", expires=3600)
def logs_retention() -> dict[str, int]:
    return _logs_retention()
