"""What a scenario left behind, counted twice: from our database and from the simulator's own
order book (every order of every bench account, GET /api/v3/allOrders), so a duplicate on the
exchange shows even if our rows missed it.

- an alert is *lost* when it was answered 2xx and its signal is still `received` (or gone);
- a *duplicate* is a client order id used by more than one exchange order, a signal executed
  twice (two pyramids), or an exchange order whose client id none of our rows carries;
- an order is *lost* when a processed entry has fewer legs than its grid, when a leg is still
  unsent (`pending`, `submitting`), or when our row and the exchange disagree about it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# The simulator's (Binance's) order states as our rows record them (fills.status_for).
EXCHANGE_TO_ROW = {
    "NEW": "open",
    "PARTIALLY_FILLED": "partially_filled",
    "FILLED": "filled",
    "CANCELED": "cancelled",
    "EXPIRED": "cancelled",
}
UNSENT = ("pending", "submitting")
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "LTCUSDT")
BENCH_EMAILS = "bench-p2-"  # the traders bench/p2_first_order.py sets up


def rows(query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query, params)
        return list(cur.fetchall())


@dataclass(frozen=True)
class OrderRow:
    group_id: str
    signal_id: str  # the signal of the order's pyramid ("" for a take-profit)
    role: str
    level: int
    client_order_id: str
    status: str
    exchange_order_id: str
    filled: Decimal
    attempts: int


def signal_states(ids: list[str]) -> dict[str, tuple[str, str, int]]:
    """{signal id: (status, classification, pyramids opened by it)}."""
    found = rows(
        "SELECT s.id::text, s.status, s.classification, count(p.id) FROM trading_signal s "
        "LEFT JOIN trading_pyramid p ON p.signal_id = s.id WHERE s.id = ANY(%s::uuid[]) GROUP BY s.id",
        [ids],
    )
    return {r[0]: (r[1], r[2], int(r[3])) for r in found}


def group_orders(signal_ids: list[str]) -> list[OrderRow]:
    """Every order (legs, take-profits, closes) of the groups these signals opened or extended."""
    found = rows(
        "SELECT o.group_id::text, coalesce(p.signal_id::text, ''), o.role, o.level, o.client_order_id, "
        "o.status, o.exchange_order_id, o.filled_quantity, o.attempts FROM trading_dcaorder o "
        "LEFT JOIN trading_pyramid p ON p.id = o.pyramid_id WHERE o.group_id IN "
        "(SELECT group_id FROM trading_pyramid WHERE signal_id = ANY(%s::uuid[]))",
        [signal_ids],
    )
    return [OrderRow(*r[:7], filled=Decimal(r[7]), attempts=int(r[8])) for r in found]


def signals_since(moment: float) -> dict[str, int]:
    """Signal rows received since `moment` (epoch seconds) by status: all of them, also those
    whose request was answered 5xx (a row kept while Redis was down, for instance)."""
    found = rows(
        "SELECT status, count(*) FROM trading_signal WHERE received_at >= to_timestamp(%s) GROUP BY status",
        [moment],
    )
    return {status: int(count) for status, count in found}


def alert_figures(accepted: list[str], *, legs_per_entry: int) -> dict[str, Any]:
    """Database side of the alerts answered 2xx: their signals, their groups' orders."""
    states = signal_states(accepted)
    by_status = Counter(state[0] for state in states.values())
    lost = [i for i in accepted if i not in states or states[i][0] == "received"]
    orders = group_orders(accepted)
    legs = Counter(o.signal_id for o in orders if o.role == "leg")
    entries = [i for i, s in states.items() if s[0] == "processed" and s[1] == "entry"]
    return {
        "accepted": len(accepted),
        "signals": dict(by_status),
        "lost_alerts": len(lost),
        "executed_twice": sum(1 for s in states.values() if s[2] > 1),
        "legs_missing": sum(max(0, legs_per_entry - legs[i]) for i in entries),
        "orders": len(orders),
        "orders_by_status": dict(Counter(o.status for o in orders)),
        "orders_unsent": sum(1 for o in orders if o.status in UNSENT),
        "orders_claimed_more_than_once": sum(1 for o in orders if o.attempts > 1),
    }


def settle(
    accepted: list[str], *, since: float, timeout: float, legs_per_entry: int, poll: float = 2.0
) -> float:
    """Wait until every accepted alert is out of `received`, every signal row since `since` too,
    and no order of their groups is unsent; returns the seconds it took (or `timeout`)."""
    from django.db import connection

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        connection.close()  # each poll on a fresh connection: a scenario may have killed the last
        figures = alert_figures(accepted, legs_per_entry=legs_per_entry)
        stranded = signals_since(since).get("received", 0)
        if not figures["lost_alerts"] and not figures["orders_unsent"] and not stranded:
            break
        time.sleep(poll)
    return round(time.monotonic() - started, 1)


class Exchange:
    """The simulator's order book, read with each bench account's own key (what the exchange
    says, not what our rows say)."""

    def __init__(self, base_url: str) -> None:
        from brokers.models import ExchangeConfig
        from brokers.simulator.ccxt_client import simulator_exchange

        accounts = ExchangeConfig.objects.filter(user__email__startswith=BENCH_EMAILS, exchange="simulator")
        # (account id, API key, client): the key stays in this process, never in the figures.
        self.clients = [
            (
                str(a.pk),
                a.api_key,
                simulator_exchange(base_url, a.api_key, a.api_secret, enable_rate_limit=False),
            )
            for a in accounts
        ]

    def orders(
        self, symbols: Iterable[str] = SYMBOLS, *, accounts: set[str] | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """{client order id: every exchange order that carried it}, of every bench account or of
        `accounts` (ids) only."""
        out: dict[str, list[dict[str, Any]]] = {}
        for account_id, _, client in self.clients:
            if accounts is not None and account_id not in accounts:
                continue
            for symbol in symbols:
                next_id = 0
                while True:
                    page = client.privateGetAllOrders({"symbol": symbol, "orderId": next_id, "limit": 1000})
                    for order in page:
                        out.setdefault(order["clientOrderId"], []).append(order)
                    if len(page) < 1000:
                        break
                    next_id = int(page[-1]["orderId"]) + 1
        return out

    def balances(self, asset: str) -> dict[str, Decimal]:
        """{account id: free + locked `asset` on the exchange} per bench account."""
        from brokers.services_simulator import simulator_control

        control = simulator_control()
        out = {}
        for account_id, key, _ in self.clients:
            balance = control.account(key)["balances"].get(asset, {"free": "0", "locked": "0"})
            out[account_id] = Decimal(balance["free"]) + Decimal(balance["locked"])
        return out


def exchange_figures(
    orders: list[OrderRow], on_exchange: dict[str, list[dict[str, Any]]], known_orphans: set[str]
) -> dict[str, Any]:
    """Our rows against the exchange's book. `known_orphans`: orphans an earlier scenario
    already counted (updated in place), so each is counted once."""
    ours = {o.client_order_id for o in orders}
    disagree: Counter[str] = Counter()
    for row in orders:
        seen = on_exchange.get(row.client_order_id, [])
        if not seen:
            if row.status not in (*UNSENT, "failed", "cancelled") or row.exchange_order_id:
                disagree["ours_not_on_exchange"] += 1
            continue
        if row.status in UNSENT:
            disagree["unsent_but_on_exchange"] += 1
        elif row.status == "failed":
            disagree["failed_but_on_exchange"] += 1
        elif EXCHANGE_TO_ROW.get(seen[-1]["status"]) != row.status:
            disagree[f"{row.status}_vs_{seen[-1]['status']}"] += 1
        elif Decimal(seen[-1]["executedQty"]) != row.filled:
            disagree["filled_quantity_differs"] += 1
    with_rows = set(
        r[0]
        for r in rows(
            "SELECT client_order_id FROM trading_dcaorder WHERE client_order_id = ANY(%s)",
            [list(on_exchange)],
        )
    )
    orphans = {cid for cid in on_exchange if cid not in with_rows} - known_orphans
    known_orphans |= orphans
    return {
        "exchange_orders": sum(len(on_exchange.get(cid, [])) for cid in ours),
        "client_ids_on_more_than_one_exchange_order": sum(
            1 for cid in ours if len(on_exchange.get(cid, [])) > 1
        ),
        "exchange_orders_without_our_row": len(orphans),
        "rows_disagreeing_with_exchange": dict(disagree),
    }


def simulator_counters() -> dict[str, Any]:
    """Orders ever placed, client ids reused, requests by endpoint, faults injected."""
    from brokers.services_simulator import simulator_control

    state = simulator_control().state()
    return {
        "placed": state["orders"]["placed"],
        "client_ids_reused": state["orders"]["client_ids_reused"],
        "by_endpoint": dict(state["counters"].get("by_endpoint", {})),
        "faults_injected": dict(state["faults"].get("injected", {})),
    }


def counter_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What happened on the simulator between two `simulator_counters()` readings."""
    endpoints = {
        k: v - before["by_endpoint"].get(k, 0)
        for k, v in after["by_endpoint"].items()
        if v - before["by_endpoint"].get(k, 0)
    }
    return {
        "orders_placed": after["placed"] - before["placed"],
        "client_ids_reused": after["client_ids_reused"] - before["client_ids_reused"],
        "requests": endpoints,
        "faults_injected": {
            k: v - before["faults_injected"].get(k, 0) for k, v in after["faults_injected"].items()
        },
    }
