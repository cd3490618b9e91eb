"""The production Celery app plus two probes, for benchmark P6 only (bench/p6_analysis.py).

    celery -A bench.p6_worker worker ...      # instead of `celery -A config worker ...`

Same app, same settings, same tasks. With P6_PROBE_KEY set, two kinds of JSON lines are appended
to that Redis list (the broker's database), one RPUSH each:
- every task run: `{"kind": "task", "task", "t0", "t1", "cpu", "pid"}` (wall-clock seconds; `cpu`
  is the CPU seconds the worker process spent in the task: `time.process_time()` around it);
- every verdict computed: `{"kind": "scan", "symbol", "rules", "t0", "t1", "cpu", "pid", "backtest"}`
  (`rules`: the rule set's fingerprint), from a
  wrapper around the analysis service's `scan_symbol` (the shared computation: indicators, chart
  quality, rules, scores and, when the entry check passed, the two-year backtest). It counts
  what the service really computes, duplicates included, which the unique SymbolAnalysis rows
  cannot show.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from celery import signals

from config.celery import app

__all__ = ["app"]

PROBE_KEY = os.environ.get("P6_PROBE_KEY", "")

if PROBE_KEY:
    import redis

    _redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    _started: dict[str, tuple[float, float]] = {}

    def _push(line: dict[str, Any]) -> None:
        _redis.rpush(PROBE_KEY, json.dumps(line, default=str))

    @signals.task_prerun.connect
    def _prerun(task_id: str = "", **_: Any) -> None:
        _started[task_id] = (time.time(), time.process_time())

    @signals.task_postrun.connect
    def _postrun(task_id: str = "", task: Any = None, **_: Any) -> None:
        t0, cpu0 = _started.pop(task_id, (0.0, 0.0))
        _push(
            {
                "kind": "task",
                "task": getattr(task, "name", ""),
                "t0": t0,
                "t1": time.time(),
                "cpu": time.process_time() - cpu0,
                "pid": os.getpid(),
            }
        )

    @signals.worker_process_init.connect
    def _wrap_scan(**_: Any) -> None:
        # In each pool process, after Django is set up: the service module imports scan_symbol by
        # name, so the wrapper replaces that name in the service's module.
        from trading.equities.services import analysis

        scan = analysis.scan_symbol

        def probed(symbol: str, bars: Any, params: Any, **kwargs: Any) -> Any:
            t0, cpu0 = time.time(), time.process_time()
            found = scan(symbol, bars, params, **kwargs)
            _push(
                {
                    "kind": "scan",
                    "symbol": symbol,
                    "t0": t0,
                    "t1": time.time(),
                    "cpu": time.process_time() - cpu0,
                    "pid": os.getpid(),
                    "backtest": found.backtest is not None,
                    "rules": analysis.rules_key(params),
                }
            )
            return found

        analysis.scan_symbol = probed
