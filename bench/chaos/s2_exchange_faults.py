"""Scenario 2: the exchange fails `--s2-fail` (30 %) of its calls while `--s2-orders` orders
are placed.

The simulator's fault injection (brokers/simulator/faults.py) on every Binance endpoint: two
thirds of the faults a 500/503, one third a connection held `--s2-hang` s and closed without an
answer. Every 2 s the faults switch between striking before and *after* the request is applied
(`after_apply`: the order exists, the client never heard of it). Alerts (3 legs each) arrive for
the orders wanted, the faults stay on `--s2-tail` s more for the retries, then stop; the
sweepers finish the rest.

Expected: no duplicate; every order final (none left `pending` or `submitting`), and our rows
agree with the exchange's book.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

from bench.chaos import audit, harness
from bench.chaos.harness import Context


def _faults(args: Any, *, after_apply: bool, seed: int) -> dict[str, Any]:
    return {
        "error_rate": args.s2_fail * 2 / 3,
        "timeout_rate": args.s2_fail / 3,
        "hang_seconds": args.s2_hang,
        "respond_after_hang": False,
        "after_apply": after_apply,
        "match": [],
        "count": None,
        "seed": seed,
    }


def _toggle(control: Any, args: Any, stop: threading.Event, switches: list[bool]) -> None:
    seed = args.seed
    while not stop.wait(2.0):
        seed += 1
        after = not switches[-1]
        control.set_faults(**_faults(args, after_apply=after, seed=seed))
        switches.append(after)


def run(ctx: Context) -> dict[str, Any]:
    from brokers.services_simulator import simulator_control

    args = ctx.args
    control = simulator_control()
    alerts = math.ceil(args.s2_orders / harness.LEGS_PER_ENTRY)
    before = audit.simulator_counters()
    since, marks = time.time(), ctx.stack.log_marks()
    control.set_faults(**_faults(args, after_apply=False, seed=args.seed))
    stop, switches = threading.Event(), [False]
    toggler = threading.Thread(target=_toggle, args=(control, args, stop, switches), daemon=True)
    toggler.start()
    try:
        records, _ = harness.send(ctx, rate=args.s2_rate, duration=alerts / args.s2_rate)
        time.sleep(args.s2_tail)
    finally:
        stop.set()
        toggler.join(timeout=10)
        control.clear_faults()
    figures = harness.figures_after(
        ctx, records, since=since, counters_before=before, settle_timeout=args.settle, log_marks=marks
    )
    figures["fault_settings"] = {**_faults(args, after_apply=False, seed=args.seed), "after_apply": "toggled"}
    figures["after_apply_switches"] = len(switches) - 1
    dup = harness.duplicates(figures)
    disagree = sum(figures["rows_disagreeing_with_exchange"].values())
    legs = figures["orders_by_status"]
    return harness.verdict(
        "2. exchange fails 30 % of calls",
        figures,
        {
            "orders": (figures["orders"], figures["orders"] >= args.s2_orders),
            "duplicate orders": (dup, dup == 0),
            "orders not final": (figures["orders_unsent"], figures["orders_unsent"] == 0),
            "rows disagreeing with the exchange": (disagree, disagree == 0),
            "legs missing": (figures["legs_missing"], figures["legs_missing"] == 0),
            "lost alerts (2xx)": (figures["lost_alerts"], figures["lost_alerts"] == 0),
            "orders failed (for information)": (legs.get("failed", 0), True),
        },
    )
