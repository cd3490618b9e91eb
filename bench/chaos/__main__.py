# ruff: noqa: S603, S607  (runs git to record which tree was measured)
"""The runner: `python -m bench.chaos [--only 1,3]`, options below (counts and durations of
each scenario). Starts the stack, sets up the traders, warms up, runs the scenarios in order,
prints one table and writes every figure to /tmp/tf-chaos/chaos-<time>.json."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from bench import p2_first_order, p4_orders
from bench.chaos import (
    audit,
    harness,
    s1_worker_kills,
    s2_exchange_faults,
    s3_duplicate_alert,
    s4_redis_restart,
    s5_db_kills,
    s6_restart_reconcile,
)
from bench.chaos.stack import ROOT, WORK, Stack, database_recreate, process_info, run_env

SCENARIOS = {
    1: s1_worker_kills.run,
    2: s2_exchange_faults.run,
    3: s3_duplicate_alert.run,
    4: s4_redis_restart.run,
    5: s5_db_kills.run,
    6: s6_restart_reconcile.run,
}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="", help="scenarios to run, e.g. 1,3 (default: all, in order)")
    p.add_argument("--python", default=str(ROOT / ".venv/bin/python"))
    p.add_argument("--db", default="tf_chaos", help="dropped and created again (must start with tf_chaos)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6381/0", help="our own server: shut down in S4")
    p.add_argument("--sim-port", type=int, default=9701)
    p.add_argument("--port", type=int, default=9702, help="gunicorn web")
    p.add_argument("--web-workers", type=int, default=4, help="WEB_CONCURRENCY")
    p.add_argument("--workers", type=int, default=2, help="Celery workers of one pool process each")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--warmup", type=float, default=6, help="seconds of 5 alerts/s before the scenarios")
    p.add_argument("--settle", type=float, default=240, help="longest wait for a scenario to settle, s")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for every process")
    p.add_argument("--s1-kills", type=int, default=100)
    p.add_argument("--s1-duration", type=float, default=150)
    p.add_argument("--s1-rate", type=float, default=2.0, help="alerts per second")
    p.add_argument("--s1-full-every", type=int, default=10, help="every n-th kill takes a whole worker")
    p.add_argument("--s1-latency-ms", type=float, default=30)
    p.add_argument("--s1-jitter-ms", type=float, default=40)
    p.add_argument("--s2-orders", type=int, default=500)
    p.add_argument("--s2-rate", type=float, default=4.0)
    p.add_argument("--s2-fail", type=float, default=0.3, help="share of exchange calls that fail")
    p.add_argument("--s2-hang", type=float, default=1.5, help="seconds a timed-out call is held")
    p.add_argument("--s2-tail", type=float, default=10, help="faults stay on this long after the alerts")
    p.add_argument("--s3-rounds", type=int, default=10)
    p.add_argument("--s3-copies", type=int, default=10)
    p.add_argument("--s4-rate", type=float, default=4.0)
    p.add_argument("--s4-duration", type=float, default=40)
    p.add_argument("--s4-down-at", type=float, default=10)
    p.add_argument("--s4-down-for", type=float, default=5)
    p.add_argument("--s5-rate", type=float, default=4.0)
    p.add_argument("--s5-duration", type=float, default=40)
    p.add_argument("--s5-kills", type=int, default=5)
    p.add_argument("--s5-every", type=float, default=6)
    p.add_argument("--s6-groups", type=int, default=4)
    p.add_argument("--s6-down", type=float, default=15, help="seconds web and workers stay down")
    p.add_argument("--s6-within", type=float, default=60, help="agreement expected this soon after restart")
    p.add_argument("--s6-wait", type=float, default=330, help="longest wait for agreement, s")
    return p.parse_args()


def revive(stack: Stack) -> list[str]:
    """Start again what died in the previous scenario and wait for every worker, so the next
    scenario starts whole."""
    names = sorted(stack.exited())
    for name in names:
        stack.procs.pop(name)
        if name == "web":
            stack.web()
        elif name == "beat":
            stack.beat()
        elif name.startswith("worker"):
            stack.worker(name)
        else:
            raise RuntimeError(f"{name} died; the run cannot go on without it")
    stack.workers_ready()
    return names


def tree() -> dict[str, Any]:
    """Which code was measured: the commit and the files changed in the working tree."""

    def git(*cmd: str) -> str:
        return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "changed": git("status", "--short").splitlines()}


def row(result: dict[str, Any]) -> str:
    checks = "; ".join(
        f"{name} {c['measured']}{'' if c['met'] else ' (FAIL)'}" for name, c in result["checks"].items()
    )
    return f"| {result['scenario']} | {checks} | {'pass' if result['passed'] else 'FAIL'} |"


def main() -> None:
    args = parse()
    chosen = [int(n) for n in args.only.split(",") if n] or list(SCENARIOS)
    WORK.mkdir(parents=True, exist_ok=True)
    for sub in ("prom", "var"):
        shutil.rmtree(WORK / sub, ignore_errors=True)
        (WORK / sub).mkdir(parents=True)
    signal.signal(signal.SIGTERM, p4_orders._stop)  # `kill` ends the run and every process it started
    stack = Stack(args)
    started = datetime.now(UTC)
    out = WORK / f"chaos-{started:%Y%m%d-%H%M%S}.json"
    report: dict[str, Any] = {
        "started": started.isoformat(),
        "command": " ".join([".venv/bin/python", "-m", "bench.chaos", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count()},
        "tree": tree(),
        "args": vars(args),
        "env": {
            k: v for k, v in run_env(args).items() if not any(s in k for s in ("KEY", "SECRET", "TOKEN"))
        },
        "results": [],
    }
    try:
        stack.redis_start()
        p4_orders.flush_redis(args.redis_url)
        database_recreate(args, stack.env)
        # The harness's own connections are plain ones: a pooled one killed in scenario 5 would
        # be handed out again.
        p4_orders.django_setup({**run_env(args), "DATABASE_POOL": "false"})
        harness.environ_for_p2(args)
        stack.simulator()
        from brokers.services_simulator import simulator_control

        simulator_control().configure_engine(max_open_orders=100_000)
        traders, state = harness.traders_setup(args)
        stack.web()
        stack.workers()
        stack.beat()
        ctx = harness.Context(
            args=args,
            stack=stack,
            traders=traders,
            prices=p2_first_order.entry_prices(state),
            keys=p2_first_order.Keys(traders),
            exchange=audit.Exchange(harness.sim_url(args)),
            rng=random.Random(args.seed),
        )
        since = time.time()
        records, _ = harness.send(ctx, rate=5, duration=args.warmup)
        waited = audit.settle(harness.accepted(records), since=since, timeout=120, legs_per_entry=3)
        print(
            f"warm-up: {len(harness.accepted(records))}/{len(records)} alerts settled in {waited} s",
            flush=True,
        )
        for n in chosen:
            began = time.monotonic()
            try:
                result = SCENARIOS[n](ctx)
            except Exception as exc:  # one scenario's crash must not hide the others' figures
                trace = traceback.format_exc().splitlines()[-12:]
                result = {
                    "scenario": str(n),
                    "passed": False,
                    "checks": {},
                    "error": repr(exc),
                    "trace": trace,
                }
            result["seconds"] = round(time.monotonic() - began, 1)
            result["processes"] = process_info(stack)
            result["revived_after"] = revive(stack)
            report["results"].append(result)
            out.write_text(json.dumps(report, indent=1, default=str))
            print(row(result), flush=True)
    finally:
        stack.stop_all()
    report["seconds"] = round((datetime.now(UTC) - started).total_seconds())
    out.write_text(json.dumps(report, indent=1, default=str))
    (WORK / "latest.json").write_text(out.read_text())
    print(f"\n{report['command']}  ({report['seconds']} s, {os.cpu_count()} CPUs; figures: {out})")
    print("| scenario | measured | result |\n|---|---|---|")
    for result in report["results"]:
        print(row(result))


if __name__ == "__main__":
    main()
