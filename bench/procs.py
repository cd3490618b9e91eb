"""Starting and stopping what a benchmark runs: each server or worker in its own process group."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def start_celery_worker(
    *, python: str, app: str, concurrency: int, name: str, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """`celery -A app worker -P prefork -c N` from `python`'s venv, in a process group of its own."""
    bindir = str(Path(python).parent)
    command = [f"{bindir}/celery", "-A", app, "worker", "--loglevel=INFO", "-P", "prefork"]
    return subprocess.Popen(  # noqa: S603  our own venv's celery, arguments from the harness
        [*command, "-c", str(concurrency), "-n", name],
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
