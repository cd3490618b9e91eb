"""Tasks through the real Redis broker, run by a real `celery worker` process."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from config.health import WORKER_SEEN_KEY
from config.heartbeat import heartbeat
from tests.embedded.worker_tasks import rename_user
from tests.factories import UserFactory
from tests.worker_process import Worker, celery_worker

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis)"),
]


@pytest.fixture(scope="module")
def worker(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """`celery -A config worker` on a queue of its own, so no other worker can take our tasks."""
    queue = f"tests-{uuid.uuid4().hex[:12]}"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    options = ("--concurrency=2", "--include=tests.embedded.worker_tasks")
    with celery_worker(queue=queue, hostname=f"{queue}@tests", log=log, pool="threads", options=options) as w:
        yield w


def test_heartbeat_sent_through_redis_is_run_by_a_real_worker(worker: Worker) -> None:
    heartbeat.apply_async(queue=worker.queue)
    worker.wait_for(lambda: worker.hostname in (cache.get(WORKER_SEEN_KEY) or {}))


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a worker process can share only a PostgreSQL test database",
)
@pytest.mark.django_db(transaction=True)
def test_task_sent_through_redis_writes_what_it_should_to_the_database(worker: Worker) -> None:
    user = UserFactory(username="before")
    rename_user.apply_async(kwargs={"user_id": str(user.pk), "username": "after"}, queue=worker.queue)
    worker.wait_for(lambda: type(user).objects.filter(pk=user.pk, username="after").exists())


def test_new_signals_go_to_the_highest_priority_list() -> None:
    """Redis emulates priorities with one list per step, emptied lowest step first: a new
    signal's message is in step 1's list, an order's in the default step 5's."""
    import redis
    from django.conf import settings

    from trading.execution.tasks import place_order
    from trading.queue.tasks import process_signal
    from trading.runtime.task_names import SIGNAL_PRIORITY

    queue = f"tests-priority-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        place_order.apply_async(kwargs={"order_id": str(uuid.uuid4()), "user_id": "u"}, queue=queue)
        process_signal.apply_async(
            kwargs={"signal_id": str(uuid.uuid4()), "user_id": "u"}, queue=queue, priority=SIGNAL_PRIORITY
        )
        assert client.llen(f"{queue}:1") == 1 and client.llen(f"{queue}:5") == 1
        first = json.loads(client.lindex(f"{queue}:1", 0))
        assert first["headers"]["task"] == "trading.tasks.process_signal"
    finally:
        client.delete(f"{queue}:1", f"{queue}:5")


def test_take_profit_ticks_go_before_fill_batches_and_after_signals() -> None:
    """A fill tick stretched by an exchange's rate limit must not hold back stop losses: beat
    sends the take-profit dispatcher, and the dispatcher its batches, at step 3."""
    import redis
    from django.conf import settings

    from trading.execution.tasks import monitor_fill_batch
    from trading.runtime.task_names import SIGNAL_PRIORITY, TAKE_PROFIT_PRIORITY
    from trading.takeprofit.tasks import check_take_profits, take_profit_batch

    queue = f"tests-priority-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    beat = settings.CELERY_BEAT_SCHEDULE["trading-check-take-profits"]["options"]
    try:
        monitor_fill_batch.apply_async(kwargs={"units": []}, queue=queue)
        check_take_profits.apply_async(queue=queue, **beat)
        take_profit_batch.apply_async(
            kwargs={"units": [], "tick": "t"}, queue=queue, priority=TAKE_PROFIT_PRIORITY
        )
        assert (
            SIGNAL_PRIORITY < TAKE_PROFIT_PRIORITY == beat["priority"] < settings.CELERY_TASK_DEFAULT_PRIORITY
        )
        assert client.llen(f"{queue}:3") == 2 and client.llen(f"{queue}:5") == 1
    finally:
        client.delete(f"{queue}:3", f"{queue}:5")
