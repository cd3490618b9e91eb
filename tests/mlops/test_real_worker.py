"""Training on a real worker process (issue 18, done-when): the job travels through Redis to a
`celery worker` on the `ml` queue (the task's own route), trains a small classifier on
bokeh-sampledata's daily stocks, reports its progress to the admin's socket through the Redis
channel layer, and registers the model with the checksum of the file the worker wrote."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from config.celery import app as celery_app
from mlops.models import JobStatus, MLModel, TrainingJob
from mlops.services.registry import artifact_file, model_activate, model_for_use
from mlops.services.sample_data import sample_history_load
from mlops.services.training import training_job_start
from tests.worker_process import Worker, celery_worker, database_url

pytestmark = pytest.mark.django_db(transaction=True)  # the worker must see the committed rows


@pytest.fixture
def ml_worker(django_db_setup: None, tmp_path: Path, settings: Any) -> Iterator[Worker]:
    """`celery -A config worker -Q ml`, writing artifacts where this test reads them. The queue is
    emptied first: earlier tests' jobs may have been sent there (their rows are gone)."""
    if database_url() is None or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and REDIS_URL: a worker process shares the database through the broker")
    settings.ML_ARTIFACTS_DIR = str(tmp_path / "artifacts")
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(settings.ML_QUEUE)
    with celery_worker(
        queue=settings.ML_QUEUE,
        hostname=f"ml-{uuid.uuid4().hex[:12]}@tests",
        log=tmp_path / "worker.log",
        env={"ML_ARTIFACTS_DIR": settings.ML_ARTIFACTS_DIR},
    ) as worker:
        yield worker


def _finished(job: TrainingJob, worker: Worker, timeout: float = 300) -> TrainingJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
            return job
        assert worker.process.poll() is None, worker.output()[-3000:]
        time.sleep(0.5)
    raise AssertionError(f"job still {job.status} at {job.progress} %:\n{worker.output()[-3000:]}")


def test_a_real_worker_trains_reports_progress_and_registers_the_model(
    ml_worker: Worker, admin_user, live_events
) -> None:
    sample_history_load(symbols=("AAPL", "MSFT"))
    take = live_events(admin_user)
    job = training_job_start(
        actor=admin_user,
        model_type="verdict_classifier",
        data_source="csv",
        symbols=["AAPL", "MSFT"],
        window_start=date(2007, 1, 1),
        params={"n_estimators": 10, "max_depth": 4, "backtest_folds": 2},
    )
    job = _finished(job, ml_worker)
    assert (job.status, job.progress, job.error) == (JobStatus.SUCCEEDED, 100, ""), job.log[-3:]
    started = next(line["message"] for line in job.log if line["message"].startswith("Started on "))
    # A worker of the ml queue alone trains below the order workers: its process and its group.
    assert started.endswith("CPU priority lowered for training (nice 19, its scheduling group too)"), started
    # This worker ran it; its log line may land a moment after the job's row says succeeded.
    ml_worker.wait_for(lambda: job.task_id in ml_worker.output(), timeout=15)

    updates = [e["data"] for e in take() if e["type"] == "ml.job.updated" and e["data"]["id"] == str(job.pk)]
    progress = [u["progress"] for u in updates]
    assert len(set(progress)) >= 5 and progress == sorted(progress) and progress[-1] == 100
    assert updates[-1]["status"] == "succeeded"

    model = MLModel.objects.get(job=job)
    assert hashlib.sha256(artifact_file(model).read_bytes()).hexdigest() == model.artifact_sha256
    model_activate(model=model, actor=admin_user)
    loaded, why = model_for_use("verdict_classifier")
    assert loaded is not None and loaded.version == model.version and why == ""
