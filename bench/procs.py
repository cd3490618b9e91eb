"""Starting and stopping what a benchmark runs: each server or worker in its own process group."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(*, python: str, db_name: str, redis_dbs: tuple[int, ...]) -> None:
    """Drop and create the benchmark's PostgreSQL database, migrate it with `python` (the
    environment's DATABASE_URL must name it), and flush its Redis databases."""
    import psycopg
    import redis

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db_name}")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)  # noqa: S603
    for n in redis_dbs:
        redis.Redis.from_url(f"redis://127.0.0.1:6379/{n}").flushdb()


# The queues a deployed general worker consumes (Procfile, docker-compose.yml `worker`).
WORKER_QUEUES = "celery,ticks"


def worker_command(
    bindir: str, app: str, *, concurrency: int, name: str, queues: str = WORKER_QUEUES
) -> list[str]:
    """`celery -A app worker -Q queues -P prefork -c N -n name`, the deployed worker's command."""
    options = f"-Q {queues} --loglevel=INFO -P prefork -c {concurrency} -n {name}"
    return [f"{bindir}/celery", "-A", app, "worker", *options.split()]


def start_celery_worker(
    *, python: str, app: str, concurrency: int, name: str, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """The deployed worker's command (`worker_command`) from `python`'s venv, in a process group
    of its own."""
    command = worker_command(str(Path(python).parent), app, concurrency=concurrency, name=name)
    return subprocess.Popen(  # noqa: S603  our own venv's celery, arguments from the harness
        command,
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def stop_group(proc: subprocess.Popen, *, timeout: float = 30.0) -> None:
    """SIGTERM the process group and wait; SIGKILL it if it outlives `timeout`. A group that is
    already gone is fine."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
