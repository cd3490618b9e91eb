"""`make run`'s one worker takes the `ticks` queue too: in embedded mode nothing else would run the
monitors, the closes or their sells (config/settings.py TICK_QUEUE)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from config.celery import app
from config.embedded import worker_queues

# In a process of its own: embedded mode (memory:// broker) and a worker thread with Celery's
# worker-wide state, neither of which this test process should get.
SCRIPT = """
import time

import django

django.setup()
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache

from config.embedded import EmbeddedWorker
from config.health import WORKER_SEEN_KEY
from config.heartbeat import heartbeat
from trading.execution import tasks

assert settings.EMBEDDED, "not embedded mode"
worker_ready.disconnect(tasks._reconcile_on_start)  # no database here: nothing to reconcile
worker = EmbeddedWorker(concurrency=1, hostname="embedded@ticks-test")
worker.start()
try:
    heartbeat.apply_async(queue=settings.TICK_QUEUE)  # a message on `ticks` only this worker can take
    deadline = time.monotonic() + 30
    while "embedded@ticks-test" not in (cache.get(WORKER_SEEN_KEY) or {}):
        assert time.monotonic() < deadline, "nothing took the message on the ticks queue"
        time.sleep(0.05)
    print("ran from ticks")
finally:
    worker.request_stop()
    worker.join()
"""

NOT_EMBEDDED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL", "CHANNEL_LAYER_URL")


def test_the_embedded_worker_consumes_every_queue() -> None:
    assert worker_queues() == [app.conf.task_default_queue, settings.TICK_QUEUE, settings.ML_QUEUE]


def test_the_embedded_worker_runs_a_message_of_the_ticks_queue(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in NOT_EMBEDDED}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "TRADEFLEET_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ran from ticks" in result.stdout
