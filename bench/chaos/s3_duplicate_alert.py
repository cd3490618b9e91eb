"""Scenario 3: one alert delivered `--s3-copies` (10) times at the same instant, `--s3-rounds`
times (a new alert each round, for another trader).

The copies are identical requests started together, each on a connection of its own, so the
web's worker processes take them side by side (TradingView's retries and proxies that repeat a
request look like this).

Expected per round: every copy answered 2xx with the same signal id (202 while the signal is
still `received`, 200 once the engine acted on it: a resend of an alert never acted on is
accepted again, trading/signals/services.py); one signal, one group, one set of legs; on the
exchange one order per leg.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bench.chaos import audit, harness
from bench.chaos.harness import Context


def run(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    before = audit.simulator_counters()
    since, marks = time.time(), ctx.stack.log_marks()
    records, rounds = [], []
    for trader, symbol, timeframe in ctx.keys.take(args.s3_rounds):
        copies = harness.send_copies(ctx, trader, symbol, timeframe, args.s3_copies)
        records.extend(copies)
        statuses = Counter(r.status for r in copies)
        rounds.append(
            {
                "created_202": statuses.get(202, 0),
                "duplicate_200": statuses.get(200, 0),
                "other": sum(n for s, n in statuses.items() if s not in (200, 202)),
                "signal_ids": len({r.signal_id for r in copies if r.signal_id}),
                "answers": [(r.status, r.signal_id[-6:]) for r in copies],
            }
        )
        time.sleep(0.5)
    figures = harness.figures_after(
        ctx, records, since=since, counters_before=before, settle_timeout=args.settle, log_marks=marks
    )
    once = sum(1 for r in rounds if r["signal_ids"] == 1 and not r["other"])
    figures["rounds"] = {
        "rounds": len(rounds),
        "one_signal_id": once,
        "created_202": sum(r["created_202"] for r in rounds),
        "duplicate_200": sum(r["duplicate_200"] for r in rounds),
        "other_answers": sum(r["other"] for r in rounds),
        "each": rounds,
    }
    dup = harness.duplicates(figures)
    expected_orders = len(rounds) * harness.LEGS_PER_ENTRY
    return harness.verdict(
        f"3. one alert {args.s3_copies}x at once",
        figures,
        {
            "rounds answered with one signal id": (once, once == len(rounds)),
            "signals created": (figures["accepted"], figures["accepted"] == len(rounds)),
            "signals executed twice": (figures["executed_twice"], figures["executed_twice"] == 0),
            "exchange orders (3 per round)": (
                figures["exchange_orders"],
                figures["exchange_orders"] == expected_orders,
            ),
            "duplicate orders": (dup, dup == 0),
        },
    )
