"""A position group's state from its rows: its market rules, its position (bought, held,
average entry, cost, fees, realized and unrealized PnL), its aggregate target and its status.

`group_refresh` is called under the group's lock whenever one of its orders changed
(execution's order_apply, placement, cancels, exits); the numbers come from the pure
trading/positions/accounting.py, so recomputing twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from brokers.adapters.base import Market
from brokers.markets import market_from_json
from brokers.precision import floor_to
from trading.dca.grid import aggregate_tp_price
from trading.dca.models import TpMode
from trading.positions import accounting
from trading.positions.events import position_event
from trading.positions.hooks import group_status_changed
from trading.positions.journal import group_context, position_closed_log, position_label
from trading.positions.marks import latest_price
from trading.positions.models import (
    RESTING_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderRole,
    OrderStatus,
    PositionGroup,
)
from trading.runtime.journal import amount, trade_log

ZERO = Decimal(0)


def group_market(group: PositionGroup) -> Market:
    return market_from_json(group.market_snapshot)


def orders_summary(orders: Iterable[DCAOrder]) -> accounting.Summary:
    """The position these rows add up to: legs bought, exits sold (trading/positions/accounting.py)."""
    legs, exits = [], []
    for o in orders:
        if o.role == OrderRole.LEG:
            legs.append(
                accounting.LegFill(
                    o.filled_quantity, o.avg_fill_price, o.fees, o.base_fees, o.closed_quantity
                )
            )
        else:
            exits.append(accounting.ExitFill(o.filled_quantity, o.avg_fill_price, o.fees))
    return accounting.summarize(legs, exits)


def group_refresh(
    *,
    group_id: Any,
    group: PositionGroup | None = None,
    orders: list[DCAOrder] | None = None,
    on_refreshed: Callable[[PositionGroup], None] | None = None,
) -> PositionGroup:
    """Recompute a group's position and status from its rows. Call inside a transaction that
    holds the group's lock (or pass `group`, locked by the caller; and `orders`, its rows as the
    caller just read them under that lock). `on_refreshed(group)` runs once the numbers are new,
    before a status change is told and signalled (order_apply tells the fill that caused it)."""
    if group is None:
        group = PositionGroup.objects.select_for_update().get(pk=group_id)
    if orders is None:
        orders = list(DCAOrder.objects.filter(group=group))
    legs = [o for o in orders if o.role == OrderRole.LEG]
    exits = [o for o in orders if o.role != OrderRole.LEG]
    summary = orders_summary(orders)
    market = group_market(group)
    before = (group.status, group.filled_quantity, group.realized_pnl, group.avg_entry)
    target_before = group.tp_target_price
    group.bought_quantity = summary.bought
    group.filled_quantity = summary.held
    group.avg_entry = summary.avg_entry
    group.cost_basis = summary.cost_basis
    group.total_invested = summary.invested
    group.fees = summary.fees
    group.realized_pnl = summary.realized
    group.last_price = latest_price(group)
    if group.last_price is not None:
        group.unrealized_pnl, group.unrealized_pnl_percent = accounting.unrealized(
            summary, group.last_price, short=group.side == "short"
        )
    else:
        group.unrealized_pnl = group.unrealized_pnl_percent = ZERO
    if summary.avg_entry is not None and group.tp_mode in (TpMode.AGGREGATE, TpMode.HYBRID):
        group.tp_target_price = aggregate_tp_price(
            average_entry=summary.avg_entry,
            tp_aggregate_percent=group.tp_aggregate_percent,
            tick_size=market.tick_size,
            side=group.side,
        )
    group.status = _next_status(group, legs, exits, summary, market)
    if group.status in (GroupStatus.CLOSED, GroupStatus.FAILED) and group.closed_at is None:
        group.closed_at = timezone.now()
        group.unrealized_pnl = group.unrealized_pnl_percent = ZERO
    group.save()
    if on_refreshed is not None:
        on_refreshed(group)
    if before != (group.status, group.filled_quantity, group.realized_pnl, group.avg_entry):
        position_event(group)
    if (
        group.tp_target_price != target_before
        and group.filled_quantity > 0
        and group.status != GroupStatus.CLOSING
    ):
        _target_log(group)
    if before[0] != group.status:
        if group.status in (GroupStatus.CLOSED, GroupStatus.FAILED):
            position_closed_log(group)
        group_status_changed.send(sender=PositionGroup, group=group, previous=before[0])
    return group


def _target_log(group: PositionGroup) -> None:
    """The aggregate take-profit moved (a fill changed the average entry): the monitor sells the
    whole position there."""
    kind = "Hybrid" if group.tp_mode == TpMode.HYBRID else "Aggregate"
    trade_log(
        group.user_id,
        f"{kind} take-profit of {position_label(group)} set at {amount(group.tp_target_price)}, "
        f"{amount(group.tp_aggregate_percent)} % {'above' if group.side == 'long' else 'below'} the "
        f"average entry {amount(group.avg_entry)}, for the {amount(group.filled_quantity)} held.",
        **group_context(group),
        tp_mode=group.tp_mode,
        tp_target_price=group.tp_target_price,
        avg_entry=group.avg_entry,
    )


def is_dust(quantity: Decimal, market: Market, price: Decimal | None) -> bool:
    """Too little to sell: below the step, the minimum quantity or the minimum notional."""
    sellable = floor_to(quantity, market.step_size) if quantity > 0 else ZERO
    if sellable <= 0 or sellable < market.min_qty:
        return True
    return price is not None and sellable * price < market.min_notional


def _next_status(
    group: PositionGroup,
    legs: list[DCAOrder],
    exits: list[DCAOrder],
    summary: accounting.Summary,
    market: Market,
) -> str:
    if group.status in (GroupStatus.CLOSED, GroupStatus.FAILED):
        return group.status
    live_legs = [o for o in legs if o.is_live]
    live_exits = [o for o in exits if o.is_live]
    price = group.last_price or summary.avg_entry
    holds = not is_dust(summary.held, market, price)
    if group.status == GroupStatus.CLOSING:
        return GroupStatus.CLOSING if live_legs or live_exits or holds else GroupStatus.CLOSED
    if summary.bought == 0:
        if live_legs:
            resting = any(o.status in RESTING_STATUSES for o in live_legs)
            return GroupStatus.LIVE if resting else GroupStatus.WAITING
        if any(o.status == OrderStatus.FAILED for o in legs):
            if not group.close_reason:
                group.close_reason = "orders_failed"
            return GroupStatus.FAILED
        if not group.close_reason:
            group.close_reason = "cancelled"
        return GroupStatus.CLOSED
    if not holds and not live_legs and not live_exits:
        if not group.close_reason and group.strategy:
            # A scheduled strategy's exits say why they sold (trading/equities: `ema9_target`).
            sold = [o for o in exits if o.filled_quantity > 0 and o.reason]
            group.close_reason = sold[-1].reason if sold else ""
        if not group.close_reason:
            group.close_reason = "take_profit"
        return GroupStatus.CLOSED
    return GroupStatus.PARTIALLY_FILLED if live_legs else GroupStatus.ACTIVE
