"""What every scenario shares: the stack, the traders, alerts sent through the real webhook, and
the figures of a scenario assembled the same way for all of them.

Alerts are P2's (bench/p2_first_order.py): one new group per alert (a key never used before in
the run), the entry 1 % under the simulator's price so every leg rests on the book, 3 legs per
grid; sent open-loop by P2's load generator, which keeps each answer's status and signal id.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bench import loadgen, p2_first_order, p2_loadgen
from bench.chaos import audit
from bench.chaos.stack import Stack

LEGS_PER_ENTRY = 3  # P2's DCA configuration: 3 levels
S6_SYMBOL = "LTCUSDT"  # prices move in scenario 6 only: no other scenario's order rests there


@dataclass
class Context:
    args: argparse.Namespace
    stack: Stack
    traders: list[dict[str, str]]
    prices: dict[str, str]
    keys: p2_first_order.Keys
    exchange: audit.Exchange
    rng: random.Random
    orphans_seen: set[str] = field(default_factory=set)


def traders_setup(args: argparse.Namespace) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """P2's traders (funded simulator accounts, a DCA configuration per symbol), plus one for
    S6_SYMBOL for the traders scenario 6 uses. Runs in this process (Django set up)."""
    from accounts.models import User
    from trading.dca.models import DCAConfig
    from trading.dca.services import dca_config_create

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        p2_first_order.setup_traders(args.users)
    data = json.loads(out.getvalue().strip().splitlines()[-1])
    levels = [
        {"gap_percent": "0", "weight_percent": "34", "tp_percent": "1"},
        {"gap_percent": "-1", "weight_percent": "33", "tp_percent": "1"},
        {"gap_percent": "-2", "weight_percent": "33", "tp_percent": "1"},
    ]
    for trader in data["traders"][: args.s6_groups]:
        user = User.objects.get(pk=trader["user_id"])
        if not DCAConfig.objects.filter(user=user, symbol__in=[S6_SYMBOL, "LTC/USDT"]).exists():
            dca_config_create(
                user=user,
                fields={
                    "exchange": "simulator",
                    "symbol": S6_SYMBOL,
                    "timeframe": "",
                    "levels": levels,
                    "capital_per_pyramid": Decimal("100"),
                },
            )
    return data["traders"], data["state"]


def send(ctx: Context, *, rate: float, duration: float) -> tuple[list[p2_loadgen.Record], int]:
    """`rate` new alerts a second for `duration` s (P2's send: unique keys, one fresh timestamp)."""
    return p2_first_order.send(ctx.args, ctx.keys, ctx.prices, rate, duration)


def send_copies(ctx: Context, trader: dict[str, str], symbol: str, timeframe: str, copies: int) -> list[Any]:
    """One alert posted `copies` times at the same instant, each on a connection of its own."""
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body = p2_first_order.body(
        trader, symbol, timeframe, ctx.prices[symbol], f"copies-{uuid.uuid4().hex[:10]}", stamp
    )
    raw = loadgen.http_post("127.0.0.1", ctx.args.port, f"/api/v1/webhooks/{trader['user_id']}", body)
    records, _ = asyncio.run(
        p2_loadgen.run(host="127.0.0.1", port=ctx.args.port, requests=[raw] * copies, rate=1_000_000)
    )
    return records


def accepted(records: list[p2_loadgen.Record]) -> list[str]:
    """Signal ids of the alerts answered 2xx (what the sender was told is safe)."""
    return sorted({r.signal_id for r in records if 200 <= r.status < 300 and r.signal_id})


def answers(records: list[p2_loadgen.Record]) -> dict[str, Any]:
    statuses = Counter(str(r.status or "no answer") for r in records)
    return {
        "sent": len(records),
        "answered_2xx": sum(1 for r in records if 200 <= r.status < 300),
        "answers": dict(sorted(statuses.items())),
    }


# What the sweepers say they did (trading/queue/services/sweep.py, execution/services/orders.py).
SWEEPER_LINES = {
    "signals_resent_by_sweeper": r"signal sweeper re-sent (\d+) signals",
    "order_messages_resent_by_sweeper": r"\"sweeper re-sent (\d+) order messages",
}


def figures_after(
    ctx: Context,
    records: list[p2_loadgen.Record],
    *,
    since: float,
    counters_before: dict[str, Any],
    settle_timeout: float,
    log_marks: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Settle, then count: answers, the alerts' signals and orders, every signal row since
    `since`, the exchange's book against our rows, the simulator's counters, and (from
    `log_marks` on) what the sweepers re-sent."""
    ids = accepted(records)
    settled = audit.settle(ids, since=since, timeout=settle_timeout, legs_per_entry=LEGS_PER_ENTRY)
    counters = audit.counter_delta(counters_before, audit.simulator_counters())
    from django.db import connection

    connection.close()
    figures = {
        **answers(records),
        "settle_seconds": settled,
        **audit.alert_figures(ids, legs_per_entry=LEGS_PER_ENTRY),
        "signal_rows_since_start": audit.signals_since(since),
        "simulator": counters,
    }
    book = ctx.exchange.orders()
    figures.update(audit.exchange_figures(audit.group_orders(ids), book, ctx.orphans_seen))
    if log_marks is not None:
        figures.update(ctx.stack.worker_log_counts(log_marks, SWEEPER_LINES))
    return figures


def duplicates(figures: dict[str, Any]) -> int:
    """Every kind of duplicate the figures can show (all must be 0)."""
    return (
        figures["simulator"]["client_ids_reused"]
        + figures["client_ids_on_more_than_one_exchange_order"]
        + figures["exchange_orders_without_our_row"]
        + figures["executed_twice"]
    )


def lost_orders(figures: dict[str, Any]) -> int:
    return (
        figures["legs_missing"]
        + figures["orders_unsent"]
        + sum(figures["rows_disagreeing_with_exchange"].values())
    )


def verdict(name: str, figures: dict[str, Any], checks: dict[str, tuple[Any, bool]]) -> dict[str, Any]:
    """A scenario's result: its figures and each expectation as (measured value, met)."""
    return {
        "scenario": name,
        "passed": all(ok for _, ok in checks.values()),
        "checks": {k: {"measured": v, "met": ok} for k, (v, ok) in checks.items()},
        "figures": figures,
    }


def sim_url(args: argparse.Namespace) -> str:
    return f"http://127.0.0.1:{args.sim_port}"


def environ_for_p2(args: argparse.Namespace) -> None:
    # P2's entry_prices reads the simulator's address from here.
    os.environ["P2_SIM_URL"] = sim_url(args)
