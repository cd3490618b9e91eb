"""Training on the worker path (eager Celery runs the real task): an admin starts a job on real
daily history, watches it reach 100 % live, activates the model, and the strategy's loader
predicts with it; a changed artifact is refused; a job can be cancelled."""

from __future__ import annotations

import hashlib
import logging
import os
from typing import Any

import pytest

from auditlog.models import AuditLog
from brokers.adapters.base import Candle
from brokers.marketdata.selectors import candles_for
from mlops import dataset
from mlops.models import JobStatus, MLModel, TrainingJob
from mlops.services import run as run_module
from mlops.services.registry import active_model, artifact_file
from mlops.services.training import training_job_cancel
from mlops.tasks import train_model
from trading.equities.strategy.params import StrategyParams

pytestmark = pytest.mark.django_db
JOBS = "/api/v1/ml/jobs"
SMALL = {"n_estimators": 10, "max_depth": 4}


def start(client: Any, **overrides: Any) -> Any:
    body = {
        "model_type": "verdict_classifier",
        "algorithm": "random_forest",
        "data_source": "csv",
        "symbols": ["AAPL", "MSFT"],
        "params": SMALL,
    } | overrides
    return client.post(JOBS, body, format="json")


def last_bars(symbol: str, count: int = 300) -> list[Candle]:
    rows = list(candles_for(source="csv", symbol=symbol, interval="1d"))[-count:]
    return [Candle(r.opened_at, r.open, r.high, r.low, r.close, r.volume) for r in rows]


@pytest.fixture
def trained(admin_user, client_for, daily_history, eager_celery, django_capture_on_commit_callbacks):
    """A verdict classifier trained by the admin through the API, run by the task."""
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client)
    assert response.status_code == 201, response.content
    return client, response.json()["id"]


def test_a_job_reaches_100_percent_with_progress_on_the_admins_socket(
    admin_user, client_for, daily_history, eager_celery, live_events, django_capture_on_commit_callbacks
) -> None:
    take = live_events(admin_user)
    client = client_for(admin_user)
    priority = os.getpriority(os.PRIO_PROCESS, 0)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = start(client).json()["id"]
    assert os.getpriority(os.PRIO_PROCESS, 0) == priority  # run in the caller: its priority is kept

    job = client.get(f"{JOBS}/{job_id}").json()
    assert (job["status"], job["progress"], job["error"]) == ("succeeded", 100, "")
    assert job["model_id"] is not None
    assert any("AAPL" in line["message"] and "samples" in line["message"] for line in job["log"])
    updates = [event["data"] for event in take() if event["type"] == "ml.job.updated"]
    assert [u["id"] for u in updates] == [job_id] * len(updates)
    progress = [u["progress"] for u in updates]
    assert len(set(progress)) >= 5 and progress == sorted(progress) and progress[-1] == 100
    assert updates[-1]["status"] == "succeeded"
    assert updates[-1]["log"]["message"].startswith("Registered verdict_classifier v1")


def test_the_metrics_say_how_the_model_did_on_later_days(trained) -> None:
    client, job_id = trained
    metrics = client.get(f"{JOBS}/{job_id}").json()["metrics"]
    assert 0 <= metrics["accuracy"] <= 1
    assert set(metrics["per_class"]) == set(dataset.LABELS)
    assert set(metrics["per_class"]["buy"]) == {"precision", "recall", "f1", "support"}
    matrix = metrics["confusion_matrix"]
    assert matrix["labels"] == list(dataset.LABELS)
    assert sum(map(sum, matrix["matrix"])) == metrics["samples"]["test"]
    assert sum(metrics["class_balance"]["train"].values()) == metrics["samples"]["train"]
    assert sum(metrics["class_balance"]["test"].values()) == metrics["samples"]["test"]
    assert metrics["samples"]["train"] > metrics["samples"]["test"] > 0


def test_the_walk_forward_backtest_shows_the_strategy_with_and_without_the_filter(trained) -> None:
    client, job_id = trained
    job = client.get(f"{JOBS}/{job_id}").json()
    backtest = job["metrics"]["backtest"]
    runs = backtest["runs"]
    assert set(runs) == {"rules", "filter", "require_both"}
    assert backtest["folds"] == 4 and 1 <= backtest["folds_used"] <= 4
    assert backtest["from"] < backtest["to"] and backtest["min_confidence"] == 0.6
    assert runs["rules"]["trades"] > 0
    assert runs["require_both"]["trades"] <= runs["rules"]["trades"]
    for run in runs.values():
        assert run["equity"][0]["equity"] == 100.0
        assert run["equity"][-1]["equity"] == pytest.approx(100 + run["return_pct"], abs=1e-3)
        assert 0 <= run["max_drawdown_pct"] <= 100
    assert any(
        line["message"].startswith("Backtest ") and "rules alone" in line["message"] for line in job["log"]
    )


def test_the_model_is_registered_with_its_files_checksum(trained) -> None:
    _, job_id = trained
    model = MLModel.objects.get(job_id=job_id)
    assert (model.model_type, model.version, model.is_active) == ("verdict_classifier", 1, False)
    assert model.features == list(dataset.FEATURE_NAMES)
    assert model.schema_version == dataset.SCHEMA_VERSION
    assert hashlib.sha256(artifact_file(model).read_bytes()).hexdigest() == model.artifact_sha256


def test_an_activated_model_gives_the_strategy_verdicts(trained) -> None:
    client, job_id = trained
    model = MLModel.objects.get(job_id=job_id)
    assert active_model("verdict_classifier") is None  # trained, not yet active

    response = client.post(f"/api/v1/ml/models/{model.pk}/activate")

    assert response.status_code == 200 and response.json()["is_active"] is True
    assert AuditLog.objects.filter(action="ml.model.activate", resource_id=str(model.pk)).exists()
    loaded = active_model("verdict_classifier")
    assert loaded is not None and (loaded.version, loaded.model_id) == (1, model.pk)
    rows = [dataset.features_at(last_bars(symbol), StrategyParams()) for symbol in ("AAPL", "MSFT")]
    verdicts = loaded.predict_verdicts(rows)
    assert len(verdicts) == 2
    assert all(label in dataset.LABELS and 0 < confidence <= 1 for label, confidence in verdicts)


def test_a_changed_artifact_is_refused_and_logged(trained, caplog) -> None:
    client, job_id = trained
    model = MLModel.objects.get(job_id=job_id)
    client.post(f"/api/v1/ml/models/{model.pk}/activate")
    assert active_model("verdict_classifier") is not None  # loaded and cached

    path = artifact_file(model)
    path.write_bytes(path.read_bytes() + b"\x00")
    with caplog.at_level(logging.WARNING, logger="mlops.services.registry"):
        assert active_model("verdict_classifier") is None
    assert "does not match its registered SHA-256" in caplog.text

    path.unlink()
    assert active_model("verdict_classifier") is None
    assert "missing" in caplog.text


def test_a_changed_artifact_cannot_be_activated(trained) -> None:
    client, job_id = trained
    model = MLModel.objects.get(job_id=job_id)
    path = artifact_file(model)
    path.write_bytes(b"not what the registry wrote")

    response = client.post(f"/api/v1/ml/models/{model.pk}/activate")

    assert response.status_code == 409 and response.json()["code"] == "artifact_invalid"
    assert not MLModel.objects.filter(is_active=True).exists()


@pytest.mark.parametrize(
    ("model_type", "algorithm"),
    [("verdict_classifier", "xgboost"), ("price_regressor", "random_forest"), ("price_regressor", "xgboost")],
)
def test_xgboost_and_the_price_regressor_train_too(
    model_type,
    algorithm,
    admin_user,
    client_for,
    daily_history,
    eager_celery,
    django_capture_on_commit_callbacks,
) -> None:
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = start(client, model_type=model_type, algorithm=algorithm).json()["id"]
    job = TrainingJob.objects.get(pk=job_id)
    assert job.status == JobStatus.SUCCEEDED, job.error
    model = MLModel.objects.get(job=job)
    client.post(f"/api/v1/ml/models/{model.pk}/activate")
    loaded = active_model(model_type)
    row = dataset.features_at(last_bars("AAPL"), StrategyParams())
    [(label, confidence)] = loaded.predict_verdicts([row])
    assert label in dataset.LABELS and 0 < confidence <= 1
    if model_type == "price_regressor":
        assert {"mae", "rmse", "r2"} <= set(job.metrics) and job.metrics["mae"] >= 0
        assert isinstance(loaded.predict_returns([row])[0], float)


def test_a_window_too_short_to_learn_from_fails_with_a_reason(
    admin_user, client_for, daily_history, eager_celery, django_capture_on_commit_callbacks
) -> None:
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = start(client, window_start="2013-01-01", window_end="2013-03-01").json()["id"]
    job = TrainingJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Too few samples")
    assert not MLModel.objects.exists()


def test_a_queued_job_is_cancelled_at_once_and_never_trains(
    admin_user, client_for, daily_history, eager_celery
):
    client = client_for(admin_user)
    job_id = start(client).json()["id"]  # committed never (the test's transaction): not sent yet

    response = client.post(f"{JOBS}/{job_id}/cancel")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    train_model.delay(job_id=job_id)  # the message arrives after all
    assert TrainingJob.objects.get(pk=job_id).status == JobStatus.CANCELLED
    assert not MLModel.objects.exists()
    assert client.post(f"{JOBS}/{job_id}/cancel").json()["code"] == "job_finished"


def test_a_running_job_stops_at_its_next_step_when_cancelled(
    admin_user, client_for, daily_history, eager_celery, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    real_samples = dataset.samples

    def samples_then_cancel(*args: Any, **kwargs: Any) -> list[dataset.Sample]:
        # The admin presses Cancel while the first symbol is being read.
        job = TrainingJob.objects.get()
        assert job.status == JobStatus.RUNNING
        training_job_cancel(job=job, actor=admin_user)
        return real_samples(*args, **kwargs)

    monkeypatch.setattr(run_module.dataset, "samples", samples_then_cancel)
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = start(client).json()["id"]

    job = TrainingJob.objects.get(pk=job_id)
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None
    assert job.progress < 100
    assert [line["message"] for line in job.log][-1] == "Cancelled"
    assert not MLModel.objects.exists()


def test_a_job_whose_worker_was_lost_is_failed_by_the_sweeper(admin_user, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mlops.tasks import sweep_training_jobs

    lost_at = timezone.now() - timedelta(seconds=settings.ML_TRAINING_TIME_LIMIT + 600)
    lost = TrainingJob.objects.create(
        created_by=admin_user, model_type="verdict_classifier", data_source="csv", status=JobStatus.RUNNING,
        started_at=lost_at,
    )  # fmt: skip
    busy = TrainingJob.objects.create(
        created_by=admin_user, model_type="verdict_classifier", data_source="csv", status=JobStatus.RUNNING,
        started_at=timezone.now(),
    )  # fmt: skip

    sweep_training_jobs()

    lost.refresh_from_db()
    busy.refresh_from_db()
    assert lost.status == JobStatus.FAILED and lost.error.startswith("The worker running this job was lost")
    assert busy.status == JobStatus.RUNNING
