# ruff: noqa: S108, S603, S607  (a local harness: it starts our own servers and keeps its files in a scratch dir)
"""The real processes of a chaos run, started as production starts them (docs/operations.md):
our own Redis (port 6381 by default, no persistence), the exchange simulator, gunicorn web, two
Celery workers of one pool process each, one beat; PostgreSQL database `tf_chaos` dropped and
migrated at the start. Every process runs in its own process group and logs to the work dir.

The harness kills them in three ways: a pool process (the worker's parent forks a new one), a
whole worker (SIGKILL to its group, then started again), or everything of a kind (web, workers).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import p4_orders
from bench.p2_first_order import wait_http
from bench.procs import stop_group

ROOT = Path(__file__).resolve().parent.parent.parent
WORK = Path(os.environ.get("CHAOS_WORK_DIR", "/tmp/tf-chaos"))

# What a run changes from the production defaults (each can be overridden with --env):
RUN_ENV = {
    # Every alert opens a group of its own: the pool limit is not what is tested here.
    "TRADING_MAX_OPEN_GROUPS": "10000",  # a smallint column (UserTradingConfig) takes it
    # The sweepers every 10 s instead of 30 s, and a signal swept once `received` for 30 s
    # instead of 60 s: a run settles sooner. What they do is unchanged.
    "TRADING_SWEEP_SECONDS": "10",
    "TRADING_SIGNAL_SWEEP_SECONDS": "10",
    "TRADING_SIGNAL_SWEEP_AFTER_SECONDS": "30",
}


def run_env(args: argparse.Namespace) -> dict[str, str]:
    """The environment of every process: P4's (secrets made up for the bench, the simulator as
    the exchange), our database, Redis and scratch dirs, RUN_ENV, then `--env NAME=VALUE`."""
    ours = {
        "TRADEFLEET_VAR_DIR": str(WORK / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(WORK / "prom"),
        "WEB_CONCURRENCY": str(args.web_workers),
        "PORT": str(args.port),
        **RUN_ENV,
    }
    p4_args = argparse.Namespace(
        db=args.db,
        redis_url=args.redis_url,
        sim_port=args.sim_port,
        shared_limit=False,
        env=[*(f"{k}={v}" for k, v in ours.items()), *args.env],
    )
    return p4_orders.base_env(p4_args)


class Stack:
    """The processes this harness started, by name; `stop_all()` ends every one of them."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.env = {**os.environ, **run_env(args)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.bindir = str(Path(args.python).parent)
        self.redis_started = False
        self.restarts: dict[str, int] = {}
        self.log_starts: dict[str, int] = {}  # where each process's latest start begins in its log

    # --- starting -----------------------------------------------------------------------------
    def start(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        log = open(WORK / f"{name}.log", "ab")
        self.log_starts[name] = log.tell()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        self.procs[name] = proc
        return proc

    def redis_up(self) -> bool:
        parts = urlsplit(self.args.redis_url)
        try:
            socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1).close()
        except OSError:
            return False
        return True

    def redis_start(self) -> None:
        """Our own redis-server (daemonized, so not in our process list: stopped by SHUTDOWN)."""
        if self.redis_up():
            return
        port = str(urlsplit(self.args.redis_url).port or 6381)
        cmd = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", port]
        subprocess.run(
            [*cmd, "--save", "", "--appendonly", "no", "--logfile", str(WORK / "redis.log")], check=True
        )
        self.redis_started = True
        deadline = time.monotonic() + 20
        while not self.redis_up():
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not come up")
            time.sleep(0.05)

    def redis_shutdown(self) -> None:
        """SHUTDOWN NOSAVE: every queued and unacknowledged message is gone, as after a crash."""
        port = str(urlsplit(self.args.redis_url).port or 6381)
        subprocess.run(["redis-cli", "-p", port, "SHUTDOWN", "NOSAVE"], capture_output=True, check=False)
        deadline = time.monotonic() + 10
        while self.redis_up() and time.monotonic() < deadline:
            time.sleep(0.05)

    def simulator(self) -> None:
        cmd = [self.args.python, "manage.py", "exchange_simulator", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.args.sim_port), "--tick-seconds", "0"]
        cmd += ["--control-token", p4_orders.CONTROL_TOKEN]
        self.start("simulator", cmd)
        wait_http(f"http://127.0.0.1:{self.args.sim_port}/api/v3/time")

    def web(self) -> None:
        """The Procfile's web line: gunicorn, sync workers (config/gunicorn.py)."""
        self.start(
            "web", [f"{self.bindir}/gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn"]
        )
        wait_http(
            f"http://127.0.0.1:{self.args.port}/api/v1/health",
            timeout=90,
            headers={"X-Forwarded-Proto": "https"},
        )

    def worker_names(self) -> list[str]:
        return [f"worker{n}" for n in range(1, self.args.workers + 1)]

    def node(self, name: str) -> str:
        return f"chaos{name.removeprefix('worker')}@bench"

    def worker(self, name: str) -> None:
        cmd = [f"{self.bindir}/celery", "-A", "config", "worker", "--loglevel=INFO"]
        self.start(name, [*cmd, "-P", "prefork", "-c", "1", "-n", self.node(name)])

    def workers(self, *, wait: bool = True) -> None:
        for name in self.worker_names():
            self.worker(name)
        if wait:
            self.workers_ready()

    def workers_ready(self, timeout: float = 180) -> None:
        """Wait until every worker's latest start logged `<node> ready.` (its consumer is up).
        Read from the logs, not asked over the broker: the harness's own broker connection
        may be one that a Redis restart (scenario 4) broke."""
        deadline = time.monotonic() + timeout
        for name in self.worker_names():
            marker = f"{self.node(name)} ready.".encode()
            while True:
                with open(WORK / f"{name}.log", "rb") as log:
                    log.seek(self.log_starts.get(name, 0))
                    if marker in log.read():
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not log that it is ready within {timeout:.0f} s")
                time.sleep(0.5)

    def beat(self) -> None:
        cmd = [f"{self.bindir}/celery", "-A", "config", "beat", "--loglevel=INFO"]
        self.start("beat", [*cmd, "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"])

    # --- killing ------------------------------------------------------------------------------
    def pool_children(self, name: str) -> list[int]:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return []
        kids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        return [int(pid) for pid in kids.stdout.split()]

    def pool_child(self, name: str, *, min_age: float) -> int | None:
        """The worker's pool process if it has run `min_age` s: one killed as it starts makes
        Celery give up on the whole worker ("Could not start worker processes"), which is a
        test of the supervisor, not of placement."""
        for pid in self.pool_children(name):
            if process_age(pid) >= min_age:
                return pid
        return None

    def kill_pool_child(self, name: str, *, min_age: float = 2.0) -> int | None:
        """SIGKILL the worker's pool process (its parent forks a new one); None if none is up."""
        pid = self.pool_child(name, min_age=min_age)
        if pid is None:
            return None
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return pid

    def crash(self, name: str) -> None:
        """SIGKILL the process and its children, as an OOM kill or a pulled plug would."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def kill_worker(self, name: str) -> None:
        """SIGKILL a whole worker (parent and pool) and start it again at once."""
        self.crash(name)
        self.worker(name)
        self.restarts[name] = self.restarts.get(name, 0) + 1

    # --- state and stopping ---------------------------------------------------------------------
    def log_marks(self) -> dict[str, int]:
        """Where each worker log ends now (for `worker_log_counts` later)."""
        return {
            n: (WORK / f"{n}.log").stat().st_size for n in self.worker_names() if (WORK / f"{n}.log").exists()
        }

    def worker_log_counts(self, marks: dict[str, int], patterns: dict[str, str]) -> dict[str, int]:
        """Sum of the first number matched by each regex in the workers' log lines since `marks`
        (e.g. how many signals the sweeper re-sent)."""
        totals = dict.fromkeys(patterns, 0)
        for name in self.worker_names():
            path = WORK / f"{name}.log"
            if not path.exists():
                continue
            with open(path, "rb") as log:
                log.seek(marks.get(name, 0))
                text = log.read().decode(errors="replace")
            for key, pattern in patterns.items():
                totals[key] += sum(int(m) for m in re.findall(pattern, text))
        return totals

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.procs.items()}

    def exited(self) -> dict[str, int]:
        """Processes that ended on their own (their exit codes)."""
        return {name: code for name, proc in self.procs.items() if (code := proc.poll()) is not None}

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None:
            stop_group(proc, timeout=20)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        if self.redis_started:
            self.redis_shutdown()


def process_age(pid: int) -> float:
    """Seconds since the process started (0 if it is gone)."""
    try:
        start = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return 0.0
    return uptime - start / p4_orders.CLK_TCK


def database_recreate(args: argparse.Namespace, env: dict[str, str]) -> None:
    """A fresh database every run (figures from an empty one), migrated as deployments are."""
    import psycopg

    if not args.db.startswith("tf_chaos"):
        raise ValueError("the harness drops its database: its name must start with tf_chaos")
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    p4_orders.prepare_database(args, env)


def process_info(stack: Stack) -> dict[str, Any]:
    return {"pids": stack.pids(), "exited": stack.exited(), "worker_restarts": dict(stack.restarts)}
