"""Scenario 6: web and workers down while the market moves through resting orders.

`--s6-groups` traders each open a group on LTCUSDT (no other scenario trades there): 3 legs
resting under the price. With everything up, the price drops through leg 0; the fill is recorded
and leg 0's take-profit placed. Then web and every worker are SIGKILLed (beat keeps running and
its messages expire unread) and, while they are down, the price moves through leg 1 (it fills)
and up through leg 0's take-profit (it fills), then back between leg 0 and leg 1. `--s6-down`
s later web and workers start again, and the harness waits up to `--s6-wait` s for our rows
to agree with the exchange.

Expected, with nothing done by hand, within `--s6-within` s of the restart (a worker that starts
reconciles first; the fill monitor ticks every 10 s): every order row agrees with the exchange
(leg 1 filled, leg 0's take-profit filled, leg 2 resting), leg 1's take-profit placed, and each
group holds exactly what its account holds on the exchange.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from bench import loadgen, p2_first_order, p2_loadgen
from bench.chaos import audit, harness
from bench.chaos.harness import S6_SYMBOL, Context

NAME = "6. web and workers restarted, orders resting"
CENT = Decimal("0.01")  # LTCUSDT's tick


def _wait(check: Callable[[], bool], timeout: float, poll: float = 1.0) -> float | None:
    """Seconds until `check()` held (each try on a fresh connection), None if it never did."""
    from django.db import connection

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        connection.close()
        if check():
            return round(time.monotonic() - started, 1)
        time.sleep(poll)
    return None


def _orders(ids: list[str]) -> list[audit.OrderRow]:
    return audit.group_orders(ids)


def _count(ids: list[str], role: str, level: int, status: str) -> int:
    return sum(1 for o in _orders(ids) if o.role == role and o.level == level and o.status == status)


def _holdings(ids: list[str]) -> dict[str, Decimal]:
    """{account id: base quantity its S6 groups hold} by our rows."""
    found = audit.rows(
        "SELECT account_id::text, sum(filled_quantity) FROM trading_positiongroup WHERE id IN "
        "(SELECT group_id FROM trading_pyramid WHERE signal_id = ANY(%s::uuid[])) GROUP BY account_id",
        [ids],
    )
    return {account: Decimal(qty) for account, qty in found}


def _agreement(ctx: Context, ids: list[str]) -> dict[str, Any]:
    held = _holdings(ids)
    book = ctx.exchange.orders([S6_SYMBOL], accounts=set(held))
    figures = audit.exchange_figures(_orders(ids), book, set(ctx.orphans_seen))
    on_exchange = ctx.exchange.balances(S6_SYMBOL.removesuffix("USDT"))
    figures["positions_differing_from_exchange"] = sum(
        1 for account, qty in held.items() if on_exchange.get(account, Decimal(0)) != qty
    )
    figures["leg1_take_profits_open"] = _count(ids, "take_profit", 1, "open")
    return figures


def _agrees(figures: dict[str, Any], groups: int) -> bool:
    return (
        not figures["rows_disagreeing_with_exchange"]
        and not figures["positions_differing_from_exchange"]
        and figures["leg1_take_profits_open"] == groups
    )


def _open_groups(ctx: Context) -> list[str]:
    price = Decimal(next(m["price"] for m in _control().state()["markets"] if m["symbol"] == S6_SYMBOL))
    entry = (price * Decimal("0.99")).quantize(CENT, ROUND_DOWN)
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    requests = [
        loadgen.http_post(
            "127.0.0.1",
            ctx.args.port,
            f"/api/v1/webhooks/{trader['user_id']}",
            p2_first_order.body(trader, S6_SYMBOL, "5", str(entry), f"s6-{i}-{time.time():.0f}", stamp),
        )
        for i, trader in enumerate(ctx.traders[: ctx.args.s6_groups])
    ]
    records, _ = asyncio.run(p2_loadgen.run(host="127.0.0.1", port=ctx.args.port, requests=requests, rate=5))
    return harness.accepted(records)


def _control() -> Any:
    from brokers.services_simulator import simulator_control

    return simulator_control()


def _leg_prices(ids: list[str]) -> list[Decimal]:
    found = audit.rows(
        "SELECT level, min(price) FROM trading_dcaorder WHERE role = 'leg' AND group_id IN "
        "(SELECT group_id FROM trading_pyramid WHERE signal_id = ANY(%s::uuid[])) "
        "GROUP BY level ORDER BY level",
        [ids],
    )
    return [Decimal(price) for _, price in found]


def _tp_price(ids: list[str]) -> Decimal:
    found = audit.rows(
        "SELECT max(price) FROM trading_dcaorder WHERE role = 'take_profit' AND level = 0 AND group_id IN "
        "(SELECT group_id FROM trading_pyramid WHERE signal_id = ANY(%s::uuid[]))",
        [ids],
    )
    return Decimal(found[0][0])


def _not_reached(steps: dict[str, Any], why: str) -> dict[str, Any]:
    return harness.verdict(NAME, {"steps": steps}, {f"setup: {why}": (False, False)})


def run(ctx: Context) -> dict[str, Any]:
    args, stack, control = ctx.args, ctx.stack, _control()
    before = audit.simulator_counters()
    ids = _open_groups(ctx)
    groups = len(ids)
    steps: dict[str, Any] = {"groups": groups}
    steps["legs_resting_s"] = _wait(lambda: groups > 0 and _count(ids, "leg", 2, "open") == groups, 90)
    if steps["legs_resting_s"] is None:
        return _not_reached(steps, "the groups' legs never all rested")
    leg0, leg1, leg2 = _leg_prices(ids)
    # Everything up: leg 0 fills, its take-profit is placed.
    control.set_price(S6_SYMBOL, ((leg0 + leg1) / 2).quantize(CENT))
    steps["leg0_tp_placed_s"] = _wait(lambda: _count(ids, "take_profit", 0, "open") == groups, 120)
    if steps["leg0_tp_placed_s"] is None:
        return _not_reached(steps, "leg 0's take-profits were not all placed before the restart")
    tp0 = _tp_price(ids)
    # Down: web and workers killed; the market moves through leg 1 and leg 0's take-profit.
    stack.crash("web")
    for name in stack.worker_names():
        stack.crash(name)
    moves = [((leg1 + leg2) / 2).quantize(CENT), (tp0 * Decimal("1.005")).quantize(CENT)]
    moves.append(((leg0 + leg1) / 2).quantize(CENT))
    for price in moves:
        control.set_price(S6_SYMBOL, price)
    steps["prices_while_down"] = [str(p) for p in moves]
    time.sleep(args.s6_down)
    # Up again: nothing done by hand.
    restarted = time.monotonic()
    stack.workers(wait=False)
    stack.web()
    figures: dict[str, Any] = {}

    def agreed() -> bool:
        figures.update(_agreement(ctx, ids))
        return _agrees(figures, groups)

    waited = _wait(agreed, args.s6_wait, poll=3.0)
    steps["agreed_after_restart_s"] = None if waited is None else round(time.monotonic() - restarted, 1)
    figures.update(
        steps=steps,
        leg1_filled=_count(ids, "leg", 1, "filled"),
        leg0_take_profits_filled=_count(ids, "take_profit", 0, "filled"),
        leg2_resting=_count(ids, "leg", 2, "open"),
        simulator=audit.counter_delta(before, audit.simulator_counters()),
    )
    disagree = sum(figures["rows_disagreeing_with_exchange"].values())
    agreed_s = steps["agreed_after_restart_s"]
    return harness.verdict(
        NAME,
        figures,
        {
            "fills made while down, recorded": (figures["leg1_filled"], figures["leg1_filled"] == groups),
            "take-profits filled while down, recorded": (
                figures["leg0_take_profits_filled"],
                figures["leg0_take_profits_filled"] == groups,
            ),
            "take-profits placed after restart": (
                figures["leg1_take_profits_open"],
                figures["leg1_take_profits_open"] == groups,
            ),
            "rows disagreeing with the exchange": (disagree, disagree == 0),
            "positions differing from the exchange": (
                figures["positions_differing_from_exchange"],
                figures["positions_differing_from_exchange"] == 0,
            ),
            f"agreed within {args.s6_within:.0f} s of the restart (s)": (
                agreed_s,
                agreed_s is not None and agreed_s <= args.s6_within,
            ),
            "orphan exchange orders": (
                figures["exchange_orders_without_our_row"],
                figures["exchange_orders_without_our_row"] == 0,
            ),
        },
    )
