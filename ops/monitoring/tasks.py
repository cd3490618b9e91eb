"""Beat entry points of the performance dashboard (config/settings.py schedules them). None of
them runs while a restore replaces the database (config/maintenance.py): its rows would be
written into, or judged from, a database being swapped."""

from __future__ import annotations

from config import maintenance
from config.tasks import house_task

from .alerts import alerts_evaluate
from .compaction import metrics_compact
from .sampling import metrics_prune, platform_sample


@house_task(name="ops.monitoring.tasks.sample_platform", expires=55)
def sample_platform() -> int:
    """Every minute: queue depths and user-service heartbeats into MetricMinute."""
    if maintenance.active():
        return 0
    return platform_sample()


@house_task(name="ops.monitoring.tasks.evaluate_alerts", expires=55)
def evaluate_alerts() -> list[str]:
    """Every minute: fire or resolve the alert rules; returns the keys firing."""
    if maintenance.active():
        return []
    return alerts_evaluate()


@house_task(name="ops.monitoring.tasks.prune_metrics", expires=3000)
def prune_metrics() -> int:
    """Hourly: drop rows older than MONITORING_KEEP_DAYS and compact the minute rows older than a
    day into hourly ones. Returns the rows removed."""
    if maintenance.active():
        return 0
    return metrics_prune() + metrics_compact()
