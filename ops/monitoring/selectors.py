"""The performance dashboard's panels (GET /api/v1/admin/performance): every panel is present
even when it has no data, one point per step of the window, null where nothing was recorded."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from django.apps import apps

from accounts.models import User

from .quantiles import bucket_add
from .readings import (
    Reading,
    Steps,
    gauge_by_process,
    gauge_max,
    percentile_series,
    percentiles_ms,
    rate_series,
    readings,
)
from .recorder import CPU, RSS
from .windows import Window

HTTP = "tradefleet_http_request_duration_seconds"
DB = "tradefleet_db_query_duration_seconds"
TASK_DURATION = "tradefleet_task_duration_seconds"
TASK_OUTCOMES = "tradefleet_task_outcomes"
WEBHOOK_SIGNALS = "tradefleet_webhook_signals"
SIGNAL_TO_ORDER = "tradefleet_signal_to_order_seconds"
ORDERS = "tradefleet_orders"
RATELIMIT_WAIT = "tradefleet_ratelimit_wait_seconds"
QUEUE_DEPTH = "queue_depth"
SERVICE_UP = "service_up"
WEBHOOK_ROUTE = "/api/v1/webhooks/"
ENDPOINT_ROWS = 50
MB = 1 / (1024 * 1024)


def lines(key: str, title: str, unit: str, series: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "title": title, "unit": unit, "kind": "lines", "series": series}


def table(key: str, title: str, unit: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"key": key, "title": title, "unit": unit, "kind": "table", "columns": columns, "rows": rows}


def _route(row: Reading) -> str:
    return f"{row.labels.get('method', '')} {row.labels.get('route', '')}".strip()


def _is_webhook(row: Reading) -> bool:
    return row.labels.get("route", "").startswith(WEBHOOK_ROUTE)


def api_endpoints(rows: list[Reading]) -> list[list[Any]]:
    counts: dict[str, float] = defaultdict(float)
    buckets: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        name = _route(row)
        counts[name] += row.value
        bucket_add(buckets[name], row.buckets or {})
    busiest = sorted(counts, key=lambda name: (-counts[name], name))[:ENDPOINT_ROWS]
    return [[name, int(counts[name]), *percentiles_ms(buckets[name])] for name in busiest]


def task_durations(durations: list[Reading], outcomes: list[Reading]) -> list[list[Any]]:
    runs: dict[str, float] = defaultdict(float)
    buckets: dict[str, dict[str, float]] = defaultdict(dict)
    failures: dict[str, float] = defaultdict(float)
    for row in durations:
        task = row.labels.get("task", "")
        runs[task] += row.value
        bucket_add(buckets[task], row.buckets or {})
    for row in outcomes:
        if row.labels.get("outcome") == "failure":
            failures[row.labels.get("task", "")] += row.value
    names = sorted(set(runs) | set(failures), key=lambda t: (-runs[t], t))
    return [[t, int(runs[t]), int(failures[t]), *percentiles_ms(buckets[t])] for t in names]


def order_counts(rows: list[Reading]) -> dict[str, dict[str, float]]:
    by_exchange: dict[str, dict[str, float]] = defaultdict(lambda: {"placed": 0.0, "failed": 0.0})
    for row in rows:
        outcome = row.labels.get("outcome", "")
        if outcome in ("placed", "failed"):
            by_exchange[row.labels.get("exchange", "")][outcome] += row.value
    return by_exchange


def failure_rate(placed: float, failed: float) -> float | None:
    attempts = placed + failed
    return round(failed / attempts * 100, 2) if attempts else None


def orders_table(rows: list[Reading]) -> list[list[Any]]:
    counts = order_counts(rows)
    return [
        [exchange, int(c["placed"]), int(c["failed"]), failure_rate(c["placed"], c["failed"])]
        for exchange, c in sorted(counts.items())
    ]


def service_uptime(rows: list[Reading]) -> list[list[Any]]:
    """Per user whose service was sampled in the window: the share of samples with a fresh
    heartbeat, and the heartbeat's last time (read from trading's table by name: ops must not
    import trading)."""
    up: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        acc = up[row.labels.get("user", "")]
        acc[0] += row.value
        acc[1] += 1
    if not up:
        return []
    status_model = apps.get_model("trading", "ServiceStatus")
    # Labels hold the id as text; compare as text whatever the pk's type.
    heartbeats = {
        str(user_id): beat
        for user_id, beat in status_model.objects.filter(user_id__in=list(up)).values_list(
            "user_id", "last_heartbeat"
        )
    }
    names = {str(pk): name for pk, name in User.objects.filter(pk__in=list(up)).values_list("pk", "username")}
    result = []
    for user_id, (ups, samples) in up.items():
        beat = heartbeats.get(user_id)
        result.append(
            [
                names.get(user_id, user_id),
                round(ups / samples * 100, 2),
                beat.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if beat else None,
            ]
        )
    return sorted(result, key=lambda r: (r[1], str(r[0])))


def performance(*, window: Window, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(tz=UTC)
    steps = Steps(window.steps(now), window.step)
    rows = readings(
        [
            HTTP,
            DB,
            TASK_DURATION,
            TASK_OUTCOMES,
            WEBHOOK_SIGNALS,
            SIGNAL_TO_ORDER,
            ORDERS,
            RATELIMIT_WAIT,
            QUEUE_DEPTH,
            SERVICE_UP,
            RSS,
            CPU,
        ],
        start=steps.start,
        end=steps.end,
    )
    by_metric: dict[str, list[Reading]] = defaultdict(list)
    for row in rows:
        by_metric[row.metric].append(row)
    http = by_metric[HTTP]
    api = [r for r in http if r.labels.get("route", "").startswith("/api/")]
    webhooks = [r for r in http if _is_webhook(r)]
    accepted = [r for r in by_metric[WEBHOOK_SIGNALS] if r.labels.get("outcome") == "accepted"]
    waits = by_metric[RATELIMIT_WAIT]
    p95_wait = percentile_series(waits, steps)[1]
    return {
        "window": window.name,
        "step_seconds": int(window.step.total_seconds()),
        "generated_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "panels": [
            lines("api_latency", "API latency", "ms", percentile_series(api, steps)),
            table(
                "api_endpoints",
                "API latency by endpoint",
                "ms",
                ["Endpoint", "Requests", "p50", "p95", "p99"],
                api_endpoints(api),
            ),
            lines(
                "webhook_rate",
                "Webhook ingest rate",
                "/min",
                [rate_series(webhooks, steps, "requests"), rate_series(accepted, steps, "accepted signals")],
            ),
            lines("webhook_latency", "Webhook latency", "ms", percentile_series(webhooks, steps)),
            lines(
                "signal_to_order",
                "Signal to first order",
                "ms",
                percentile_series(by_metric[SIGNAL_TO_ORDER], steps),
            ),
            lines(
                "queue_depth",
                "Celery queue depth",
                "tasks",
                gauge_max(by_metric[QUEUE_DEPTH], steps, group=lambda r: r.labels.get("queue", "")),
            ),
            table(
                "task_durations",
                "Task durations",
                "ms",
                ["Task", "Runs", "Failures", "p50", "p95", "p99"],
                task_durations(by_metric[TASK_DURATION], by_metric[TASK_OUTCOMES]),
            ),
            table(
                "orders",
                "Order placement by exchange",
                "",
                ["Exchange", "Placed", "Failed", "Failure rate %"],
                orders_table(by_metric[ORDERS]),
            ),
            lines(
                "ratelimit_waits",
                "Rate-limiter waits",
                "",
                [rate_series(waits, steps, "waits/min"), {**p95_wait, "label": "p95 wait ms"}],
            ),
            table(
                "service_uptime",
                "Trading service uptime",
                "%",
                ["User", "Uptime %", "Last heartbeat"],
                service_uptime(by_metric[SERVICE_UP]),
            ),
            lines(
                "process_memory",
                "Process memory",
                "MB",
                gauge_by_process(by_metric[RSS], steps, group=lambda r: r.kind, scale=MB),
            ),
            lines(
                "process_cpu",
                "Process CPU",
                "%",
                gauge_by_process(by_metric[CPU], steps, group=lambda r: r.kind),
            ),
            lines("db_query_time", "Database query time", "ms", percentile_series(by_metric[DB], steps)),
        ],
    }
