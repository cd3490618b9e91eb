"""Closing positions: exit signals, manual, admin and scheduled closes, reductions, and the
sells the take-profit monitor (trading/takeprofit/services/evaluate.py) and the risk engine ask for.

A close is two steps. `group_close` marks the group `closing` and asks every live order to be
cancelled, in the caller's transaction; the `close_group` task then cancels them on the exchange
(keeping any partial fill) and sells what is held at market with one `close` order, placed
exactly once like any other. The group becomes `closed` when that order has filled.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from brokers.precision import floor_to
from config.tasks import task_named
from trading.execution.services.fills import leg_take_profit_sync
from trading.execution.services.order_rows import enqueue_place, new_order
from trading.execution.services.orders import order_cancel
from trading.positions.events import position_event
from trading.positions.hooks import group_status_changed
from trading.positions.journal import group_context, position_closed_log, position_label, reason_text
from trading.positions.marks import latest_price
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    OPEN_GROUP_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderRole,
    PositionGroup,
    Pyramid,
)
from trading.positions.services import group_market, group_refresh, is_dust
from trading.runtime import task_names as names
from trading.runtime.journal import amount, trade_log

logger = logging.getLogger("tradefleet.trading.exits")
ZERO = Decimal(0)


def _enqueue_close(group: PositionGroup) -> None:
    group_id, user_id = str(group.pk), str(group.user_id)
    transaction.on_commit(lambda: task_named(names.CLOSE_GROUP).delay(group_id=group_id, user_id=user_id))


def group_close(*, group: PositionGroup, reason: str, why: str = "") -> PositionGroup:
    """Start closing a group (idempotent while it closes). Call inside a transaction; the group
    is locked here. Raises ValidationError when it is already closed. `why`: what made the
    caller close it, told in the trader's log ("the price 94.9 reached the stop loss ...")."""
    with transaction.atomic():
        group = PositionGroup.objects.select_for_update().get(pk=group.pk)
        if group.status not in OPEN_GROUP_STATUSES:
            raise ValidationError(f"The position is already {group.status}.", code="already_closed")
        if group.status == GroupStatus.CLOSING:
            return group
        group.status = GroupStatus.CLOSING
        group.close_reason = reason
        group.save(update_fields=["status", "close_reason", "updated_at"])
        DCAOrder.objects.filter(group=group, status__in=LIVE_ORDER_STATUSES).update(
            cancel_requested=True, updated_at=timezone.now()
        )
        group = group_refresh(group_id=group.pk, group=group)
        _enqueue_close(group)
        _closing_log(group, why)
    return group


def _closing_log(group: PositionGroup, why: str) -> None:
    held = (
        f"the {amount(group.filled_quantity)} it holds is sold at market"
        if group.filled_quantity > 0
        else "nothing was bought, so nothing is sold"
    )
    trade_log(
        group.user_id,
        f"Closing {position_label(group)} ({reason_text(group.close_reason)}"
        f"{': ' + why if why else ''}): its open orders are cancelled and {held}.",
        **group_context(group),
        close_reason=group.close_reason,
        held=group.filled_quantity,
        avg_entry=group.avg_entry,
        realized_pnl=group.realized_pnl,
    )


def group_close_finish(*, group_id: str) -> None:
    """The `close_group` task: cancel what rests, then sell what is held, once."""
    for order_id in DCAOrder.objects.filter(
        group_id=group_id, status__in=LIVE_ORDER_STATUSES, cancel_requested=True
    ).values_list("pk", flat=True):
        order_cancel(order_id=str(order_id))
    with transaction.atomic():
        group = PositionGroup.objects.select_for_update().filter(pk=group_id).first()
        if group is None or group.status != GroupStatus.CLOSING:
            return
        group = group_refresh(group_id=group.pk, group=group)
        if group.status != GroupStatus.CLOSING:
            return
        if DCAOrder.objects.filter(
            group=group, role=OrderRole.CLOSE, status__in=LIVE_ORDER_STATUSES
        ).exists():
            return
        group_sell(group, group.filled_quantity, reason=group.close_reason or "close")


def group_sell(
    group: PositionGroup,
    quantity: Decimal,
    *,
    reason: str,
    pyramid: Pyramid | None = None,
    leg: DCAOrder | None = None,
) -> DCAOrder | None:
    """One market order closing `quantity` (rounded down to the step) of the group, a pyramid
    or a leg. Returns None for dust: less than the exchange lets us sell."""
    market = group_market(group)
    quantity = floor_to(quantity, market.step_size) if quantity > 0 else ZERO
    if is_dust(quantity, market, latest_price(group) or group.avg_entry):
        if group.status == GroupStatus.CLOSING:  # nothing sellable left: the close is done
            group.close_reason = group.close_reason or "closed"
            group.status = GroupStatus.CLOSED
            group.closed_at = timezone.now()
            group.save(update_fields=["status", "close_reason", "closed_at", "updated_at"])

            position_event(group)
            position_closed_log(group)
            group_status_changed.send(sender=PositionGroup, group=group, previous=GroupStatus.CLOSING)
        return None
    order = new_order(
        user_id=group.user_id,
        group=group,
        pyramid=pyramid,
        leg=leg,
        role=OrderRole.CLOSE,
        level=leg.level if leg else 0,
        symbol=group.symbol,
        side="sell" if group.side == "long" else "buy",
        order_type="market",
        price=latest_price(group),
        quantity=quantity,
        reason=reason,
    )
    order.save(force_insert=True)
    enqueue_place(order)
    return order


def group_reduce(*, group: PositionGroup, fraction: Decimal, reason: str) -> None:
    """Sell `fraction` of what the group holds at market (the `reduce` intent). Resting
    take-profits hold the coins, so a worker takes them down first (`reduce_group`), sells, and
    the take-profits come back for what remains once the sale fills."""
    if not Decimal(0) < fraction <= 1:
        raise ValueError("The fraction to reduce must be in (0, 1].")
    if fraction == 1:
        group_close(group=group, reason=reason)
        return
    with transaction.atomic():
        group = PositionGroup.objects.select_for_update().get(pk=group.pk)
        if is_dust(
            floor_to(group.filled_quantity * fraction, group_market(group).step_size),
            group_market(group),
            latest_price(group) or group.avg_entry,
        ):
            raise ValueError(f"{fraction:%} of the position is below the exchange's minimum order size.")
        DCAOrder.objects.filter(
            group=group, role=OrderRole.TAKE_PROFIT, status__in=LIVE_ORDER_STATUSES
        ).update(cancel_requested=True, updated_at=timezone.now())
        group_id, user_id = str(group.pk), str(group.user_id)
        transaction.on_commit(
            lambda: task_named(names.REDUCE_GROUP).delay(
                group_id=group_id, user_id=user_id, fraction=str(fraction), reason=reason
            )
        )


def group_reduce_finish(*, group_id: str, fraction: Decimal, reason: str) -> None:
    """The `reduce_group` task: free the coins resting in take-profits, then sell the fraction."""
    for order_id in DCAOrder.objects.filter(
        group_id=group_id, role=OrderRole.TAKE_PROFIT, status__in=LIVE_ORDER_STATUSES, cancel_requested=True
    ).values_list("pk", flat=True):
        order_cancel(order_id=str(order_id))
    with transaction.atomic():
        group = PositionGroup.objects.select_for_update().filter(pk=group_id).first()
        if group is None or group.status not in OPEN_GROUP_STATUSES or group.status == GroupStatus.CLOSING:
            return
        if DCAOrder.objects.filter(
            group=group, role=OrderRole.CLOSE, reason=reason, status__in=LIVE_ORDER_STATUSES
        ).exists():
            return  # a redelivered message: the sale is already on its way
        group = group_refresh(group_id=group.pk, group=group)
        if group_sell(group, group.filled_quantity * fraction, reason=reason) is None:
            _restore_take_profits(group)


def _restore_take_profits(group: PositionGroup) -> None:
    legs = list(
        DCAOrder.objects.filter(group=group, role=OrderRole.LEG, filled_quantity__gt=0).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: [leg_take_profit_sync(leg_id=pk) for pk in legs])


def group_close_quantity(*, group: PositionGroup, quantity: Decimal, reason: str) -> DCAOrder | None:
    """Sell exactly `quantity` (rounded down to the step) of an open group with one market order
    and keep the rest open: the risk engine's partial close of a winner. Call inside a
    transaction that holds the group's lock; the order is sent after commit. The caller takes
    resting take-profits down first (they hold the coins on the exchange); they come back for
    what remains when the sale fills. Returns None for dust."""
    if group.status not in (GroupStatus.LIVE, GroupStatus.PARTIALLY_FILLED, GroupStatus.ACTIVE):
        raise ValidationError(f"The position is {group.status}.", code="not_open")
    if quantity <= 0 or quantity > group.filled_quantity:
        raise ValueError(f"Cannot sell {quantity} of a position holding {group.filled_quantity}.")
    return group_sell(group, quantity, reason=reason)


def open_groups_close(*, user_id: Any, reason: str) -> int:
    """Start closing each of the user's open groups (one at a time, each under its lock).
    Returns how many are closing now."""
    closing = 0
    ids = PositionGroup.objects.filter(user_id=user_id, status__in=OPEN_GROUP_STATUSES).values_list(
        "pk", flat=True
    )
    for group in PositionGroup.objects.filter(pk__in=list(ids)):
        try:
            if group_close(group=group, reason=reason).status == GroupStatus.CLOSING:
                closing += 1
        except ValidationError:
            continue  # closed meanwhile
    return closing
