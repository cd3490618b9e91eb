"""Scenario 4: Redis restarted under load.

Alerts arrive at `--s4-rate` a second for `--s4-duration` s. After `--s4-down-at` s our Redis
(broker, cache, channel layer) is stopped with SHUTDOWN NOSAVE, which loses every queued and
unacknowledged message (production runs Redis with an append-only file; this is the worse
case, a Redis that comes back empty), and started again `--s4-down-for` s later. Web, workers
and beat are left alone.

Expected: no alert answered 2xx is lost, and no signal row is stranded: every row written
since the start ends processed or refused, none stays `received` (also rows whose request was
answered 5xx). Orders as in every scenario: no duplicate, none lost.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.chaos import audit, harness
from bench.chaos.harness import Context


def _outage(ctx: Context, times: dict[str, float]) -> None:
    args, stack = ctx.args, ctx.stack
    started = time.monotonic()
    time.sleep(args.s4_down_at)
    times["down_at_s"] = round(time.monotonic() - started, 2)
    stack.redis_shutdown()
    time.sleep(args.s4_down_for)
    stack.redis_start()
    times["up_at_s"] = round(time.monotonic() - started, 2)


def run(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    before = audit.simulator_counters()
    since, marks = time.time(), ctx.stack.log_marks()
    times: dict[str, float] = {}
    outage = threading.Thread(target=_outage, args=(ctx, times), name="s4-outage", daemon=True)
    outage.start()
    records, _ = harness.send(ctx, rate=args.s4_rate, duration=args.s4_duration)
    outage.join(timeout=args.s4_down_at + args.s4_down_for + 60)
    figures = harness.figures_after(
        ctx, records, since=since, counters_before=before, settle_timeout=args.settle, log_marks=marks
    )
    figures["redis"] = times
    figures["processes_exited"] = ctx.stack.exited()
    stranded = figures["signal_rows_since_start"].get("received", 0)
    dup, lost = harness.duplicates(figures), harness.lost_orders(figures)
    return harness.verdict(
        "4. Redis restarted under load",
        figures,
        {
            "lost alerts (2xx)": (figures["lost_alerts"], figures["lost_alerts"] == 0),
            "stranded rows (received)": (stranded, stranded == 0),
            "duplicate orders": (dup, dup == 0),
            "lost orders": (lost, lost == 0),
            "answered 2xx (for information)": (figures["answered_2xx"], True),
        },
    )
