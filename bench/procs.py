"""Stopping what a benchmark started: each server or worker runs in its own process group."""

from __future__ import annotations

import os
import signal
import subprocess


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
