"""Closing positions: exit signals, manual and admin closes, reductions, and the take-profit
monitor (aggregate, hybrid, per-pyramid and trailing targets, stop loss, cancel-beyond).

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

from .grid import aggregate_tp_price
from .models import TpMode
from .models_positions import (
    LIVE_ORDER_STATUSES,
    OPEN_GROUP_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderRole,
    PositionGroup,
    Pyramid,
    TpStatus,
)
from .services_group_state import group_market, group_refresh, is_dust, orders_summary
from .services_orders import enqueue_place, new_order, order_cancel
from .targets import TrailState, beyond_cancel_level, check_target, stop_loss_hit

logger = logging.getLogger("tradefleet.trading.exits")
ZERO = Decimal(0)


def _enqueue_close(group: PositionGroup) -> None:
    from .tasks import close_group

    group_id, user_id = str(group.pk), str(group.user_id)
    transaction.on_commit(lambda: close_group.delay(group_id=group_id, user_id=user_id))


def group_close(*, group: PositionGroup, reason: str) -> PositionGroup:
    """Start closing a group (idempotent while it closes). Call inside a transaction; the group
    is locked here. Raises ValidationError when it is already closed."""
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
    return group


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
        _sell(group, group.filled_quantity, reason=group.close_reason or "close")


def _sell(
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
    if is_dust(quantity, market, group.last_price or group.avg_entry):
        if group.status == GroupStatus.CLOSING:  # nothing sellable left: the close is done
            group.close_reason = group.close_reason or "closed"
            group.status = GroupStatus.CLOSED
            group.closed_at = timezone.now()
            group.save(update_fields=["status", "close_reason", "closed_at", "updated_at"])
            from .events import position_event
            from .hooks import group_status_changed

            position_event(group)
            group_status_changed(group, previous=GroupStatus.CLOSING)
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
        price=group.last_price,
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
            group.last_price or group.avg_entry,
        ):
            raise ValueError(f"{fraction:%} of the position is below the exchange's minimum order size.")
        DCAOrder.objects.filter(
            group=group, role=OrderRole.TAKE_PROFIT, status__in=LIVE_ORDER_STATUSES
        ).update(cancel_requested=True, updated_at=timezone.now())
        from .tasks import reduce_group

        group_id, user_id = str(group.pk), str(group.user_id)
        transaction.on_commit(
            lambda: reduce_group.delay(
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
        if _sell(group, group.filled_quantity * fraction, reason=reason) is None:
            _restore_take_profits(group)


def _restore_take_profits(group: PositionGroup) -> None:
    from .services_fills import leg_take_profit_sync

    legs = list(
        DCAOrder.objects.filter(group=group, role=OrderRole.LEG, filled_quantity__gt=0).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: [leg_take_profit_sync(leg_id=pk) for pk in legs])


# --- the take-profit monitor ----------------------------------------------------------------------


def take_profit_tick() -> int:
    """One take-profit tick (the `check_take_profits` task): every open group against one shared
    price per (exchange, symbol), in batches (services_marks.py). Returns how many groups were
    sent for evaluation."""
    from .services_marks import take_profit_dispatch

    return take_profit_dispatch()


def group_evaluate(*, group_id: Any, price: Decimal) -> str:
    """One group at one price: mark it, then stop loss, cancel-beyond, and its targets. Returns
    what happened (for logs and tests)."""
    with transaction.atomic():
        group = PositionGroup.objects.select_for_update().get(pk=group_id)
        if group.status not in (GroupStatus.LIVE, GroupStatus.PARTIALLY_FILLED, GroupStatus.ACTIVE):
            return "skipped"
        group.last_price = price
        previous_evaluation, group.last_evaluated_at = group.last_evaluated_at, timezone.now()
        group = group_refresh(group_id=group.pk, group=group)
        side = group.side
        if group.stop_loss_percent and group.avg_entry and group.filled_quantity > 0:
            if stop_loss_hit(
                price=price, avg_entry=group.avg_entry, stop_loss_percent=group.stop_loss_percent, side=side
            ):
                group_close(group=group, reason="stop_loss")
                return "stop_loss"
        if group.cancel_dca_beyond_percent:
            _cancel_beyond(group, price)
        if group.filled_quantity <= 0:
            return "marked"
        if group.tp_mode == TpMode.PYRAMID_AGGREGATE:
            return _pyramid_targets(group, price)
        leg_exits = _leg_targets(group, price) if group.tp_mode in (TpMode.PER_LEG, TpMode.HYBRID) else 0
        if group.tp_mode == TpMode.PER_LEG:
            return "leg_take_profit" if leg_exits else "marked"
        leg_hit_since = group.last_leg_exit_at is not None and (
            previous_evaluation is None or group.last_leg_exit_at >= previous_evaluation
        )
        if leg_exits or (
            group.tp_mode == TpMode.HYBRID and (leg_hit_since or _resting_leg_target_reached(group, price))
        ):
            # Per-leg first: only those legs close in this cycle; the aggregate, recomputed on
            # what remains, is checked again at the next one.
            return "leg_take_profit"
        return _group_target(group, price)


def _cancel_beyond(group: PositionGroup, price: Decimal) -> None:
    for pyramid in group.pyramids.all():
        if not beyond_cancel_level(
            price=price,
            entry=pyramid.entry_price,
            cancel_dca_beyond_percent=group.cancel_dca_beyond_percent,
            side=group.side,
        ):
            continue
        unfilled = DCAOrder.objects.filter(
            pyramid=pyramid,
            role=OrderRole.LEG,
            status__in=LIVE_ORDER_STATUSES,
            filled_quantity=0,
            cancel_requested=False,
        ).exclude(level=0)
        for leg in unfilled:
            DCAOrder.objects.filter(pk=leg.pk).update(
                cancel_requested=True, reason="cancel_beyond", updated_at=timezone.now()
            )
            _enqueue_cancel(leg)


def _enqueue_cancel(order: DCAOrder) -> None:
    from .services_orders import enqueue_cancel

    enqueue_cancel(order)


def _resting_leg_target_reached(group: PositionGroup, price: Decimal) -> bool:
    """Hybrid: a resting per-leg take-profit at or inside the price will fill on the exchange;
    let it, rather than selling everything at the aggregate."""
    targets = DCAOrder.objects.filter(group=group, role=OrderRole.TAKE_PROFIT, status__in=LIVE_ORDER_STATUSES)
    for tp in targets.only("price"):
        if tp.price is not None and (price >= tp.price if group.side == "long" else price <= tp.price):
            return True
    return False


def _leg_targets(group: PositionGroup, price: Decimal) -> int:
    """Trailing per-leg targets (resting limit take-profits need no monitor). Returns exits sent."""
    if not group.trailing_deviation_percent:
        return 0
    exits = 0
    legs = DCAOrder.objects.select_for_update().filter(
        group=group, role=OrderRole.LEG, filled_quantity__gt=0, tp_price__isnull=False
    )
    for leg in legs:
        remaining = leg.filled_quantity - leg.base_fees - leg.closed_quantity
        if remaining <= 0 or leg.exit_orders.filter(status__in=LIVE_ORDER_STATUSES).exists():
            continue
        state = TrailState(leg.tp_status == TpStatus.TRAILING, leg.tp_peak)
        decision = check_target(
            price=price,
            target=leg.tp_price,
            state=state,
            trailing_deviation_percent=group.trailing_deviation_percent,
            side=group.side,
        )
        if decision.action in ("arm", "track"):
            leg.tp_status, leg.tp_peak = TpStatus.TRAILING, decision.state.peak
            leg.save(update_fields=["tp_status", "tp_peak", "updated_at"])
        elif decision.action == "exit" and _sell(group, remaining, reason="trailing_take_profit", leg=leg):
            exits += 1
    return exits


def _group_target(group: PositionGroup, price: Decimal) -> str:
    if group.tp_target_price is None:
        return "marked"
    decision = check_target(
        price=price,
        target=group.tp_target_price,
        state=TrailState(group.trailing_active, group.trailing_peak),
        trailing_deviation_percent=group.trailing_deviation_percent,
        side=group.side,
    )
    if decision.action in ("arm", "track"):
        group.trailing_active, group.trailing_peak = True, decision.state.peak
        group.save(update_fields=["trailing_active", "trailing_peak", "updated_at"])
        return "trailing"
    if decision.action == "exit":
        reason = "trailing_take_profit" if group.trailing_deviation_percent else "take_profit"
        group_close(group=group, reason=reason)
        return reason
    return "marked"


def _pyramid_targets(group: PositionGroup, price: Decimal) -> str:
    market = group_market(group)
    outcome = "marked"
    for pyramid in group.pyramids.select_for_update().filter(closed_at__isnull=True):
        legs = list(DCAOrder.objects.filter(pyramid=pyramid, role=OrderRole.LEG, filled_quantity__gt=0))
        summary = orders_summary(legs)
        if summary.avg_entry is None:
            continue
        if DCAOrder.objects.filter(
            pyramid=pyramid, role=OrderRole.CLOSE, status__in=LIVE_ORDER_STATUSES
        ).exists():
            continue
        target = aggregate_tp_price(
            average_entry=summary.avg_entry,
            tp_aggregate_percent=group.tp_aggregate_percent,
            tick_size=market.tick_size,
            side=group.side,
        )
        decision = check_target(
            price=price,
            target=target,
            state=TrailState(pyramid.trailing_active, pyramid.trailing_peak),
            trailing_deviation_percent=group.trailing_deviation_percent,
            side=group.side,
        )
        pyramid.tp_target_price = target
        if decision.action in ("arm", "track"):
            pyramid.trailing_active, pyramid.trailing_peak = True, decision.state.peak
            outcome = "trailing"
        pyramid.save(update_fields=["tp_target_price", "trailing_active", "trailing_peak", "updated_at"])
        if decision.action == "exit":
            for leg in DCAOrder.objects.filter(
                pyramid=pyramid, role=OrderRole.LEG, status__in=LIVE_ORDER_STATUSES
            ):
                DCAOrder.objects.filter(pk=leg.pk).update(
                    cancel_requested=True, reason="pyramid_take_profit", updated_at=timezone.now()
                )
                _enqueue_cancel(leg)
            if _sell(group, summary.held, reason="pyramid_take_profit", pyramid=pyramid):
                outcome = "pyramid_take_profit"
            Pyramid.objects.filter(pk=pyramid.pk).update(closed_at=timezone.now(), updated_at=timezone.now())
    return outcome


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
    return _sell(group, quantity, reason=reason)
