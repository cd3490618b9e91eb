"""One training job, run by an `ml` worker: candles -> samples -> time split -> fit -> metrics ->
registered model, with progress and log lines along the way and a cancel check between steps."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from brokers.adapters.base import Candle
from brokers.marketdata.selectors import candles_for
from mlops import dataset
from mlops.backtest import Judged, walk_forward_folds, with_and_without
from mlops.models import JobStatus, ModelType, TrainingJob
from mlops.services import estimators
from mlops.services.notices import job_ended_notify
from mlops.services.priority import training_priority_lower
from mlops.services.progress import job_step
from mlops.services.registry import LoadedModel, model_register
from mlops.services.schedules import schedule_job_succeeded
from mlops.services.training import DAILY, DEFAULT_TEST_FRACTION
from trading.equities.strategy.params import StrategyParams

logger = logging.getLogger(__name__)

MIN_TRAIN_SAMPLES = 20
SWEEP_MARGIN_SECONDS = 300  # past the hard limit, before the sweeper calls a running job lost
# Share of the progress bar each stage ends at.
LOADED, SPLIT, FITTED, BACKTESTED, MEASURED = 40, 45, 65, 92, 95
BACKTEST_FOLDS = 4
BACKTEST_MIN_CONFIDENCE = 0.6  # the trading config's default ml_min_confidence


class JobCancelled(Exception):
    pass


class JobRefused(Exception):
    """The job cannot train on what it was given (too few samples, one class): a message for the admin."""


def _claim(job_id: Any) -> TrainingJob | None:
    """The job, moved pending -> running by this worker; None when another worker has it or it is
    done. A job left `running` by a worker that died is claimed again once past the hard limit."""
    stale = timezone.now() - timedelta(seconds=settings.ML_TRAINING_TIME_LIMIT)
    claimed = (
        TrainingJob.objects.filter(pk=job_id, cancel_requested=False)
        .filter(Q(status=JobStatus.PENDING) | Q(status=JobStatus.RUNNING, started_at__lt=stale))
        .update(status=JobStatus.RUNNING, started_at=timezone.now(), progress=0)
    )
    return TrainingJob.objects.filter(pk=job_id).first() if claimed else None


def _check_cancel(job: TrainingJob) -> None:
    if TrainingJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
        raise JobCancelled


def _bars(job: TrainingJob, symbol: str) -> list[Candle]:
    start = datetime.combine(job.window_start, time.min, tzinfo=UTC) if job.window_start else None
    end = datetime.combine(job.window_end, time.max, tzinfo=UTC) if job.window_end else None
    rows = candles_for(source=job.data_source, symbol=symbol, interval=DAILY, start=start, end=end)
    return [
        Candle(opened_at=r.opened_at, open=r.open, high=r.high, low=r.low, close=r.close, volume=r.volume)
        for r in rows.iterator(chunk_size=2000)
    ]


def _samples(job: TrainingJob, params: StrategyParams) -> list[dataset.Sample]:
    out: list[dataset.Sample] = []
    symbols = list(job.symbols or [])
    for number, symbol in enumerate(symbols, start=1):
        _check_cancel(job)
        bars = _bars(job, symbol)
        found = dataset.samples(symbol, bars, params) if bars else []
        out += found
        job_step(
            job,
            progress=5 + (LOADED - 5) * number // len(symbols),
            message=f"{symbol}: {len(bars)} daily candles, {len(found)} samples",
        )
    return out


def _first_day(samples: list[dataset.Sample]) -> date | None:
    return min((s.day for s in samples), default=None)


def _train(job: TrainingJob) -> None:
    params = StrategyParams.from_mapping((job.params or {}).get("strategy") or {})
    test_fraction = float((job.params or {}).get("test_fraction", DEFAULT_TEST_FRACTION))
    job_step(
        job, progress=5, message=f"Loading daily candles of {len(job.symbols)} symbols from {job.data_source}"
    )
    samples = _samples(job, params)
    train, test = dataset.time_split(samples, test_fraction=test_fraction)
    balance = {"train": dataset.class_balance(train), "test": dataset.class_balance(test)}
    if len(train) < MIN_TRAIN_SAMPLES or not test:
        raise JobRefused(
            f"Too few samples to train and test: {len(train)} to train, {len(test)} to test "
            f"(at least {MIN_TRAIN_SAMPLES} to train, and a test set). Add symbols or widen the window."
        )
    if job.model_type == ModelType.VERDICT_CLASSIFIER and len({s.label for s in train}) < 2:
        raise JobRefused("The training samples all have one label: a classifier needs at least two.")
    job_step(
        job,
        progress=SPLIT,
        message=f"Split by day: {len(train)} to train (to {max(s.day for s in train)}), "
        f"{len(test)} to test (from {_first_day(test)})",
    )
    _check_cancel(job)
    job_step(job, message=f"Training {job.get_algorithm_display()} ({job.get_model_type_display()})")
    fitted = _fit(job, train)
    job_step(job, progress=FITTED, message="Trained; walk-forward backtest with and without the filter")
    _check_cancel(job)
    backtest = _backtest(job, samples, params)
    job_step(job, progress=BACKTESTED, message=_backtest_headline(backtest))
    rows = [s.features for s in test]
    if job.model_type == ModelType.VERDICT_CLASSIFIER:
        metrics = estimators.classifier_metrics(fitted, rows, [s.label for s in test], dataset.LABELS)
    else:
        metrics = estimators.regressor_metrics(fitted, rows, [s.forward_return_pct for s in test])
    metrics |= {
        "class_balance": balance,
        "samples": {"train": len(train), "test": len(test)},
        "test_from": _first_day(test),
        "backtest": backtest,
    }
    metrics = _json_safe(metrics)
    job_step(job, progress=MEASURED, message=_headline(job.model_type, metrics), metrics=metrics)
    _check_cancel(job)
    model = model_register(
        job=job,
        estimator=fitted.estimator,
        features=dataset.FEATURE_NAMES,
        metrics=metrics,
        classes=fitted.classes,
        schema_version=dataset.SCHEMA_VERSION,
    )
    job_step(
        job,
        progress=100,
        message=f"Registered {model.model_type} v{model.version} (SHA-256 {model.artifact_sha256[:12]}...)",
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    schedule_job_succeeded(job=job, model=model)
    job_ended_notify(
        job,
        summary=f"Registered {model.model_type} v{model.version}, trained on {len(job.symbols)} symbols "
        f"from {job.data_source}. {_headline(job.model_type, metrics)}. {_backtest_headline(backtest)}.",
    )


def _fit(job: TrainingJob, train: list[dataset.Sample]) -> estimators.Fitted:
    return estimators.fit(
        model_type=job.model_type,
        algorithm=job.algorithm,
        rows=[s.features for s in train],
        labels=[s.label for s in train],
        targets=[s.forward_return_pct for s in train],
        hyperparams=job.params or {},
    )


def _judge(job: TrainingJob, fitted: estimators.Fitted, samples: list[dataset.Sample]) -> list[Judged]:
    """The samples with the fitted model's (label, confidence), predicted as the strategy will."""
    model = LoadedModel(
        model_id=None,
        version=0,
        model_type=job.model_type,
        features=list(dataset.FEATURE_NAMES),
        classes=fitted.classes,
        estimator=fitted.estimator,
    )
    verdicts = model.predict_verdicts([s.features for s in samples])
    return [Judged(s, label, confidence) for s, (label, confidence) in zip(samples, verdicts, strict=True)]


def _backtest(job: TrainingJob, samples: list[dataset.Sample], params: StrategyParams) -> dict[str, Any]:
    """Walk forward: each later block of days judged by a model trained on the blocks before it;
    the strategy's trades replayed with and without the filter (mlops/backtest.py)."""
    folds = int((job.params or {}).get("backtest_folds", BACKTEST_FOLDS))
    min_confidence = float((job.params or {}).get("min_confidence", BACKTEST_MIN_CONFIDENCE))
    splits = walk_forward_folds(samples, folds)
    judged: list[Judged] = []
    used = 0
    for number, (train, test) in enumerate(splits, start=1):
        _check_cancel(job)
        learnable = len(train) >= MIN_TRAIN_SAMPLES and (
            job.model_type != ModelType.VERDICT_CLASSIFIER or len({s.label for s in train}) >= 2
        )
        if learnable:
            judged += _judge(job, _fit(job, train), test)
            used += 1
        job_step(
            job,
            progress=FITTED + (BACKTESTED - FITTED) * number // max(1, len(splits)),
            message=f"Backtest block {number}/{len(splits)}: {len(test)} trades from {_first_day(test)}"
            + ("" if learnable else f" skipped ({len(train)} earlier samples are too few to learn from)"),
        )
    return with_and_without(judged, slots=params.max_portfolio_size, min_confidence=min_confidence) | {
        "folds": folds,
        "folds_used": used,
    }


def _backtest_headline(backtest: dict[str, Any]) -> str:
    runs = backtest["runs"]
    if backtest["from"] is None:
        return "Backtest: no block of days had enough earlier samples to learn from"

    def figure(name: str) -> str:
        run = runs[name]
        drawdown = run["max_drawdown_pct"]
        return f"{run['trades']} trades, {run['return_pct']:+.1f} %, max drawdown {drawdown:.1f} %"

    return (
        f"Backtest {backtest['from']} to {backtest['to']}: rules alone {figure('rules')}; "
        f"with the filter {figure('filter')}; requiring both {figure('require_both')}"
    )


def _headline(model_type: str, metrics: dict[str, Any]) -> str:
    if model_type == ModelType.VERDICT_CLASSIFIER:
        return f"Test accuracy {metrics.get('accuracy')}, macro F1 {metrics.get('macro_f1')}"
    return f"Test MAE {metrics.get('mae')} %, RMSE {metrics.get('rmse')} %, R² {metrics.get('r2')}"


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def training_job_run(*, job_id: Any, lower_priority: bool = True) -> None:
    """Run the job `job_id` to its end: succeeded, failed (with the reason), or cancelled; in a
    worker process first lowered to the training priority (mlops/services/priority.py)."""
    job = _claim(job_id)
    if job is None:
        logger.info("ML job %s is not pending (taken, cancelled or done): nothing to do", job_id)
        return
    lowered = training_priority_lower() if lower_priority else ""
    job_step(
        job, progress=1, message=f"Started on {socket.gethostname()}" + (f"; {lowered}" if lowered else "")
    )
    try:
        _train(job)
    except JobCancelled:
        job_step(job, message="Cancelled", status=JobStatus.CANCELLED, finished_at=timezone.now())
    except JobRefused as exc:
        job_step(
            job,
            message=str(exc),
            level="error",
            status=JobStatus.FAILED,
            error=str(exc),
            finished_at=timezone.now(),
        )
    except SoftTimeLimitExceeded:
        reason = f"Stopped: longer than the time limit ({settings.ML_TRAINING_SOFT_TIME_LIMIT} s)"
        job_step(
            job,
            message=reason,
            level="error",
            status=JobStatus.FAILED,
            error=reason,
            finished_at=timezone.now(),
        )
    except Exception as exc:
        logger.exception("ML job %s failed", job.pk)
        reason = f"Training failed: {type(exc).__name__}: {str(exc)[:300]}"
        job_step(
            job,
            message=reason,
            level="error",
            status=JobStatus.FAILED,
            error=reason,
            finished_at=timezone.now(),
        )
    if job.status == JobStatus.FAILED:  # succeeded told in _train, with its figures
        job_ended_notify(job)


def training_jobs_sweep() -> int:
    """Fail the jobs left `running` past the hard time limit: their worker process was lost
    (killed, out of memory, the hard limit itself) and nothing else would ever finish them."""
    stale = timezone.now() - timedelta(seconds=settings.ML_TRAINING_TIME_LIMIT + SWEEP_MARGIN_SECONDS)
    reason = "The worker running this job was lost (stopped, out of memory, or past the hard time limit)"
    swept = 0
    for job in TrainingJob.objects.filter(status=JobStatus.RUNNING, started_at__lt=stale):
        if TrainingJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, error=reason, finished_at=timezone.now()
        ):
            job.refresh_from_db()
            job_step(job, message=reason, level="error")
            job_ended_notify(job)
            swept += 1
    return swept
