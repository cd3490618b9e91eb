"""The per-process recorder, the minutely platform sample and the retention of the rows."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps

from config.metrics_events import ORDERS
from ops.monitoring.models import MetricMinute
from ops.monitoring.recorder import recorder, recorder_start, recorder_stop
from ops.monitoring.sampling import metrics_prune, platform_sample


def test_a_second_flush_writes_only_what_happened_since(db, web_recorder) -> None:
    ORDERS.labels("kraken", "placed").inc(3)
    web_recorder.flush()
    ORDERS.labels("kraken", "placed").inc()
    web_recorder.flush()
    web_recorder.flush()

    rows = MetricMinute.objects.filter(metric="tradefleet_orders", labels__contains="kraken")
    assert sorted(rows.values_list("value", flat=True)) == [1.0, 3.0]
    assert MetricMinute.objects.filter(metric="process_rss_bytes", process=web_recorder.process).count() == 3


def test_the_api_shows_this_processs_minute_before_it_is_flushed(admin_api, settings) -> None:
    settings.MONITORING_FLUSH_SECONDS = 3600  # started, but no flush during the test
    rec = recorder_start("web")
    try:
        assert rec is not None
        rec.flushed = {}
        ORDERS.labels("bybit", "failed").inc(2)
        body = admin_api.get("/api/v1/admin/performance").json()
        orders = next(p for p in body["panels"] if p["key"] == "orders")
        bybit = next(r for r in orders["rows"] if r[0] == "bybit")
        assert bybit[2] >= 2
    finally:
        recorder_stop()


@pytest.mark.django_db(transaction=True)
def test_a_started_process_flushes_on_its_own(settings) -> None:
    settings.MONITORING_FLUSH_SECONDS = 1
    rec = recorder_start("worker")
    try:
        assert rec is not None
        assert recorder() is rec
        assert recorder_start("web") is rec  # once per process
        deadline = time.monotonic() + 10
        while not MetricMinute.objects.filter(process=rec.process, metric="process_rss_bytes").exists():
            assert time.monotonic() < deadline, "no flush within 10 s"
            time.sleep(0.2)
        assert MetricMinute.objects.filter(process=rec.process).first().kind == (
            "web" if settings.EMBEDDED else "worker"
        )
    finally:
        recorder_stop()


def test_no_flusher_when_the_interval_is_zero(settings) -> None:
    settings.MONITORING_FLUSH_SECONDS = 0
    assert recorder_start("web") is None
    assert recorder() is None


def test_the_platform_sample_records_queues_and_service_heartbeats(trader, other_trader) -> None:
    now = datetime.now(tz=UTC)
    status = apps.get_model("trading", "ServiceStatus")
    status.objects.update_or_create(user=trader, defaults={"running": True, "last_heartbeat": now})
    status.objects.update_or_create(
        user=other_trader, defaults={"running": True, "last_heartbeat": now - timedelta(minutes=10)}
    )

    platform_sample(now=now)

    up = dict(MetricMinute.objects.filter(metric="service_up").values_list("labels", "value"))
    assert up == {f'{{"user":"{trader.pk}"}}': 1.0, f'{{"user":"{other_trader.pk}"}}': 0.0}
    queues = MetricMinute.objects.filter(metric="queue_depth")
    assert queues.filter(labels='{"queue":"celery"}').exists()
    assert all(depth >= 0 for depth in queues.values_list("value", flat=True))


def test_rows_older_than_the_keep_days_are_pruned(db, settings) -> None:
    settings.MONITORING_KEEP_DAYS = 8
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    for age in (timedelta(days=9), timedelta(days=8, minutes=1), timedelta(days=7, hours=23), timedelta(0)):
        MetricMinute.objects.create(minute=now - age, kind="web", process="w:1", metric="m", value=1)

    assert metrics_prune(now=now) == 2
    assert MetricMinute.objects.filter(process="w:1").count() == 2


def test_the_beat_tasks_run_and_pause_during_a_restore(admin_user) -> None:
    from config import maintenance
    from ops.monitoring import tasks

    MetricMinute.objects.create(
        minute=datetime.now(tz=UTC),
        kind="beat",
        process="b:1",
        metric="queue_depth",
        labels='{"queue":"celery"}',
        value=9999,
    )
    maintenance.begin("restore")
    try:
        assert tasks.sample_platform.apply().get() == 0
        assert tasks.evaluate_alerts.apply().get() == []
    finally:
        maintenance.end()
    assert tasks.evaluate_alerts.apply().get() == ["queue_depth"]
    assert tasks.sample_platform.apply().get() >= 1
    assert tasks.prune_metrics.apply().get() == 0
