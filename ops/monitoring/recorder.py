"""Each web and worker process writes what its own Prometheus registry counted into MetricMinute,
as per-minute increases, from a thread of its own (every MONITORING_FLUSH_SECONDS; 0: never).

Why per process: beat reaches one worker, not every process, and each process only knows its
own counters. Why increases: a percentile over an hour is then the sum of the minutes' bucket
increases, whatever the processes that served them (histogram_quantile over the sum, as
Prometheus does with rate()). Also written: the process's memory (RSS) and CPU use."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from prometheus_client import REGISTRY

from config.metrics_events import PROCESS_CPU, PROCESS_RSS

logger = logging.getLogger(__name__)

PREFIX = "tradefleet_"
# Exported for Prometheus only: the rows hold the same as process_rss_bytes / process_cpu_percent.
NOT_ROLLED_UP = frozenset({"tradefleet_process_cpu_seconds"})
RSS = "process_rss_bytes"
CPU = "process_cpu_percent"


@dataclass
class Sample:
    """One metric's state in this process: a counter's value, or a histogram's count, sum and
    cumulative buckets."""

    value: float
    total: float | None = None
    buckets: dict[str, float] | None = None


@dataclass
class Row:
    metric: str
    labels: str
    value: float
    total: float | None = None
    buckets: dict[str, float] | None = None


def labels_key(labels: dict[str, str]) -> str:
    return json.dumps(labels, sort_keys=True, separators=(",", ":")) if labels else ""


def registry_snapshot(registry: Any = REGISTRY) -> dict[tuple[str, str], Sample]:
    """This process's counters and histograms named tradefleet_*, by (metric, labels)."""
    found: dict[tuple[str, str], Sample] = {}
    for family in registry.collect():
        if not family.name.startswith(PREFIX) or family.type not in ("counter", "histogram"):
            continue
        if family.name in NOT_ROLLED_UP:
            continue
        for sample in family.samples:
            labels = {k: v for k, v in sample.labels.items() if k != "le"}
            key = (family.name, labels_key(labels))
            if family.type == "counter":
                if sample.name.endswith("_total"):
                    found[key] = Sample(value=sample.value)
                continue
            entry = found.setdefault(key, Sample(value=0.0, total=0.0, buckets={}))
            if sample.name.endswith("_bucket") and entry.buckets is not None:
                entry.buckets[sample.labels["le"]] = sample.value
            elif sample.name.endswith("_count"):
                entry.value = sample.value
            elif sample.name.endswith("_sum"):
                entry.total = sample.value
    return found


def increases(before: dict[tuple[str, str], Sample], now: dict[tuple[str, str], Sample]) -> list[Row]:
    """What changed between two snapshots; a value that went down (a reset) counts from zero."""
    rows: list[Row] = []
    for (metric, labels), cur in now.items():
        old = before.get((metric, labels))
        if old is None or cur.value < old.value:
            old = Sample(value=0.0, total=0.0 if cur.total is not None else None, buckets={})
        delta = cur.value - old.value
        if delta <= 0:
            continue
        if cur.buckets is None:
            rows.append(Row(metric, labels, delta))
            continue
        previous = old.buckets or {}
        buckets = {le: count - previous.get(le, 0.0) for le, count in cur.buckets.items()}
        rows.append(Row(metric, labels, delta, (cur.total or 0.0) - (old.total or 0.0), buckets))
    return rows


def rss_bytes() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return float(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError):
        import resource

        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class Recorder:
    kind: str
    pid: int = field(default_factory=os.getpid)
    process: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}"[:80])
    flushed: dict[tuple[str, str], Sample] = field(default_factory=dict)
    cpu_at: tuple[float, float] = field(default_factory=lambda: (time.monotonic(), cpu_seconds()))
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)

    def pending(self) -> list[Row]:
        """What this process counted since its last flush (the dashboard's current minute)."""
        return increases(self.flushed, registry_snapshot())

    def _process_rows(self) -> list[Row]:
        wall, cpu = time.monotonic(), cpu_seconds()
        then_wall, then_cpu = self.cpu_at
        self.cpu_at = (wall, cpu)
        rss = rss_bytes()
        rows = [Row(RSS, "", rss)]
        PROCESS_RSS.labels(self.kind).set(rss)
        if wall > then_wall:
            rows.append(Row(CPU, "", max(0.0, (cpu - then_cpu) / (wall - then_wall) * 100)))
        if cpu > then_cpu:
            PROCESS_CPU.labels(self.kind).inc(cpu - then_cpu)
        return rows

    def flush(self, *, now: datetime | None = None) -> int:
        """Write the increases since the last flush (and this process's memory and CPU) as rows
        of the current minute. Returns the number of rows written."""
        from .models import MetricMinute

        with self.lock:
            snapshot = registry_snapshot()
            rows = increases(self.flushed, snapshot) + self._process_rows()
            minute = minute_of(now or datetime.now(tz=UTC))
            MetricMinute.objects.bulk_create(
                MetricMinute(
                    minute=minute,
                    kind=self.kind,
                    process=self.process,
                    metric=row.metric[:80],
                    labels=row.labels,
                    value=row.value,
                    total=row.total,
                    buckets=row.buckets,
                )
                for row in rows
            )
            self.flushed = snapshot  # only once written: a failed write is retried with the next
            return len(rows)


_recorder: Recorder | None = None
_start_lock = threading.Lock()


def recorder() -> Recorder | None:
    """This process's recorder, if one was started here (not inherited through a fork)."""
    current = _recorder
    return current if current is not None and current.pid == os.getpid() else None


def flush_seconds() -> float:
    return float(getattr(settings, "MONITORING_FLUSH_SECONDS", 60))


def recorder_start(kind: str) -> Recorder | None:
    """Start this process's flusher thread once (later calls, whatever their kind, return it).
    In embedded mode the one process is the web server and the worker: it is "web"."""
    global _recorder
    if flush_seconds() <= 0:
        return None
    existing = recorder()
    if existing is not None:
        return existing
    with _start_lock:
        existing = recorder()
        if existing is not None:
            return existing
        kind = "web" if getattr(settings, "EMBEDDED", False) else kind
        inherited = _recorder.flushed if _recorder is not None else {}
        # A forked child keeps what its parent had written (its counters hold the same values).
        _recorder = Recorder(kind=kind, flushed=dict(inherited))
        thread = threading.Thread(
            target=_flush_forever, args=(_recorder,), name="metrics-flusher", daemon=True
        )
        thread.start()
        logger.info("metrics flusher started (%s, every %s s)", kind, flush_seconds())
        return _recorder


def recorder_stop() -> None:
    """Stop this process's flusher (tests; a process that ends simply exits)."""
    global _recorder
    current = recorder()
    if current is not None:
        current.stopped.set()
    _recorder = None


def _flush_forever(rec: Recorder) -> None:
    from django.db import close_old_connections

    while rec.pid == os.getpid():
        every = max(1.0, flush_seconds())
        if rec.stopped.wait(every - (time.time() % every)):  # on the minute when every minute
            return
        try:
            close_old_connections()
            rec.flush()
        except Exception:
            # The next flush carries these increases; the dashboard shows a gap meanwhile.
            logger.warning("metrics flush failed", exc_info=True)
