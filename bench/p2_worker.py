"""The production Celery app plus timing probes, for benchmark P2 only.

    celery -A bench.p2_worker worker ...      # instead of `celery -A config worker ...`

Same app, same settings, same tasks (this module only re-exports config.celery's `app`). With
P2_TRACE_DIR set, every worker process appends tab-separated lines to
`$P2_TRACE_DIR/trace-<pid>.tsv`: `kind  name  key  t0  t1` (wall-clock seconds):

- `recv`  a task message reached the worker (the consumer, before the pool): key = signal/order id
- `run`   a task ran in a pool process: t0 = start, t1 = end
- `http`  CcxtAdapter.create_order: t0 before the request, t1 after the answer (key = client order id)
- `event` notifications.events.send (the channel-layer publish of a live event): t0, t1

Each probe costs a few microseconds (a line-buffered write to a local file).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any

from celery import signals

from config.celery import app

__all__ = ["app"]

TRACE_DIR = os.environ.get("P2_TRACE_DIR", "")
_files: dict[int, Any] = {}
_lock = threading.Lock()


def _write(line: str) -> None:
    pid = os.getpid()
    handle = _files.get(pid)
    if handle is None:
        with _lock:
            handle = _files.get(pid)
            if handle is None:
                handle = _files[pid] = open(f"{TRACE_DIR}/trace-{pid}.tsv", "a", buffering=1)
    handle.write(line)


def _key(kwargs: Any) -> str:
    kwargs = kwargs or {}
    return str(kwargs.get("signal_id") or kwargs.get("order_id") or "")


if TRACE_DIR:
    _started: dict[str, float] = {}

    @signals.task_received.connect
    def _received(request: Any = None, **_: Any) -> None:
        _write(f"recv\t{request.name}\t{_key(request.kwargs)}\t{time.time():.6f}\t\n")

    @signals.task_prerun.connect
    def _prerun(task_id: str = "", **_: Any) -> None:
        _started[task_id] = time.time()

    @signals.task_postrun.connect
    def _postrun(task_id: str = "", task: Any = None, kwargs: Any = None, **_: Any) -> None:
        t0 = _started.pop(task_id, 0.0)
        _write(f"run\t{getattr(task, 'name', '')}\t{_key(kwargs)}\t{t0:.6f}\t{time.time():.6f}\n")

    @signals.worker_init.connect
    def _patch(**_: Any) -> None:
        """Before the pool forks: the children inherit the wrapped functions."""
        from brokers.adapters import ccxt_adapter
        from notifications import events

        create_order = ccxt_adapter.CcxtAdapter.create_order

        @functools.wraps(create_order)
        def timed_create_order(self: Any, **kwargs: Any) -> Any:
            t0 = time.time()
            try:
                return create_order(self, **kwargs)
            finally:
                _write(
                    f"http\tcreate_order\t{kwargs.get('client_order_id', '')}\t{t0:.6f}\t{time.time():.6f}\n"
                )

        ccxt_adapter.CcxtAdapter.create_order = timed_create_order  # type: ignore[method-assign]

        send = events.send

        @functools.wraps(send)
        def timed_send(group: str, message: Any, *, what: str = "message") -> Any:
            t0 = time.time()
            try:
                return send(group, message, what=what)
            finally:
                _write(f"event\t{what}\t\t{t0:.6f}\t{time.time():.6f}\n")

        events.send = timed_send
