"""GET /api/v1/admin/performance: admins only, every panel present, percentiles and rates that
match what the processes recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from brokers.ratelimit_metrics import RATELIMIT_WAIT
from config.metrics_events import ORDERS, SIGNAL_TO_ORDER
from config.metrics_http import HTTP_LATENCY
from ops.monitoring.models import MetricMinute
from ops.monitoring.recorder import labels_key

URL = "/api/v1/admin/performance"
PANELS = [
    "api_latency",
    "api_endpoints",
    "webhook_rate",
    "webhook_latency",
    "signal_to_order",
    "queue_depth",
    "task_durations",
    "orders",
    "ratelimit_waits",
    "service_uptime",
    "process_memory",
    "process_cpu",
    "db_query_time",
]


def panel(body: dict, key: str) -> dict:
    return next(p for p in body["panels"] if p["key"] == key)


def series(body: dict, key: str, label: str) -> list:
    return next(s for s in panel(body, key)["series"] if s["label"] == label)["points"]


def values(points: list) -> list:
    return [v for _, v in points if v is not None]


def test_a_trader_is_refused(api) -> None:
    assert api.get(URL).status_code == 403


def test_every_panel_is_there_on_an_empty_platform(admin_api) -> None:
    body = admin_api.get(URL).json()
    assert body["window"] == "hour"
    assert body["step_seconds"] == 60
    assert [p["key"] for p in body["panels"]] == PANELS
    latency = panel(body, "api_latency")
    assert latency["unit"] == "ms"
    assert [s["label"] for s in latency["series"]] == ["p50", "p95", "p99"]
    assert len(latency["series"][0]["points"]) == 60
    assert panel(body, "api_endpoints")["columns"] == ["Endpoint", "Requests", "p50", "p95", "p99"]
    assert panel(body, "orders")["rows"] == []


@pytest.mark.parametrize(("window", "step", "points"), [("day", 300, 288), ("week", 3600, 168)])
def test_the_day_and_week_windows_have_their_steps(admin_api, window, step, points) -> None:
    body = admin_api.get(URL, {"window": window}).json()
    assert body["step_seconds"] == step
    assert len(series(body, "db_query_time", "p99")) == points
    first, last = series(body, "db_query_time", "p99")[0][0], series(body, "db_query_time", "p99")[-1][0]
    span = datetime.fromisoformat(last) - datetime.fromisoformat(first)
    assert span == timedelta(seconds=step * (points - 1))


def test_an_unknown_window_is_a_field_error(admin_api) -> None:
    response = admin_api.get(URL, {"window": "year"})
    assert response.status_code == 400
    assert "window" in response.json()["errors"]


def test_percentiles_fall_in_the_buckets_of_known_latencies(admin_api, web_recorder) -> None:
    # 90 answers of 20 ms and 10 of 600 ms: p50 in the 10-25 ms bucket, p99 in 500-750 ms.
    known = HTTP_LATENCY.labels("GET", "/api/v1/known")
    for _ in range(90):
        known.observe(0.020)
    for _ in range(10):
        known.observe(0.600)
    web_recorder.flush()

    body = admin_api.get(URL).json()
    row = next(r for r in panel(body, "api_endpoints")["rows"] if r[0] == "GET /api/v1/known")
    _, requests, p50, p95, p99 = row
    assert requests == 100
    assert 10 < p50 <= 25
    assert 500 < p95 <= 750
    assert 500 < p99 <= 750
    assert values(series(body, "api_latency", "p99"))


def test_requests_through_the_api_are_counted_by_route_not_by_id(admin_api, web_recorder) -> None:
    for _ in range(100):
        assert admin_api.get("/api/v1/admin/alerts").status_code == 200
    admin_api.patch("/api/v1/admin/alerts/queue_depth", {"enabled": True}, format="json")
    admin_api.patch("/api/v1/admin/alerts/api_p99", {"enabled": True}, format="json")
    web_recorder.flush()

    rows = {r[0]: r for r in panel(admin_api.get(URL).json(), "api_endpoints")["rows"]}
    assert rows["GET /api/v1/admin/alerts"][1] == 100
    assert rows["PATCH /api/v1/admin/alerts/<str:key>"][1] == 2
    assert all(p is not None and p > 0 for p in rows["GET /api/v1/admin/alerts"][2:])


def test_webhooks_show_as_ingest_rate_and_latency(admin_api, anon, trader, web_recorder) -> None:
    for _ in range(12):
        anon.post(f"/api/v1/webhooks/{trader.pk}", {"secret": "wrong"}, format="json")
    web_recorder.flush()

    body = admin_api.get(URL).json()
    assert sum(values(series(body, "webhook_rate", "requests"))) == 12
    assert values(series(body, "webhook_latency", "p50"))
    # The webhooks are API requests too, but not the only ones shown.
    assert any(r[0].startswith("POST /api/v1/webhooks/") for r in panel(body, "api_endpoints")["rows"])


def test_orders_signal_latency_and_rate_limit_waits(admin_api, web_recorder) -> None:
    for _ in range(8):
        ORDERS.labels("binance", "placed").inc()
    for _ in range(2):
        ORDERS.labels("binance", "failed").inc()
    SIGNAL_TO_ORDER.observe(0.3)
    for _ in range(3):
        RATELIMIT_WAIT.labels("binance").observe(0.2)
    web_recorder.flush()

    body = admin_api.get(URL).json()
    assert panel(body, "orders")["rows"] == [["binance", 8, 2, 20.0]]
    assert 250 < values(series(body, "signal_to_order", "p50"))[0] <= 500
    assert sum(values(series(body, "ratelimit_waits", "waits/min"))) == 3
    assert 100 < values(series(body, "ratelimit_waits", "p95 wait ms"))[0] <= 250


def test_memory_cpu_and_query_time_of_a_flushing_process(admin_api, web_recorder) -> None:
    admin_api.get("/api/v1/admin/alerts")  # a few queries
    web_recorder.flush()
    web_recorder.flush()

    body = admin_api.get(URL).json()
    memory = series(body, "process_memory", "web")
    assert 10 < values(memory)[-1] < 10_000  # MB of this test process
    assert values(series(body, "process_cpu", "web"))
    assert values(series(body, "db_query_time", "p50"))


def test_queue_depth_and_uptime_from_the_samples(admin_api, trader) -> None:
    now = datetime.now(tz=UTC).replace(second=0, microsecond=0)
    for minutes, depth in ((3, 4), (2, 40), (1, 7)):
        MetricMinute.objects.create(
            minute=now - timedelta(minutes=minutes),
            kind="beat",
            process="beat:1",
            metric="queue_depth",
            labels=labels_key({"queue": "celery"}),
            value=depth,
        )
    for minutes, up in ((3, 1), (2, 1), (1, 0), (0, 1)):
        MetricMinute.objects.create(
            minute=now - timedelta(minutes=minutes),
            kind="beat",
            process="beat:1",
            metric="service_up",
            labels=labels_key({"user": str(trader.pk)}),
            value=up,
        )

    body = admin_api.get(URL).json()
    assert values(series(body, "queue_depth", "celery"))[-3:] == [4, 40, 7]
    assert panel(body, "service_uptime")["rows"] == [[trader.username, 75.0, None]]
