"""The one way to declare a Celery task in Tradefleet.

    @house_task(retry_on=(ExchangeUnavailable,), expires=120)
    def place_order(*, order_id: str, user_id: str) -> None:
        order_place(order_id=order_id)

Every task gets late acks, JSON-only arguments, a duration histogram and an outcome counter
(Prometheus), a log line with the task id and the user id (when the task takes `user_id`), and
retries only on the exceptions it names, with capped exponential backoff so no countdown comes near
the broker's visibility timeout. One failure is retried by every task without naming it: a
database connection the server dropped (config/dbconn.py closes it; the retry opens a new one).
Any other database error fails the task as before.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Task
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError
from prometheus_client import Counter, Histogram

from .celery import app
from .dbconn import db_connections_heal, db_error_lost_connection

logger = logging.getLogger("tradefleet.tasks")

TASK_DURATION = Histogram(
    "tradefleet_task_duration_seconds",
    "Time spent running a Celery task.",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
TASK_OUTCOMES = Counter(
    "tradefleet_task_outcomes_total",
    "Celery task runs by outcome (success, retry, failure).",
    ["task", "outcome"],
)

F = TypeVar("F", bound=Callable[..., Any])

# The longest a retry may wait: well under CELERY_VISIBILITY_TIMEOUT (2 h by default).
MAX_RETRY_BACKOFF = 300


def house_task(
    *,
    name: str | None = None,
    retry_on: tuple[type[BaseException], ...] = (),
    max_retries: int = 5,
    retry_backoff_max: int = 60,
    expires: float | None = None,
    queue: str | None = None,
    **options: Any,
) -> Callable[[F], Task]:
    """Register `func` as a Celery task with the house defaults (see the module docstring)."""
    if retry_backoff_max > MAX_RETRY_BACKOFF:
        raise ValueError(f"retry_backoff_max must be at most {MAX_RETRY_BACKOFF} s")

    def decorate(func: F) -> Task:
        task_name = name or f"{func.__module__}.{func.__name__}"

        def run(self: Task, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            context = {
                "task": task_name,
                "task_id": self.request.id,
                "user_id": kwargs.get("user_id"),
                "attempt": self.request.retries + 1,
            }
            outcome = "failure"
            try:
                result = func(*args, **kwargs)
                outcome = "success"
                return result
            except retry_on as exc:
                outcome = "retry" if self.request.retries < max_retries else "failure"
                logger.warning("task %s: %s (%s)", outcome, task_name, type(exc).__name__, extra=context)
                raise
            except (InterfaceError, OperationalError) as exc:
                healed = db_connections_heal()  # closes the connection if the server dropped it
                if not (healed or db_error_lost_connection(exc)):  # a statement failed, not the link
                    logger.exception("task failed: %s", task_name, extra=context)
                    raise
                outcome = "retry" if self.request.retries < max_retries else "failure"
                logger.warning("task %s: %s (database connection lost)", outcome, task_name, extra=context)
                countdown = get_exponential_backoff_interval(
                    factor=1, retries=self.request.retries, maximum=retry_backoff_max, full_jitter=True
                )
                raise self.retry(exc=exc, countdown=countdown) from exc
            except Exception:
                logger.exception("task failed: %s", task_name, extra=context)
                raise
            finally:
                elapsed = time.perf_counter() - started
                TASK_DURATION.labels(task_name).observe(elapsed)
                TASK_OUTCOMES.labels(task_name, outcome).inc()
                if outcome == "success":
                    # For operators (console); a row per order in the user's service log would
                    # be noise and a fifth of an order's CPU (docs/benchmarks.md, P4).
                    logger.info(
                        "task done: %s in %.3f s",
                        task_name,
                        elapsed,
                        extra={**context, "duration_s": round(elapsed, 6), "service_log": False},
                    )

        # Name and docstring of the function, but not __wrapped__: Celery reads the signature to
        # check arguments, and it must see `self` first since the task is bound.
        functools.update_wrapper(run, func)
        del run.__wrapped__

        task_options: dict[str, Any] = {
            "name": task_name,
            "bind": True,
            "acks_late": True,
            "serializer": "json",
            "autoretry_for": retry_on,
            "max_retries": max_retries,
            "retry_backoff": True,
            "retry_backoff_max": retry_backoff_max,
            "retry_jitter": True,
            **options,
        }
        if expires is not None:
            task_options["expires"] = expires
        if queue is not None:
            task_options["queue"] = queue
        return app.task(**task_options)(run)

    return decorate


def task_named(name: str) -> Task:
    """The registered task `name`, for code that enqueues a task whose module imports it (a
    service sending its own subpackage's task): Celery's registry is the seam, not an import.
    Raises LookupError when no module of this code base declares it."""
    if name not in app.tasks:
        # A web process has not imported every app's `tasks` module yet: Celery's autodiscovery
        # does it once (trading's subpackages import theirs when the app is ready).
        app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise LookupError(f"no task named {name!r} is registered in this process") from None
