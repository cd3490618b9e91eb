"""The ML admin API: admins only, field errors for bad input, retraining schedules with their beat
rows, and the `ml` queue that keeps training away from the order workers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django_celery_beat.models import PeriodicTask

from auditlog.models import AuditLog
from config.celery import app as celery_app
from mlops.models import JobStatus, MLModel, RetrainingSchedule, TrainingJob
from mlops.services.schedules import schedule_job_succeeded, schedule_run
from tests.mlops.test_registry import registered

pytestmark = pytest.mark.django_db
V1 = "/api/v1/ml"
ROOT = Path(__file__).resolve().parents[2]
JOB = {"model_type": "verdict_classifier", "data_source": "csv", "symbols": ["AAPL", "MSFT"]}
SCHEDULE = {
    "name": "weekly",
    "model_type": "verdict_classifier",
    "data_source": "csv",
    "symbols": ["AAPL", "MSFT"],
    "cron": "0 18 * * 5",
    "timezone": "Asia/Kolkata",
    "auto_activate": True,
    "metric": "accuracy",
    "metric_floor": 0.4,
}


@pytest.mark.parametrize("role", ["trader", "manager"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/jobs"),
        ("post", "/jobs"),
        ("get", "/models"),
        ("post", "/models/rollback"),
        ("get", "/schedules"),
        ("post", "/schedules"),
        ("post", "/sample-data"),
    ],
)
def test_only_admins_reach_the_ml_api(role, method, path, request, client_for) -> None:
    user = request.getfixturevalue(role)
    response = getattr(client_for(user), method)(f"{V1}{path}", {}, format="json")
    assert response.status_code == 403


def test_a_job_on_symbols_without_candles_is_refused_with_field_errors(admin_user, client_for, daily_history):
    response = client_for(admin_user).post(f"{V1}/jobs", {**JOB, "symbols": ["AAPL", "NOPE"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["symbols"] == ["No daily candles from csv for: NOPE."]
    assert not TrainingJob.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"params": {"n_estimators": 0}}, "params.n_estimators"),
        ({"params": {"max_depth": "deep"}}, "params.max_depth"),
        ({"params": {"learning_rate": 0.1}}, "params.learning_rate"),
        ({"params": {"strategy": {"rsi_period": -3}}}, "params.strategy.rsi_period"),
        ({"params": {"test_fraction": 0.9}}, "params.test_fraction"),
        ({"params": []}, "params"),
        ({"window_start": "2013-01-01", "window_end": "2012-01-01"}, "window_start"),
        ({"window_end": "2999-01-01"}, "window_end"),
        ({"model_type": "crystal_ball"}, "model_type"),
        ({"symbols": []}, "symbols"),
    ],
)
def test_bad_job_input_gets_field_errors(change, field, admin_user, client_for, daily_history) -> None:
    response = client_for(admin_user).post(f"{V1}/jobs", {**JOB, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_a_started_job_is_audited_and_listed(admin_user, client_for, daily_history) -> None:
    client = client_for(admin_user)
    job = client.post(f"{V1}/jobs", JOB, format="json").json()
    assert (job["status"], job["created_by"]) == ("pending", admin_user.email)
    assert AuditLog.objects.filter(action="ml.job.start", resource_id=job["id"]).exists()
    listed = client.get(f"{V1}/jobs", {"status": "pending"}).json()["results"]
    assert [row["id"] for row in listed] == [job["id"]]
    assert client.get(f"{V1}/jobs", {"status": "running"}).json()["results"] == []


def test_an_admin_loads_the_sample_history_to_train_on(admin_user, client_for) -> None:
    client = client_for(admin_user)
    loaded = client.post(f"{V1}/sample-data").json()
    assert loaded["source"] == "csv" and loaded["symbols"] == ["AAPL", "GOOG", "IBM", "MSFT"]
    assert loaded["candles"] == 11958  # AAPL, IBM, MSFT 2000-2013 and GOOG 2004-2013, each trading day
    series = client.get("/api/v1/market-data/series").json()["results"]
    assert {(s["source"], s["symbol"]) for s in series} == {("csv", symbol) for symbol in loaded["symbols"]}
    assert AuditLog.objects.filter(action="marketdata.upload", actor=admin_user).count() == 4


def test_traders_see_the_active_models_figures_and_the_versions_they_can_pin(
    trader, admin_user, client_for
) -> None:
    admin = admin_user
    backtest = {
        "runs": {
            name: {
                "trades": 9,
                "win_rate": 0.5,
                "return_pct": 3.0,
                "max_drawdown_pct": 1.0,
                "equity": [{"day": "2013-01-02", "equity": 100.0}],
            }
            for name in ("rules", "filter", "require_both")
        }
    }
    client = client_for(trader)
    assert client.get(f"{V1}/active").json() == {
        "verdict_classifier": None,
        "price_regressor": None,
        "versions": [],
    }
    first = registered(admin, accuracy=0.5)
    second = registered(admin, accuracy=0.6)
    second.metrics |= {"macro_f1": 0.4, "backtest": backtest}
    second.save()
    client_for(admin).post(f"{V1}/models/{second.pk}/activate")
    active = client.get(f"{V1}/active").json()
    figures = active["verdict_classifier"]
    assert (figures["version"], figures["accuracy"], figures["macro_f1"]) == (2, 0.6, 0.4)
    assert figures["backtest"]["filter"] == {
        "trades": 9,
        "win_rate": 0.5,
        "return_pct": 3.0,
        "max_drawdown_pct": 1.0,
    }
    assert active["price_regressor"] is None
    assert [(v["version"], v["is_active"]) for v in active["versions"]] == [(2, True), (1, False)]
    assert first.version == 1 and not active["versions"][1]["is_active"]
    assert client_for(trader).get(f"{V1}/models").status_code == 403  # the registry itself stays admin-only


def test_compare_and_rollback_over_the_api(admin_user, client_for) -> None:
    client = client_for(admin_user)
    a, b = registered(admin_user, accuracy=0.5), registered(admin_user, accuracy=0.6)
    compared = client.get(f"{V1}/models/compare", {"a": a.pk, "b": b.pk}).json()
    assert (compared["a"]["version"], compared["b"]["version"]) == (1, 2)
    assert compared["metrics"][0]["name"] == "accuracy"
    assert client.get(f"{V1}/models/compare", {"a": a.pk}).status_code == 400

    refused = client.post(f"{V1}/models/rollback", {"model_type": "verdict_classifier"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "no_previous_model"
    client.post(f"{V1}/models/{a.pk}/activate")
    client.post(f"{V1}/models/{b.pk}/activate")
    rolled = client.post(f"{V1}/models/rollback", {"model_type": "verdict_classifier"}, format="json")
    assert rolled.status_code == 200 and rolled.json()["version"] == 1


def test_a_schedule_becomes_a_beat_row_that_follows_it(admin_user, client_for) -> None:
    client = client_for(admin_user)
    created = client.post(f"{V1}/schedules", SCHEDULE, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    row = PeriodicTask.objects.get(name=f"ml:{pk}")
    assert (row.task, json.loads(row.kwargs), row.enabled) == (
        "mlops.tasks.run_retraining_schedule",
        {"schedule_id": pk},
        True,
    )
    assert (row.crontab.hour, row.crontab.day_of_week, str(row.crontab.timezone)) == (
        "18",
        "5",
        "Asia/Kolkata",
    )

    client.patch(f"{V1}/schedules/{pk}", {"enabled": False, "cron": "30 17 * * 1-5"}, format="json")
    row.refresh_from_db()
    assert (row.enabled, row.crontab.minute, row.crontab.day_of_week) == (False, "30", "1-5")

    assert client.delete(f"{V1}/schedules/{pk}").status_code == 204
    assert not PeriodicTask.objects.filter(name=f"ml:{pk}").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cron": "every friday"}, "cron"),
        ({"cron": "99 18 * * 5"}, "cron"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"metric": "mae"}, "metric"),
        ({"window_days": 5}, "window_days"),
    ],
)
def test_a_bad_schedule_gets_field_errors(change, field, admin_user, client_for) -> None:
    response = client_for(admin_user).post(f"{V1}/schedules", {**SCHEDULE, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not PeriodicTask.objects.filter(name__startswith="ml:").exists()


def test_a_scheduled_run_starts_a_job_and_activates_only_above_the_floor(admin_user, daily_history) -> None:
    schedule = RetrainingSchedule.objects.create(
        name="weekly", model_type="verdict_classifier", data_source="csv", symbols=["AAPL"], window_days=365,
        auto_activate=True, metric="accuracy", metric_floor="0.6", created_by=admin_user,
    )  # fmt: skip
    job = schedule_run(schedule_id=schedule.pk)
    assert (job.schedule, job.status, job.created_by) == (schedule, JobStatus.PENDING, admin_user)
    assert (job.window_end - job.window_start).days == 365

    low = registered(admin_user, accuracy=0.55)
    schedule_job_succeeded(job=job, model=low)
    assert not MLModel.objects.filter(is_active=True).exists()
    high = registered(admin_user, accuracy=0.65)
    schedule_job_succeeded(job=job, model=high)
    assert list(MLModel.objects.filter(is_active=True)) == [high]


def test_a_schedule_without_auto_activation_never_activates(admin_user, daily_history) -> None:
    schedule = RetrainingSchedule.objects.create(
        name="manual",
        model_type="verdict_classifier",
        data_source="csv",
        symbols=["AAPL"],
        created_by=admin_user,
    )
    job = schedule_run(schedule_id=schedule.pk)
    model = registered(admin_user, accuracy=0.99)
    schedule_job_succeeded(job=job, model=model)
    assert not MLModel.objects.filter(is_active=True).exists()


def _queue_of(task: str) -> str:
    route: dict[str, Any] = celery_app.amqp.router.route({}, task, args=(), kwargs={})
    return route["queue"].name


def test_training_goes_to_the_ml_queue_and_orders_stay_on_the_default_one() -> None:
    assert _queue_of("mlops.tasks.train_model") == "ml"
    assert _queue_of("mlops.tasks.run_retraining_schedule") == "ml"
    assert _queue_of("trading.tasks.place_order") == celery_app.conf.task_default_queue


def test_compose_runs_training_on_worker_ml_only() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    ml = services["worker-ml"]
    assert "-Q ml" in ml["command"] and "-c 1" in ml["command"]
    for name in ("worker", "worker-ticks"):  # order and tick workers name their queues, never `ml`
        queues = services[name]["command"].split("-Q ", 1)[1].split()[0].split(",")
        assert queues and "ml" not in queues, (name, queues)
    assert "ml-artifacts:/app/var/ml-artifacts" in ml["volumes"]
    assert "container_name" not in ml  # `--scale worker-ml=N`


def test_the_web_process_never_imports_the_ml_libraries() -> None:
    # Every URL, admin page and task module loaded, as a web process has them: scikit-learn,
    # XGBoost and joblib are imported only inside the functions that train or load a model.
    import subprocess
    import sys

    script = (
        "import sys, django; django.setup()\n"
        "import config.urls, mlops.admin, mlops.tasks\n"
        "from config.celery import app; app.loader.import_default_modules()\n"
        "print(sorted(m for m in ('sklearn', 'xgboost', 'joblib') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
