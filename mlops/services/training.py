"""Starting and cancelling training jobs. The training itself runs on the `ml` workers (run.py)."""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from brokers.marketdata.models import MarketCandle
from config.tasks import task_named
from mlops.models import DONE_JOB_STATUSES, Algorithm, JobStatus, ModelType, RetrainingSchedule, TrainingJob
from mlops.services.errors import MLConflict
from mlops.services.progress import job_publish, log_line
from trading.equities.strategy.params import InvalidStrategyParams, StrategyParams

logger = logging.getLogger(__name__)

TRAIN_TASK = "mlops.tasks.train_model"
MAX_SYMBOLS = 200
DAILY = "1d"
# What a job's params may hold, with their bounds; `strategy` is the strategy's own params
# (StrategyParams.from_mapping), whose candidates and exits make the samples.
HYPERPARAM_BOUNDS: dict[str, tuple[int, int]] = {
    "n_estimators": (1, 1000),
    "max_depth": (1, 50),
    "backtest_folds": (1, 10),  # the walk-forward backtest's test blocks
}
TEST_FRACTION_BOUNDS = (0.05, 0.5)
DEFAULT_TEST_FRACTION = 0.2


def clean_params(params: Any) -> dict[str, Any]:
    """The job's params, checked (raises ValidationError with `params.<name>` field errors)."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ValidationError({"params": ["Must be an object."]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in params.items():
        if name in HYPERPARAM_BOUNDS:
            low, high = HYPERPARAM_BOUNDS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[f"params.{name}"] = [f"Must be a whole number from {low} to {high}."]
            else:
                clean[name] = value
        elif name == "min_confidence":  # the backtest's filter threshold
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                errors["params.min_confidence"] = ["Must be a number from 0 to 1."]
            else:
                clean[name] = float(value)
        elif name == "test_fraction":
            low_f, high_f = TEST_FRACTION_BOUNDS
            if isinstance(value, bool) or not isinstance(value, int | float) or not low_f <= value <= high_f:
                errors["params.test_fraction"] = [f"Must be a number from {low_f} to {high_f}."]
            else:
                clean[name] = float(value)
        elif name == "strategy":
            if not isinstance(value, dict):
                errors["params.strategy"] = ["Must be an object of the strategy's settings."]
                continue
            try:
                clean[name] = StrategyParams.from_mapping(value).to_mapping()
            except InvalidStrategyParams as exc:
                errors.update({f"params.strategy.{key}": [message] for key, message in exc.errors.items()})
        else:
            errors[f"params.{str(name)[:40]}"] = [
                "Unknown parameter: use n_estimators, max_depth, test_fraction, backtest_folds, "
                "min_confidence or strategy."
            ]
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_symbols(symbols: Any) -> list[str]:
    if not isinstance(symbols, list | tuple) or not symbols:
        raise ValidationError({"symbols": ["Name at least one symbol."]})
    if len(symbols) > MAX_SYMBOLS:
        raise ValidationError({"symbols": [f"At most {MAX_SYMBOLS} symbols."]})
    clean: list[str] = []
    for symbol in symbols:
        text = symbol.strip().upper() if isinstance(symbol, str) else ""
        if not text or len(text) > 40:
            raise ValidationError({"symbols": ["Each symbol is a name of 1 to 40 characters."]})
        if text not in clean:
            clean.append(text)
    return clean


def training_job_validate(
    *,
    model_type: str,
    algorithm: str,
    data_source: str,
    symbols: Any,
    window_start: date | None,
    window_end: date | None,
    params: Any,
) -> dict[str, Any]:
    """The job's fields, checked against each other and the stored candles (ValidationError)."""
    errors: dict[str, list[str]] = {}
    if model_type not in ModelType.values:
        errors["model_type"] = [f"Choose one of {', '.join(ModelType.values)}."]
    if algorithm not in Algorithm.values:
        errors["algorithm"] = [f"Choose one of {', '.join(Algorithm.values)}."]
    source = (data_source or "").strip().lower() if isinstance(data_source, str) else ""
    if not source or len(source) > 32:
        errors["data_source"] = ["Name the candle source (yfinance, csv, ...)."]
    if window_start and window_end and window_start >= window_end:
        errors["window_start"] = ["Must be before the window's end."]
    if window_end and window_end > timezone.now().date():
        errors["window_end"] = ["Cannot be in the future."]
    clean_symbols: list[str] = []
    try:
        clean_symbols = _clean_symbols(symbols)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        clean = clean_params(params)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        clean = {}
    if not errors:
        stored = set(
            MarketCandle.objects.filter(source=source, interval=DAILY, symbol__in=clean_symbols)
            .values_list("symbol", flat=True)
            .distinct()
        )
        missing = [symbol for symbol in clean_symbols if symbol not in stored]
        if missing:
            errors["symbols"] = [f"No daily candles from {source} for: {', '.join(missing[:20])}."]
    if errors:
        raise ValidationError(errors)
    return {
        "model_type": model_type,
        "algorithm": algorithm,
        "data_source": source,
        "symbols": clean_symbols,
        "window_start": window_start,
        "window_end": window_end,
        "params": clean,
    }


def training_job_start(
    *,
    actor: Any,
    model_type: str,
    algorithm: str = Algorithm.RANDOM_FOREST,
    data_source: str,
    symbols: Any,
    window_start: date | None = None,
    window_end: date | None = None,
    params: Any = None,
    request: HttpRequest | None = None,
    schedule: RetrainingSchedule | None = None,
) -> TrainingJob:
    """Create a pending job and send it to the `ml` queue once the job is committed."""
    fields = training_job_validate(
        model_type=model_type,
        algorithm=algorithm,
        data_source=data_source,
        symbols=symbols,
        window_start=window_start,
        window_end=window_end,
        params=params,
    )
    creator = actor if getattr(actor, "is_authenticated", False) else None
    task_id = str(uuid.uuid4())
    with transaction.atomic():
        job = TrainingJob(created_by=creator, schedule=schedule, task_id=task_id, **fields)
        log_line(job, "Queued for an ML worker" + (f" (schedule {schedule.name})" if schedule else ""))
        job.save()
        record(
            action="ml.job.start",
            actor=actor,
            resource=job,
            changes={
                "model_type": job.model_type,
                "algorithm": job.algorithm,
                "data_source": job.data_source,
                "symbols": job.symbols,
                "window": [job.window_start, job.window_end],
                "params": job.params,
                "schedule": schedule.name if schedule else None,
            },
            request=request,
        )
        job_id = str(job.pk)
        transaction.on_commit(
            lambda: task_named(TRAIN_TASK).apply_async(kwargs={"job_id": job_id}, task_id=task_id)
        )
    return job


def training_job_cancel(*, job: TrainingJob, actor: Any, request: HttpRequest | None = None) -> TrainingJob:
    """Cancel a job: a pending one at once (its message is revoked), a running one at its next step
    (the worker checks between steps and ends it `cancelled`). 409 job_finished when it is done."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job.pk)
        if job.status in DONE_JOB_STATUSES:
            raise MLConflict(f"The job has already {job.status}.", code="job_finished")
        job.cancel_requested = True
        if job.status == JobStatus.PENDING:
            job.status = JobStatus.CANCELLED
            job.finished_at = timezone.now()
            log_line(job, "Cancelled before it started")
        else:
            log_line(job, "Cancel requested: the worker stops at its next step")
        job.save(update_fields=["cancel_requested", "status", "finished_at", "log"])
        record(
            action="ml.job.cancel", actor=actor, resource=job, changes={"status": job.status}, request=request
        )
        job_publish(job)
        if job.task_id and job.status == JobStatus.CANCELLED:
            task_id = job.task_id
            transaction.on_commit(lambda: _revoke(task_id))
    return job


def _revoke(task_id: str) -> None:
    # Only a shortcut: a revoked message is dropped by the worker that receives it, and one that
    # still arrives finds its job cancelled and does nothing.
    try:
        from config.celery import app

        app.control.revoke(task_id)
    except Exception:
        logger.warning("could not revoke ML task %s", task_id, exc_info=True)
