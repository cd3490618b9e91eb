"""Summarise py-spy's collapsed stacks (`-f raw`) of the P2 workers.

    .venv/bin/python -m bench.p2_profile [/tmp/tf-p2/profile-worker-*.txt ...]

Prints, over all files: the share of samples per task, inclusive shares of the functions of
interest on the order path, and the top self-time functions. Idle samples (the pool waiting for
a message) are counted apart.
"""

from __future__ import annotations

import glob
import re
import sys
from collections import Counter

# (label, substring of a frame "func (file:line)")
INTEREST = [
    ("process_signal task", "process_signal (trading/queue/tasks.py"),
    ("place_order task (legs 2..n)", "place_order (trading/execution/tasks.py"),
    ("signal_process: inside the transaction", "_dispatch (trading/queue/services/processing.py"),
    ("  routes_for (accounts, DCA configs)", "routes_for (trading/signals/routing.py"),
    ("  _market (adapter.market)", "_market (trading/queue/services/processing.py"),
    ("  compute_grid", "compute_grid (trading/dca/grid.py"),
    ("  _open_group (INSERT group)", "_open_group (trading/queue/services/processing.py"),
    ("  group_refresh", "group_refresh (trading/positions/services.py"),
    ("  dca_config_snapshot", "dca_config_snapshot (trading/dca/services.py"),
    ("  market_to_json", "market_to_json (brokers/markets.py"),
    ("on_commit callbacks", "run_and_clear_commit_hooks"),
    ("  order_place (claim + HTTP + apply)", "order_place (trading/execution/services/orders.py"),
    ("    _claim", "_claim (trading/execution/services/orders.py"),
    ("    create_order (ccxt, HTTP)", "create_order (brokers/adapters/ccxt_adapter.py"),
    ("      ccxt sign/parse (binance.py)", "ccxt/binance.py"),
    ("      rate limiter (Redis Lua)", "brokers/ratelimit.py"),
    ("      HTTP (requests/urllib3)", "requests/sessions.py"),
    ("    order_apply", "order_apply (trading/execution/services/fills.py"),
    ("  task.delay() (publish to Redis)", "delay (celery/app/task.py"),
    ("  live events (channel layer send)", "send (notifications/events.py"),
    ("Django SQL compile", "as_sql (django/db/models/sql/compiler.py"),
    ("psycopg execute (DB round trips)", "execute (psycopg/cursor.py"),
    ("logging", "logging/__init__.py"),
    ("prometheus metrics", "prometheus_client"),
]
FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:]+):(?P<line>\d+)\)$")
IDLE = ("poll (", "select (", "_recv", "wait (threading.py", "recv_into", "readinto")


def short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def main(paths: list[str]) -> None:
    # The benchmark's own work directory (bench/p2_first_order.py writes the profiles there).
    paths = paths or sorted(glob.glob("/tmp/tf-p2/profile-worker-*.txt"))  # noqa: S108
    total = 0
    busy = 0
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    for path in paths:
        for line in open(path):
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = [short(f) for f in stack.split(";")]
            total += n
            in_task = any("trace_task (celery/app/trace.py" in f for f in frames)
            if not in_task:
                continue
            busy += n
            joined = ";".join(frames)
            for label, needle in INTEREST:
                if needle in joined:
                    inclusive[label] += n
            self_time[frames[-1]] += n
    print(f"samples: {total}, inside a task: {busy} ({100 * busy / max(total, 1):.0f} %)\n")
    print("| on the task path | % of task samples |")
    print("|---|---|")
    for label, _ in INTEREST:
        print(f"| {label} | {100 * inclusive[label] / max(busy, 1):.1f} |")
    print("\n| top self time (inside tasks) | % |")
    print("|---|---|")
    for frame, n in self_time.most_common(25):
        print(f"| {frame} | {100 * n / max(busy, 1):.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
