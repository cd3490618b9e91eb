"""Where one order's placement CPU goes, in one process without Celery (benchmark P4's companion).

    /tmp/venv-deb/bin/python -m bench.p4_inprocess --python /tmp/venv-deb/bin/python --orders 500
    /tmp/venv-deb/bin/python -m bench.p4_inprocess --orders 500 --cprofile 30

Starts the simulator (no latency), seeds the traders and `--orders` pending limit buys as
bench.p4_orders does, then calls `order_place` for each in this process and reports CPU
(`time.process_time`, every thread of the process: the service-log writer and the live-event
loop included) and wall time per order. With `--as-task` each call goes through the task's own
body (`place_order(...)`: the house task wrapper, its log line and metrics), still without a
broker. `--cprofile N` prints the N most expensive functions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import time

from bench import p4_orders


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", default=str(p4_orders.ROOT / ".venv/bin/python"))
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--db", default="tf_bench_p4")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6390/0")
    parser.add_argument("--sim-port", type=int, default=9049)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--as-task", action="store_true", help="through place_order's task body")
    parser.add_argument("--cprofile", type=int, default=0, help="print this many functions")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--shared-limit", action="store_true")
    args = parser.parse_args()
    args.jitter_ms = 0.0

    p4_orders.WORK.mkdir(parents=True, exist_ok=True)
    for sub in ("prom", "var"):
        shutil.rmtree(p4_orders.WORK / sub, ignore_errors=True)
        (p4_orders.WORK / sub).mkdir(parents=True)
    stack = p4_orders.Stack(args)
    try:
        stack.redis()
        p4_orders.prepare_database(args, stack.env)
        p4_orders.flush_redis(args.redis_url)
        p4_orders.django_setup(p4_orders.base_env(args))
        stack.simulator()
        from brokers.services_simulator import simulator_control
        from notifications.events import start_background_loop
        from trading.execution.services.orders import order_place
        from trading.execution.tasks import place_order

        start_background_loop()  # as every worker process does (config/celery.py)
        simulator_control().set_faults(latency_ms=args.latency_ms)
        accounts = p4_orders.seed_traders(args.users)
        warm = p4_orders.seed_orders(accounts, args.warmup, args.seed + 1, p4_orders.WARMUP_TAG)
        ids = p4_orders.seed_orders(accounts, args.orders, args.seed, p4_orders.MEASURED_TAG)
        from trading.positions.models import DCAOrder

        owners = {str(k): str(v) for k, v in DCAOrder.objects.values_list("pk", "user_id")}

        def place(order_id: str) -> None:
            if args.as_task:
                place_order(order_id=order_id, user_id=owners[order_id])  # the task body, in-process
            else:
                order_place(order_id=order_id)

        for order_id in warm:
            place(order_id)
        time.sleep(1)  # the log writer's and event loop's backlog of the warm-up out of the way
        profiler = cProfile.Profile() if args.cprofile else None
        cpu: list[float] = []
        wall: list[float] = []
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for order_id in ids:
            c, w = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            place(order_id)
            if profiler:
                profiler.disable()
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
        time.sleep(1)  # let the background threads finish what these orders gave them
        total_cpu = (time.process_time() - cpu0) * 1000
        total_wall = (time.perf_counter() - wall0) * 1000
        rows = p4_orders.wait_done(ids, 10, p4_orders.MEASURED_TAG)
        acked = sum(1 for r in rows.values() if r["acked"])
        print(f"{acked}/{len(ids)} acknowledged ({'task body' if args.as_task else 'order_place'})")
        print(
            f"per order: CPU {statistics.fmean(cpu):.2f} ms in the call (p50 {p4_orders.pct(cpu, 50):.2f}), "
            f"{total_cpu / len(ids):.2f} ms with background threads; "
            f"wall {statistics.fmean(wall):.2f} ms (p50 {p4_orders.pct(wall, 50):.2f}) "
            f"[{total_wall / len(ids):.2f} incl. the final second]"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.cprofile)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.cprofile)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
