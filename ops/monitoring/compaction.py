"""Compaction: minute rows of the web and worker processes older than a day become one row per
hour (per process, metric and label set). The week view then reads 168 rows per series instead
of 10,080; the hour and day views, which need minutes, only ever read rows younger than a day.

Counters and histograms add up (value, sum and buckets); the memory and CPU readings are
averaged. The beat sample's rows (queue depths, service heartbeats) stay per minute: a queue's
peak and a service's uptime are read from every sample. Running it twice is harmless: an hour
already compacted has one row per group, which compacts to itself."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import MetricMinute, ProcessKind
from .quantiles import bucket_add
from .recorder import CPU, RSS

# Older than the day window (24 h in 5-minute steps), with an hour to spare.
COMPACT_AFTER = timedelta(hours=25)
AVERAGED = frozenset({RSS, CPU})
KINDS = (ProcessKind.WEB, ProcessKind.WORKER)


def _hour_compact(hour: datetime) -> int:
    """Replace one hour's minute rows by hourly ones. Returns the rows removed."""
    end = hour + timedelta(hours=1)
    with transaction.atomic():
        rows = list(
            MetricMinute.objects.select_for_update().filter(kind__in=KINDS, minute__gte=hour, minute__lt=end)
        )
        groups: dict[tuple[str, str, str, str], list[MetricMinute]] = defaultdict(list)
        for row in rows:
            groups[(row.kind, row.process, row.metric, row.labels)].append(row)
        if len(groups) == len(rows):
            return 0  # already one row per group
        merged = []
        for (kind, process, metric, labels), members in groups.items():
            values = [m.value for m in members]
            buckets: dict[str, float] = {}
            for m in members:
                bucket_add(buckets, m.buckets or {})
            totals = [m.total for m in members if m.total is not None]
            merged.append(
                MetricMinute(
                    minute=hour,
                    kind=kind,
                    process=process,
                    metric=metric,
                    labels=labels,
                    value=sum(values) / len(values) if metric in AVERAGED else sum(values),
                    total=sum(totals) if totals else None,
                    buckets=buckets or None,
                )
            )
        MetricMinute.objects.filter(pk__in=[r.pk for r in rows]).delete()
        MetricMinute.objects.bulk_create(merged)
        return len(rows) - len(merged)


def metrics_compact(*, now: datetime | None = None) -> int:
    """Compact every hour older than COMPACT_AFTER that still has minute rows. Returns the rows
    saved."""
    now = now or timezone.now()
    cutoff = (now - COMPACT_AFTER).replace(minute=0, second=0, microsecond=0)
    hours = (
        MetricMinute.objects.filter(kind__in=KINDS, minute__lt=cutoff)
        .exclude(minute__minute=0)
        .datetimes("minute", "hour")
    )
    return sum(_hour_compact(hour) for hour in hours)
