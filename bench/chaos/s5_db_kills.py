"""Scenario 5: every database connection killed under load, `--s5-kills` times.

Alerts arrive at `--s5-rate` a second for `--s5-duration` s; every `--s5-every` s the harness
runs `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = <db> AND
pid <> pg_backend_pid()`: the connections of web, workers and beat all die at once (what a
PostgreSQL restart or failover does to them). Nothing is restarted.

Expected: every alert answered 2xx and processed, no row stranded, no process gone, and orders
as in every scenario (no duplicate, none lost).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.chaos import audit, harness
from bench.chaos.harness import Context

TERMINATE_SQL = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _killer(ctx: Context, kills: list[int]) -> None:
    from django.db import connection

    try:
        for _ in range(ctx.args.s5_kills):
            time.sleep(ctx.args.s5_every)
            with connection.cursor() as cur:
                cur.execute(TERMINATE_SQL)
                kills.append(int(cur.fetchone()[0]))
    finally:
        connection.close()


def run(ctx: Context) -> dict[str, Any]:
    args, stack = ctx.args, ctx.stack
    before = audit.simulator_counters()
    since, marks = time.time(), ctx.stack.log_marks()
    pids = stack.pids()
    kills: list[int] = []
    killer = threading.Thread(target=_killer, args=(ctx, kills), name="s5-killer", daemon=True)
    killer.start()
    records, _ = harness.send(ctx, rate=args.s5_rate, duration=args.s5_duration)
    killer.join(timeout=args.s5_kills * args.s5_every + 30)
    figures = harness.figures_after(
        ctx, records, since=since, counters_before=before, settle_timeout=args.settle, log_marks=marks
    )
    figures["connections_terminated"] = kills
    gone = {**stack.exited(), **{n: "replaced" for n, pid in stack.pids().items() if pids.get(n) != pid}}
    figures["processes_exited_or_restarted"] = gone
    refused = figures["sent"] - figures["answered_2xx"]
    stranded = figures["signal_rows_since_start"].get("received", 0)
    dup, lost = harness.duplicates(figures), harness.lost_orders(figures)
    return harness.verdict(
        "5. database connections killed",
        figures,
        {
            "kills": (len(kills), len(kills) == args.s5_kills),
            "alerts not answered 2xx": (refused, refused == 0),
            "lost alerts (2xx)": (figures["lost_alerts"], figures["lost_alerts"] == 0),
            "stranded rows (received)": (stranded, stranded == 0),
            "processes exited or restarted": (len(gone), not gone),
            "duplicate orders": (dup, dup == 0),
            "lost orders": (lost, lost == 0),
        },
    )
