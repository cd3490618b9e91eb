"""A worker's pool process that outgrew `CELERY_WORKER_MAX_MEMORY_PER_CHILD` is replaced once its
task ends (config/settings.py), so a worker that runs for weeks stays near the size it started
at: a real prefork worker on the real Redis broker."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from tests.worker_process import celery_worker


def test_every_prefork_worker_gets_the_bound() -> None:
    assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 190_000


def _pool(hostname: str) -> list[int]:
    stats = app.control.inspect(destination=[hostname], timeout=1).stats() or {}
    return list(stats.get(hostname, {}).get("pool", {}).get("processes", []))


def test_a_pool_process_past_the_bound_is_replaced_after_its_task(tmp_path: Path) -> None:
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs the real Redis broker: the embedded one lives in this process")
    queue = f"memory-{uuid.uuid4().hex[:8]}"
    hostname = f"{queue}@tests"
    with celery_worker(
        queue=queue,
        hostname=hostname,
        log=tmp_path / "worker.log",
        pool="prefork",
        options=["--concurrency=1"],
        env={"CELERY_WORKER_MAX_MEMORY_PER_CHILD": "1000"},  # every pool process is past 1 MB
    ) as worker:
        worker.wait_for(lambda: _pool(hostname), timeout=60)
        first = _pool(hostname)
        app.send_task("celery.accumulate", args=(1,), queue=queue)
        worker.wait_for(lambda: _pool(hostname) not in ([], first), timeout=30)
        assert len(_pool(hostname)) == 1  # replaced, not gone
