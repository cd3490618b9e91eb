"""A worker whose database connection the server dropped heals on its next task, without a
restart (config/dbconn.py, config/celery.py), and keeps a healthy connection from one task to the
next (the speed CELERY_DB_REUSE_MAX buys). On real PostgreSQL: the server ends the session with
`pg_terminate_backend`, as a restart, a failover or an operator would."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from celery.signals import task_postrun, task_prerun
from celery.utils.dispatch import Signal
from django.core.cache import cache
from django.db import DatabaseError, OperationalError, connection, transaction

from config.heartbeat import heartbeat
from config.tasks import house_task
from tests.factories import UserFactory
from tests.platform.db_faults import backend_pid, require_postgresql, terminate_backend
from tests.platform.db_heal_tasks import record_backend_pid
from tests.worker_process import Worker, celery_worker, database_url

pytestmark = pytest.mark.django_db(transaction=True)  # the test's own connection, outside a transaction

runs: list[str] = []


@house_task(name="tests.statement_timeout", max_retries=3)
def statement_timeout() -> None:
    """A statement the server cancels (57014): an OperationalError on a connection that works."""
    runs.append("run")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")


def run_task_boundary(boundary: Signal) -> None:
    """What a worker sends before (task_prerun) or after (task_postrun) each task it runs."""
    boundary.send(sender=heartbeat, task_id=str(uuid.uuid4()), task=heartbeat, args=(), kwargs={})


def test_a_connection_the_server_dropped_is_replaced_before_the_next_task() -> None:
    require_postgresql()
    UserFactory()
    dropped = backend_pid()
    terminate_backend(dropped)
    run_task_boundary(task_prerun)
    # The task's first query opens a new connection instead of failing on the dead one.
    assert UserFactory._meta.model.objects.count() == 1
    assert backend_pid() != dropped


def test_a_healthy_connection_is_kept_from_one_task_to_the_next() -> None:
    require_postgresql()
    first = backend_pid()
    for _ in range(3):
        run_task_boundary(task_prerun)
        UserFactory()
        run_task_boundary(task_postrun)
    assert backend_pid() == first


def test_a_failed_statement_does_not_cost_the_connection() -> None:
    require_postgresql()
    first = backend_pid()
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    run_task_boundary(task_postrun)
    assert backend_pid() == first


def test_a_task_whose_statement_fails_is_failed_not_retried_as_a_lost_connection() -> None:
    require_postgresql()
    first = backend_pid()
    runs.clear()
    result = statement_timeout.apply(throw=False)
    assert result.failed()
    assert isinstance(result.result, OperationalError)
    assert runs == ["run"]
    assert backend_pid() == first


def test_a_task_that_lost_its_connection_mid_way_is_retried_on_a_new_one() -> None:
    require_postgresql()
    dropped = backend_pid()
    terminate_backend(dropped)
    runs.clear()
    # The connection dies between the boundary's check and the task's first query: the retry heals.
    result = statement_timeout.apply(throw=False)
    assert runs == ["run", "run"]
    assert isinstance(result.result, OperationalError)  # the timeout, on the second, working connection
    assert backend_pid() != dropped


# --- a real worker ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def solo_worker(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """`celery -A config worker --pool=solo` on a queue of its own, on the database pool as in
    production (DATABASE_POOL defaults to on; the tests' own processes turn it off)."""
    if database_url() is None or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and REDIS_URL: a worker process shares the database through the broker")
    queue = f"tests-{uuid.uuid4().hex[:12]}"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with celery_worker(
        queue=queue,
        hostname=f"{queue}@tests",
        log=log,
        options=("--include=tests.platform.db_heal_tasks",),
        env={"DATABASE_POOL": "true"},
    ) as worker:
        yield worker


def worker_backend_pid(worker: Worker) -> int:
    """Run one task on the worker and return the server process its connection used."""
    key = f"tests:pid:{uuid.uuid4().hex}"
    record_backend_pid.apply_async(kwargs={"key": key}, queue=worker.queue)
    worker.wait_for(lambda: cache.get(key) is not None, timeout=20)
    return int(cache.get(key))


def test_a_real_worker_runs_its_next_task_after_the_server_dropped_its_connection(
    solo_worker: Worker,
) -> None:
    first = worker_backend_pid(solo_worker)
    assert worker_backend_pid(solo_worker) == first  # kept across tasks
    terminate_backend(first)
    after = worker_backend_pid(solo_worker)  # before the fix: "connection is closed" for good
    assert after != first
    assert worker_backend_pid(solo_worker) == after
    assert "database connection lost" not in solo_worker.output()  # healed before the task ran
