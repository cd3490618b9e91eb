"""Metrics the trading engine observes where the event happens (the dashboard and Prometheus
read them by name)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# From a signal's arrival (its received_at) to its first order acknowledged by the exchange.
SIGNAL_TO_ORDER = Histogram(
    "tradefleet_signal_to_order_seconds",
    "From a signal's arrival to its first order placed on the exchange.",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 3, 5, 10, 30, 60, 300),
)
# Every placement attempt's outcome: placed, or failed (refused, or the exchange unavailable).
ORDERS = Counter(
    "tradefleet_orders_total",
    "Order placement attempts by exchange and outcome (placed, failed).",
    ["exchange", "outcome"],
)
# Rate-limiter waits: brokers/ratelimit_metrics.py.


def order_outcome(exchange: str, *, placed: bool) -> None:
    ORDERS.labels(exchange or "unknown", "placed" if placed else "failed").inc()


# Set by the minutely platform sample (ops/monitoring/sampling.py) in the worker that ran it.
QUEUE_DEPTH = Gauge(
    "tradefleet_celery_queue_depth",
    "Tasks waiting in a Celery queue, sampled every minute.",
    ["queue"],
    multiprocess_mode="livemostrecent",
)
SERVICE_UP = Gauge(
    "tradefleet_service_up",
    "1 when a running user trading service has a fresh heartbeat, 0 when it is stale.",
    ["user_id"],
    multiprocess_mode="livemostrecent",
)
# Set by every process's metrics flusher (ops/monitoring/recorder.py), summed over live processes.
PROCESS_RSS = Gauge(
    "tradefleet_process_resident_bytes",
    "Resident memory of the web and worker processes.",
    ["kind"],
    multiprocess_mode="livesum",
)
PROCESS_CPU = Counter(
    "tradefleet_process_cpu_seconds",
    "CPU time (user + system) of the web and worker processes.",
    ["kind"],
)
