"""A real `celery -A config worker` process for the tests that need one: started on the test
database (PostgreSQL, shared through its URL) and the real Redis broker, stopped warm, killed if
it does not stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from config.env import BASE_DIR


@dataclass
class Worker:
    queue: str
    hostname: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], Any], *, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.output()}")
            time.sleep(0.1)
        pytest.fail(f"nothing happened within {timeout} s; worker log:\n{self.output()}")


def database_url() -> str | None:
    """The test database as a URL for another process (None when it cannot be shared)."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return None  # the SQLite test database lives in this process's memory
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(
    *,
    queue: str,
    hostname: str,
    log: Path,
    pool: str = "solo",
    options: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> Iterator[Worker]:
    """The worker consuming `queue`, with the test database when it can be shared; `options` are
    more command-line options (--concurrency, --include=...); `env` overrides the environment."""
    environment = dict(os.environ)
    url = database_url()
    if url:
        environment["DATABASE_URL"] = url
    environment |= env or {}
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "config",
        "worker",
        f"--pool={pool}",
        f"--queues={queue}",
        f"--hostname={hostname}",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel=INFO",
        *options,
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Worker(queue=queue, hostname=hostname, process=process, log=log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
