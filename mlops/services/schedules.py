"""Scheduled retraining: each RetrainingSchedule is one django-celery-beat row (`ml:<schedule id>`)
that sends `mlops.tasks.run_retraining_schedule`. A run starts a job on the last `window_days`;
when the job succeeds, its model is activated only if the schedule says so and the chosen metric
reaches its floor."""

from __future__ import annotations

import json
import logging
import zoneinfo
from datetime import timedelta
from decimal import Decimal
from typing import Any

from celery.schedules import crontab
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from auditlog.services import record
from mlops.models import Algorithm, MLModel, ModelType, RetrainingSchedule, TrainingJob
from mlops.services.errors import MLConflict
from mlops.services.progress import job_step
from mlops.services.registry import model_activate
from mlops.services.training import clean_params, training_job_start

logger = logging.getLogger(__name__)

RUN_TASK = "mlops.tasks.run_retraining_schedule"
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
# The metrics a floor may be set on: higher is better for each.
FLOOR_METRICS = {
    ModelType.VERDICT_CLASSIFIER: ("accuracy", "macro_f1", "weighted_f1"),
    ModelType.PRICE_REGRESSOR: ("r2",),
}
EDITABLE = (
    "name",
    "model_type",
    "algorithm",
    "data_source",
    "symbols",
    "window_days",
    "params",
    "cron",
    "timezone",
    "auto_activate",
    "metric",
    "metric_floor",
    "enabled",
)


def row_name(schedule: RetrainingSchedule) -> str:
    return f"ml:{schedule.pk}"


def schedule_check(schedule: RetrainingSchedule) -> None:
    """Field errors of a schedule (ValidationError); normalizes symbols, source and params."""
    errors: dict[str, list[str]] = {}
    if schedule.model_type not in ModelType.values:
        errors["model_type"] = [f"Choose one of {', '.join(ModelType.values)}."]
    if schedule.algorithm not in Algorithm.values:
        errors["algorithm"] = [f"Choose one of {', '.join(Algorithm.values)}."]
    parts = str(schedule.cron or "").split()
    if len(parts) != len(CRON_FIELDS):
        errors["cron"] = ["Five fields: minute hour day-of-month month day-of-week."]
    else:
        try:
            crontab(**dict(zip(CRON_FIELDS, parts, strict=True)))
        except (ValueError, TypeError) as exc:
            errors["cron"] = [f"Not a valid cron expression: {exc}"[:200]]
    try:
        zoneinfo.ZoneInfo(str(schedule.timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = ["Not a time zone name (e.g. Asia/Kolkata)."]
    allowed = FLOOR_METRICS.get(schedule.model_type, ())
    if schedule.metric not in allowed and "model_type" not in errors:
        errors["metric"] = [f"Choose one of {', '.join(allowed)}."]
    if not schedule.symbols or not isinstance(schedule.symbols, list):
        errors["symbols"] = ["Name at least one symbol."]
    else:
        schedule.symbols = [str(s).strip().upper() for s in schedule.symbols if str(s).strip()]
    schedule.data_source = str(schedule.data_source or "").strip().lower()
    if not schedule.data_source:
        errors["data_source"] = ["Name the candle source (yfinance, csv, ...)."]
    if not 60 <= (schedule.window_days or 0) <= 20 * 365:
        errors["window_days"] = ["From 60 days to 20 years."]
    try:
        schedule.params = clean_params(schedule.params)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _crontab(cron: str, tz: str) -> CrontabSchedule:
    spec: dict[str, Any] = dict(zip(CRON_FIELDS, cron.split(), strict=True))
    spec["timezone"] = zoneinfo.ZoneInfo(tz)
    return CrontabSchedule.objects.filter(**spec).first() or CrontabSchedule.objects.create(**spec)


def schedule_sync(schedule: RetrainingSchedule) -> PeriodicTask:
    """Make the schedule's beat row match it (save(), so beat notices the change)."""
    fields = {
        "task": RUN_TASK,
        "kwargs": json.dumps({"schedule_id": schedule.pk}),
        "crontab": _crontab(schedule.cron, schedule.timezone),
        "interval": None,
        "enabled": schedule.enabled,
        # A run that waited this long is dropped: the next one retrains on fresher data.
        "expire_seconds": 6 * 3600,
        "description": f"ML retraining: {schedule.name}",
    }
    row = PeriodicTask.objects.filter(name=row_name(schedule)).first() or PeriodicTask(
        name=row_name(schedule)
    )
    for key, value in fields.items():
        setattr(row, key, value)
    row.save()
    return row


def schedule_save(
    *,
    actor: Any,
    values: dict[str, Any],
    schedule: RetrainingSchedule | None = None,
    request: HttpRequest | None = None,
) -> RetrainingSchedule:
    """Create (schedule None) or change a schedule and its beat row; audited."""
    creating = schedule is None
    schedule = schedule or RetrainingSchedule(
        created_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    before = {name: getattr(schedule, name) for name in EDITABLE} if not creating else {}
    for name, value in values.items():
        if name in EDITABLE:
            setattr(schedule, name, value)
    schedule_check(schedule)
    if RetrainingSchedule.objects.filter(name=schedule.name).exclude(pk=schedule.pk).exists():
        raise ValidationError({"name": ["A schedule with this name exists."]})
    with transaction.atomic():
        schedule.save()
        schedule_sync(schedule)
        after = {name: getattr(schedule, name) for name in EDITABLE}
        record(
            action="ml.schedule.create" if creating else "ml.schedule.update",
            actor=actor,
            resource=schedule,
            changes={k: [before.get(k), v] for k, v in after.items() if creating or before.get(k) != v},
            request=request,
        )
    return schedule


def schedule_delete(*, actor: Any, schedule: RetrainingSchedule, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        PeriodicTask.objects.filter(name=row_name(schedule)).delete()
        record(
            action="ml.schedule.delete",
            actor=actor,
            resource=schedule,
            changes={"name": schedule.name},
            request=request,
        )
        schedule.delete()


def schedule_run(*, schedule_id: int) -> TrainingJob | None:
    """What the beat row sends: a job on the schedule's last `window_days` (None when the schedule
    is gone or disabled)."""
    schedule = RetrainingSchedule.objects.filter(pk=schedule_id).select_related("created_by").first()
    if schedule is None or not schedule.enabled:
        logger.info("retraining schedule %s is gone or disabled: nothing to do", schedule_id)
        return None
    end = timezone.now().date()
    return training_job_start(
        actor=schedule.created_by,
        model_type=schedule.model_type,
        algorithm=schedule.algorithm,
        data_source=schedule.data_source,
        symbols=schedule.symbols,
        window_start=end - timedelta(days=schedule.window_days),
        window_end=end,
        params=schedule.params,
        schedule=schedule,
    )


def schedule_job_succeeded(*, job: TrainingJob, model: MLModel) -> None:
    """After a scheduled job's success: activate its model when the schedule asks for it and the
    metric reaches the floor (no floor: always). Otherwise the model waits for an admin."""
    schedule = job.schedule
    if schedule is None or not schedule.auto_activate:
        return
    value = (model.metrics or {}).get(schedule.metric)
    floor = schedule.metric_floor
    if not isinstance(value, int | float) or (floor is not None and Decimal(str(value)) < floor):
        job_step(job, message=f"Not activated: {schedule.metric} {value} is under the floor {floor}")
        return
    try:
        model_activate(model=model, actor=None)
    except MLConflict as exc:
        job_step(job, message=f"Not activated: {exc.message}", level="error")
        return
    job_step(job, message=f"Activated v{model.version} ({schedule.metric} {value} >= floor {floor})")
