"""Celery entry points of the logs: the daily retention clean-up and the minutely error-spike check."""

from __future__ import annotations

from config.tasks import house_task

from .services_logs import error_spike_check as _error_spike_check
from .services_logs import logs_retention as _logs_retention


@house_task(name="auditlog.tasks_logs.logs_retention", expires=3600)
def logs_retention() -> dict[str, int]:
    return _logs_retention()


@house_task(name="auditlog.tasks_logs.error_spike_check", expires=55)
def error_spike_check() -> int | None:
    """Beat, every minute: tell the admins when the error log spikes (auditlog/services_logs.py)."""
    return _error_spike_check()
