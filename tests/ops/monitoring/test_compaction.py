"""Minute rows older than a day become hourly rows; the week view reads the same figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ops.monitoring.compaction import metrics_compact
from ops.monitoring.models import MetricMinute
from ops.monitoring.recorder import labels_key
from ops.monitoring.selectors import performance
from ops.monitoring.windows import WINDOWS

HTTP = "tradefleet_http_request_duration_seconds"
ROUTE = labels_key({"method": "GET", "route": "/api/v1/positions"})


def endpoint_row(now: datetime) -> list:
    body = performance(window=WINDOWS["week"], now=now)
    table = next(p for p in body["panels"] if p["key"] == "api_endpoints")
    return table["rows"]


def test_old_minutes_are_compacted_into_hours_with_the_same_figures(db) -> None:
    now = datetime.now(tz=UTC).replace(second=0, microsecond=0)
    hour = (now - timedelta(days=2)).replace(minute=0)
    for minute in range(60):
        at = hour + timedelta(minutes=minute)
        slow = minute % 10 == 0
        MetricMinute.objects.create(
            minute=at,
            kind="web",
            process="w:1",
            metric=HTTP,
            labels=ROUTE,
            value=2,
            total=0.2,
            buckets={"0.05": 1, "0.5": 1 if slow else 2, "+Inf": 2},
        )
        MetricMinute.objects.create(
            minute=at, kind="web", process="w:1", metric="process_rss_bytes", value=100 + minute
        )
        MetricMinute.objects.create(
            minute=at,
            kind="beat",
            process="b:1",
            metric="queue_depth",
            labels=labels_key({"queue": "celery"}),
            value=minute,
        )
    recent = MetricMinute.objects.create(
        minute=now,
        kind="web",
        process="w:1",
        metric=HTTP,
        labels=ROUTE,
        value=1,
        total=0.01,
        buckets={"0.05": 1, "0.5": 1, "+Inf": 1},
    )
    before = endpoint_row(now)

    assert metrics_compact(now=now) == 2 * 59
    assert metrics_compact(now=now) == 0  # nothing left to compact

    assert endpoint_row(now) == before
    assert before[0][1] == 121
    http = MetricMinute.objects.get(metric=HTTP, minute=hour)
    assert (http.value, http.buckets) == (120.0, {"0.05": 60.0, "0.5": 114.0, "+Inf": 120.0})
    assert MetricMinute.objects.get(metric="process_rss_bytes").value == 129.5  # the hour's average
    assert MetricMinute.objects.filter(metric="queue_depth").count() == 60  # samples stay
    assert MetricMinute.objects.filter(pk=recent.pk).exists()  # younger than a day: untouched
