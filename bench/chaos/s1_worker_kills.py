"""Scenario 1: workers SIGKILLed during order placement, `--s1-kills` times, alerts flowing.

While alerts arrive at `--s1-rate` a second for `--s1-duration` s, a killer thread fires at
random moments (uniform over the window, fixed by `--seed`). At each moment it picks a worker
whose pool process has run at least 2 s, waits up to 0.5 s for an order being sent (a row
`submitting` under a live lease) and SIGKILLs that pool process (its parent forks a new one); every
`--s1-full-every`-th kill takes the whole worker instead (parent and pool, whatever it had
reserved) and starts it again. A worker that exits on its own is started again, as a
supervisor would. The simulator answers after 30-70 ms, so a kill finds orders in flight. Then
the run settles (the sweepers finish what the kills left) and is counted.

Expected: no duplicate order on the exchange, no lost order, no lost alert (2xx).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.chaos import audit, harness
from bench.chaos.harness import Context

MIN_AGE = 2.0  # seconds a pool process runs before it may be killed (stack.Stack.pool_child)
PLACING_SQL = (
    "SELECT EXISTS (SELECT 1 FROM trading_dcaorder WHERE status = 'submitting' AND lease_until > now())"
)


def _placing(wait: float) -> bool:
    """True as soon as some order is being sent (up to `wait` s)."""
    from django.db import connection

    deadline = time.monotonic() + wait
    while True:
        with connection.cursor() as cur:
            cur.execute(PLACING_SQL)
            if cur.fetchone()[0]:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def _supervise(ctx: Context) -> list[str]:
    """Start again a worker that exited on its own, as a supervisor (Docker, systemd) would."""
    gone = [name for name in ctx.stack.exited() if name.startswith("worker")]
    for name in gone:
        ctx.stack.procs.pop(name)
        ctx.stack.worker(name)
    return gone


def _victim(ctx: Context, wait: float) -> str | None:
    """A worker whose pool process has run a while (up to `wait` s for one), picked at random."""
    deadline = time.monotonic() + wait
    while True:
        names = [n for n in ctx.stack.worker_names() if ctx.stack.pool_child(n, min_age=MIN_AGE)]
        if names:
            return ctx.rng.choice(names)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


def _killer(ctx: Context, kills: list[dict[str, Any]], supervised: list[str]) -> None:
    from django.db import connection

    args, stack, rng = ctx.args, ctx.stack, ctx.rng
    moments = sorted(rng.uniform(0.5, args.s1_duration - 0.5) for _ in range(args.s1_kills))
    started = time.monotonic()
    try:
        for n, moment in enumerate(moments, 1):
            time.sleep(max(0.0, started + moment - time.monotonic()))
            supervised.extend(_supervise(ctx))
            kind = "none (no pool process up for 30 s)"
            for _ in range(3):  # a pool process may end between the pick and the kill
                name = _victim(ctx, wait=30.0)
                placing = _placing(0.5)
                if name is None:
                    break
                if args.s1_full_every and n % args.s1_full_every == 0:
                    stack.kill_worker(name)
                    kind = "whole worker"
                    break
                if stack.kill_pool_child(name, min_age=MIN_AGE):
                    kind = "pool process"
                    break
            kills.append(
                {"at_s": round(time.monotonic() - started, 2), "kind": kind, "order_in_flight": placing}
            )
    finally:
        connection.close()


def run(ctx: Context) -> dict[str, Any]:
    from brokers.services_simulator import simulator_control

    args = ctx.args
    control = simulator_control()
    control.set_faults(latency_ms=args.s1_latency_ms, latency_jitter_ms=args.s1_jitter_ms)
    before = audit.simulator_counters()
    since, marks = time.time(), ctx.stack.log_marks()
    kills: list[dict[str, Any]] = []
    supervised: list[str] = []
    killer = threading.Thread(target=_killer, args=(ctx, kills, supervised), name="s1-killer", daemon=True)
    killer.start()
    try:
        records, _ = harness.send(ctx, rate=args.s1_rate, duration=args.s1_duration)
        killer.join(timeout=args.s1_duration + 60)
    finally:
        control.set_faults(latency_ms=0, latency_jitter_ms=0)
    figures = harness.figures_after(
        ctx, records, since=since, counters_before=before, settle_timeout=args.settle, log_marks=marks
    )
    landed = [k for k in kills if not k["kind"].startswith("none")]
    figures["kills"] = {
        "done": len(landed),
        "pool_processes": sum(1 for k in landed if k["kind"] == "pool process"),
        "whole_workers": sum(1 for k in landed if k["kind"] == "whole worker"),
        "with_an_order_in_flight": sum(1 for k in landed if k["order_in_flight"]),
        "missed": len(kills) - len(landed),
        "workers_exited_on_their_own_and_restarted": len(supervised),
    }
    dup, lost = harness.duplicates(figures), harness.lost_orders(figures)
    return harness.verdict(
        "1. worker SIGKILLed during placement",
        figures,
        {
            "kills": (len(landed), len(landed) >= args.s1_kills),
            "duplicate orders": (dup, dup == 0),
            "lost orders": (lost, lost == 0),
            "lost alerts (2xx)": (figures["lost_alerts"], figures["lost_alerts"] == 0),
        },
    )
