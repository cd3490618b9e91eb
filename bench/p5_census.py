"""A cheap census of one process's memory, for benchmark P5's leak hunt where tracemalloc is too
slow (the `make run` process at 20 webhooks/s).

    .venv/bin/python -m bench.p5_soak --target make-run --duration 2400 --rate 20 --census
    .venv/bin/python -m bench.p5_census /tmp/tf-p5/makerun          # what grew between samples

Every P5_CENSUS_EVERY_S seconds (default 300) a thread appends one JSON line to
$P5_WORK_DIR/census.jsonl: the process's RSS split into anonymous and file-backed memory
(/proc/self/smaps_rollup), glibc's heap (`mallinfo2`: bytes in use and bytes free inside the
arenas, so allocator fragmentation shows apart from live data), CPython's live memory blocks
(`sys.getallocatedblocks`) and the number of live objects of every type with more than 1,000
(gc.get_objects and a count: ~0.1 s per million objects with the GIL held, and a transient
list of them, 10-20 MB at 2.5 million; hence every five minutes, and the harness's own RSS
samples are the figures to quote). Live data that
grows shows in the blocks and a type's count; fragmentation shows in the arenas' free bytes.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

WORK = Path(os.environ.get("P5_WORK_DIR", "/tmp/tf-p5/makerun"))  # noqa: S108  benchmark scratch dir


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mallinfo() -> dict[str, int]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):  # not glibc, or older than 2.33
        return {}
    return {"heap_in_use": info.uordblks, "heap_free": info.fordblks, "mmapped": info.hblkhd}


def _smaps() -> dict[str, int]:
    wanted = {"Rss", "Anonymous", "Pss_Anon", "Pss_File", "Private_Dirty"}
    found: dict[str, int] = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in wanted:
            found[key] = int(rest.split()[0]) * 1024
    return found


def _type_name(kind: type) -> str:
    # str(): a few extension types answer __qualname__ or __module__ with a descriptor.
    return f"{kind.__module__}.{kind.__qualname__}" if isinstance(kind.__qualname__, str) else str(kind)


def sample(started: float) -> dict[str, object]:
    counts = Counter(_type_name(type(o)) for o in gc.get_objects())
    return {
        "t": round(time.monotonic() - started),
        "smaps": _smaps(),
        "malloc": _mallinfo(),
        "blocks": sys.getallocatedblocks(),
        "types": {name: n for name, n in counts.most_common() if n > 1000},
    }


def run() -> None:
    every = float(os.environ.get("P5_CENSUS_EVERY_S", "300"))
    started, stop = time.monotonic(), threading.Event()
    WORK.mkdir(parents=True, exist_ok=True)
    while True:
        with (WORK / "census.jsonl").open("a") as out:
            out.write(json.dumps(sample(started)) + "\n")
        stop.wait(every)


def start() -> None:
    (WORK / "census.jsonl").unlink(missing_ok=True)  # one run's samples only
    threading.Thread(target=run, daemon=True, name="p5-census").start()


def report(folder: Path, top: int = 20) -> None:
    rows = [json.loads(line) for line in (folder / "census.jsonl").read_text().splitlines()]
    mb = 1e6
    print("t s | RSS MB | anonymous MB | heap in use MB | heap free MB | mmapped MB | Python blocks")
    for row in rows:
        s, m = row["smaps"], row["malloc"]
        print(
            f"{row['t']} | {s.get('Rss', 0) / mb:.1f} | {s.get('Anonymous', 0) / mb:.1f} | "
            f"{m.get('heap_in_use', 0) / mb:.1f} | {m.get('heap_free', 0) / mb:.1f} | "
            f"{m.get('mmapped', 0) / mb:.1f} | {row['blocks']:,}"
        )
    if len(rows) < 3:
        return
    # From the second sample on: the first is taken before the load's steady state.
    first, last = rows[1]["types"], rows[-1]["types"]
    grew = sorted(((last.get(k, 0) - first.get(k, 0), k) for k in set(first) | set(last)), reverse=True)
    print(f"\nlive objects, t={rows[1]['t']} s to t={rows[-1]['t']} s (types with over 1,000):")
    for delta, name in grew[:top]:
        print(f"{delta:+10,} {name} ({last.get(name, 0):,} now)")


if __name__ == "__main__":
    report(Path(sys.argv[1]) if len(sys.argv) > 1 else WORK)
