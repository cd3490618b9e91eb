"""The production Celery app plus tracemalloc, for benchmark P5's leak hunt only.

    celery -A bench.p5_worker worker ...      # instead of `celery -A config worker ...`
    .venv/bin/python -m bench.p5_soak --target stack --tracemalloc ...

Same app, settings and tasks (this module re-exports config.celery's `app`). Each pool process
starts tracemalloc (P5_TRACE_FRAMES frames, default 10) when it starts, takes a snapshot after
P5_FIRST_SNAPSHOT_S seconds (default 600) and one every P5_SNAPSHOT_EVERY_S after that (default
600), and writes `$P5_WORK_DIR/tracemalloc-<pid>-<n>.snap`. `python -m bench.p5_worker DIR`
prints each process's top growth (last snapshot - first) by traceback. tracemalloc costs memory
and time itself: RSS measured with it is not the P5 result.
"""

from __future__ import annotations

import os
import sys
import threading
import tracemalloc
from pathlib import Path
from typing import Any

from celery import signals

from config.celery import app

__all__ = ["app"]

WORK = Path(os.environ.get("P5_WORK_DIR", "/tmp/tf-p5/stack"))  # noqa: S108  benchmark scratch dir


def snapshots() -> None:
    first = float(os.environ.get("P5_FIRST_SNAPSHOT_S", "600"))
    every = float(os.environ.get("P5_SNAPSHOT_EVERY_S", "600"))
    n, stop = 0, threading.Event()
    stop.wait(first)
    while True:
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
        )
        snap.dump(str(WORK / f"tracemalloc-{os.getpid()}-{n:03d}.snap"))
        n += 1
        stop.wait(every)


@signals.worker_process_init.connect
def _start(**_: Any) -> None:
    if tracemalloc.is_tracing():  # bench/p5_embedded.py started it (and its thread) already
        return
    tracemalloc.start(int(os.environ.get("P5_TRACE_FRAMES", "10")))
    threading.Thread(target=snapshots, daemon=True, name="p5-tracemalloc").start()


def report(folder: Path, top: int = 15) -> None:
    by_pid: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("tracemalloc-*.snap")):
        by_pid.setdefault(path.name.split("-")[1], []).append(path)
    for pid, paths in by_pid.items():
        if len(paths) < 2:
            continue
        first, last = tracemalloc.Snapshot.load(str(paths[0])), tracemalloc.Snapshot.load(str(paths[-1]))
        total = sum(s.size for s in last.statistics("filename")) / 1e6
        print(f"\n== pid {pid}: {paths[0].name} -> {paths[-1].name}, traced now {total:.1f} MB")
        for stat in last.compare_to(first, "traceback")[:top]:
            print(
                f"{stat.size_diff / 1e6:+.2f} MB ({stat.count_diff:+d} blocks), now {stat.size / 1e6:.2f} MB"
            )
            for line in stat.traceback.format(limit=6):
                print("    " + line)


if __name__ == "__main__":
    report(Path(sys.argv[1] if len(sys.argv) > 1 else WORK))
