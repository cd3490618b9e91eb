"""Database query time: every connection gets an execute wrapper (installed when it opens) that
observes each statement's duration in one histogram."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from prometheus_client import Histogram

DB_QUERY_TIME = Histogram(
    "tradefleet_db_query_duration_seconds",
    "Time a database statement took, as the application saw it.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
_OBSERVE = DB_QUERY_TIME.observe


def timed_execute(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        _OBSERVE(time.perf_counter() - started)


def _wrap_new_connection(sender: Any, connection: BaseDatabaseWrapper, **_: Any) -> None:
    if timed_execute not in connection.execute_wrappers:
        connection.execute_wrappers.append(timed_execute)


def install_query_timer() -> None:
    """Time every statement of every connection opened from now on (idempotent)."""
    connection_created.connect(_wrap_new_connection, dispatch_uid="tradefleet-db-query-time")
