# ruff: noqa: S603
"""P2's worker path in one process, no broker, no contention: what one signal costs.

    .venv/bin/python -m bench.p2_inprocess [--signals 200] [--cprofile] [--variant NAME]

Starts the simulator (as bench.p2_first_order does), prepares the traders, then in this process
for each signal: `signal_ingest` (what the webhook stores), then `signal_process` timed with its
SQL statements counted (the first leg is placed inline at commit, as in the worker), then the
other legs with `order_place` (what `place_order` tasks do). `task.delay()` is replaced by a
no-op recorder (no worker runs). Variants monkeypatch the engine to measure a proposed change:

- `base`: as shipped
- `no_events`: live events (notifications.events.send) skipped
- `first_leg_first`: the first order's placement runs before the other on-commit hooks
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import p2_first_order as p2  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--sim-port", type=int, default=9049)
    parser.add_argument("--python", default=str(ROOT / ".venv/bin/python"))
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--variant", default="base", choices=("base", "no_events", "first_leg_first"))
    args = parser.parse_args()
    args.port = 0
    p2.WORK.mkdir(parents=True, exist_ok=True)
    stack = p2.Stack(args)
    env = stack.env
    try:
        p2.prepare_database(args.python, env)
        stack.simulator()
        setup = subprocess.run(
            [args.python, "-m", "bench.p2_first_order", "_setup", str(args.users)],
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        if setup.returncode:
            raise RuntimeError(setup.stderr.decode()[-3000:])
        data = json.loads(setup.stdout.decode().strip().splitlines()[-1])
        os.environ.update({k: v for k, v in env.items() if k != "P2_TRACE_DIR"})
        os.environ["P2_SIM_URL"] = env["SIMULATOR_URL"]
        run(args, data)
    finally:
        stack.stop()


def run(args: argparse.Namespace, data: dict) -> None:  # type: ignore[type-arg]
    import django

    django.setup()
    from datetime import UTC, datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from trading.execution.services import orders as services_orders
    from trading.execution.tasks import place_order, place_orders
    from trading.positions.models import DCAOrder
    from trading.queue.services.processing import signal_process
    from trading.queue.tasks import process_signal
    from trading.signals.services import signal_ingest

    delayed: list[dict] = []  # type: ignore[type-arg]
    for task in (place_order, place_orders, process_signal):
        task.delay = lambda **kw: delayed.append(kw)  # type: ignore[method-assign]
    if args.variant == "no_events":
        from notifications import events

        events.send = lambda *a, **k: None
    if args.variant == "first_leg_first":
        from django.db import transaction

        original = services_orders.place_after_commit

        def place_first_first(orders):  # type: ignore[no-untyped-def]
            # Register the first order's hook at the head of the queue of on-commit hooks.
            conn = transaction.get_connection()
            before = list(conn.run_on_commit)
            conn.run_on_commit = []
            original(orders)
            conn.run_on_commit = conn.run_on_commit[:1] + before + conn.run_on_commit[1:]

        import trading.queue.services.processing as sp

        sp.place_after_commit = place_first_first

    traders = {t["user_id"]: User.objects.get(pk=t["user_id"]) for t in data["traders"]}
    keys = p2.Keys(data["traders"])
    prices = p2.entry_prices(data["state"])
    keys.n = 100_000  # timeframes away from those of bench.p2_first_order runs in the same DB
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    totals: dict[str, list[float]] = {
        "ingest": [],
        "process_signal (to first ack)": [],
        "other legs each": [],
    }
    queries: dict[str, list[int]] = {"ingest": [], "process_signal": [], "other legs each": []}
    profiler = cProfile.Profile() if args.cprofile else None
    for i, (trader, symbol, tf) in enumerate(keys.take(args.signals + 20)):
        body = json.loads(p2.body(trader, symbol, tf, prices[symbol], f"inproc-{time.time()}-{i}", stamp))
        user = traders[trader["user_id"]]
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            result = signal_ingest(user=user, body=body)
            t1 = time.perf_counter()
        warm = i >= 20
        if warm:
            totals["ingest"].append((t1 - t0) * 1000)
            queries["ingest"].append(len(q))
        delayed.clear()
        if profiler and warm:
            profiler.enable()
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            signal_process(signal_id=str(result.signal_id))
            t1 = time.perf_counter()
        if warm:
            totals["process_signal (to first ack)"].append((t1 - t0) * 1000)
            queries["process_signal"].append(len(q))
        # The rest of the grid: one `place_orders(order_ids=[...])` (or a `place_order` each).
        later = [oid for kw in delayed for oid in kw.get("order_ids", [kw.get("order_id")]) if oid]
        for order_id in later:
            with CaptureQueriesContext(connection) as q:
                t0 = time.perf_counter()
                services_orders.order_place(order_id=order_id)
                t1 = time.perf_counter()
            if warm:
                totals["other legs each"].append((t1 - t0) * 1000)
                queries["other legs each"].append(len(q))
        if profiler and warm:
            profiler.disable()
    acked = DCAOrder.objects.filter(client_order_id__startswith="tf", acknowledged_at__isnull=False).count()
    print(
        f"variant {args.variant}, {args.signals} signals (after 20 warm-up), "
        f"python {sys.executable}; acked rows {acked}"
    )
    print("| step | p50 ms | p90 ms | mean ms | SQL statements |")
    print("|---|---|---|---|---|")
    for (name, values), qn in zip(totals.items(), queries.values(), strict=True):
        if not values:
            print(f"| {name} | - | - | - | - |")
            continue
        values.sort()
        print(
            f"| {name} | {values[len(values) // 2]:.2f} | {values[int(len(values) * 0.9)]:.2f} | "
            f"{statistics.fmean(values):.2f} | {statistics.fmean(qn):.1f} |"
        )
    if profiler:
        out = p2.WORK / f"inprocess-{args.variant}.prof"
        profiler.dump_stats(out)
        stats = pstats.Stats(str(out))
        stats.sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
