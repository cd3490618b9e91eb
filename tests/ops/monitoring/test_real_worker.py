"""A real `celery worker` (prefork) records its own metrics: its pool process starts a flusher
that writes the tasks it ran, its memory and its CPU as `worker` rows."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from config.celery import app as celery_app
from ops.monitoring.models import MetricMinute
from tests.worker_process import celery_worker, database_url

pytestmark = pytest.mark.django_db(transaction=True)  # the worker must see the committed rows


def test_a_worker_process_flushes_its_task_metrics(django_db_setup: None, tmp_path: Path) -> None:
    if database_url() is None or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and REDIS_URL: a worker process shares the database through the broker")
    queue = f"monitoring-{uuid.uuid4().hex[:8]}"
    with celery_worker(
        queue=queue,
        hostname=f"{queue}@tests",
        log=tmp_path / "worker.log",
        pool="prefork",
        options=["--concurrency=1"],
        env={"MONITORING_FLUSH_SECONDS": "1"},
    ) as worker:
        celery_app.send_task("ops.monitoring.tasks.prune_metrics", queue=queue)

        def ran() -> bool:
            return MetricMinute.objects.filter(
                kind="worker",
                metric="tradefleet_task_duration_seconds",
                labels__contains="ops.monitoring.tasks.prune_metrics",
            ).exists()

        worker.wait_for(ran, timeout=60)
        time.sleep(1.5)
        assert MetricMinute.objects.filter(kind="worker", metric="process_rss_bytes").exists()
