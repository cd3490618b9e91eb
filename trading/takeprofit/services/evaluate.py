"""The take-profit monitor's decision for one group at one price, under the group's lock:
stop loss, cancel-beyond, and the aggregate, hybrid, per-pyramid and trailing targets. Exits go
out through execution (group_close, group_sell).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from trading.dca.grid import aggregate_tp_price
from trading.dca.models import TpMode
from trading.execution.services.exits import group_close, group_sell
from trading.execution.services.order_rows import enqueue_cancel
from trading.positions.journal import group_context, leg_name, position_label, pyramid_number
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderRole,
    PositionGroup,
    Pyramid,
    TpStatus,
)
from trading.positions.services import group_market, group_refresh, orders_summary
from trading.runtime.journal import amount, trade_log
from trading.takeprofit.targets import TrailState, beyond_cancel_level, check_target, stop_loss_hit

logger = logging.getLogger("tradefleet.trading.exits")
ZERO = Decimal(0)


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
                below = "under" if side == "long" else "over"
                why = (
                    f"the price {amount(price)} reached the stop {amount(group.stop_loss_percent)} % "
                    f"{below} the average entry {amount(group.avg_entry)}"
                )
                group_close(group=group, reason="stop_loss", why=why)
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
        cancelled = []
        for leg in unfilled:
            DCAOrder.objects.filter(pk=leg.pk).update(
                cancel_requested=True, reason="cancel_beyond", updated_at=timezone.now()
            )
            enqueue_cancel(leg)
            cancelled.append(leg)
        if cancelled:
            _cancel_beyond_log(group, cancelled, price=price, entry=pyramid.entry_price)


def _cancel_beyond_log(group: PositionGroup, legs: list[DCAOrder], *, price: Decimal, entry: Decimal) -> None:
    numbers = [str(leg.level + 1) for leg in legs]
    names = f"leg {numbers[0]}" if len(numbers) == 1 else f"legs {', '.join(numbers[:-1])} and {numbers[-1]}"
    pyramid = pyramid_number(legs[0], group)  # one pyramid's legs
    names += f" of pyramid {pyramid}" if pyramid else ""
    way = "above" if group.side == "long" else "below"
    trade_log(
        group.user_id,
        f"Cancelling the unfilled {names} of {position_label(group)}: the price {amount(price)} is more "
        f"than {amount(group.cancel_dca_beyond_percent)} % {way} the entry {amount(entry)}.",
        **group_context(group),
        order_ids=[str(leg.pk) for leg in legs],
        price=price,
        entry=entry,
        cancel_dca_beyond_percent=group.cancel_dca_beyond_percent,
    )


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
        elif decision.action == "exit":
            order = group_sell(group, remaining, reason="trailing_take_profit", leg=leg)
            exits += bool(order)
            if order is not None:
                trade_log(
                    group.user_id,
                    f"Trailing take-profit of {leg_name(leg, group)} of {position_label(group)} hit at "
                    f"{amount(price)} (target {amount(leg.tp_price)}, peak {amount(decision.state.peak)}): "
                    f"selling its {amount(order.quantity)} at market.",
                    **group_context(group),
                    leg_id=leg.pk,
                    order_id=order.pk,
                    price=price,
                    target=leg.tp_price,
                )
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
        why = f"the price {amount(price)} reached the target {amount(group.tp_target_price)}"
        group_close(group=group, reason=reason, why=why)
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
                enqueue_cancel(leg)
            order = group_sell(group, summary.held, reason="pyramid_take_profit", pyramid=pyramid)
            if order is not None:
                outcome = "pyramid_take_profit"
                trade_log(
                    group.user_id,
                    f"Take-profit of pyramid {pyramid.index + 1} of {position_label(group)} hit at "
                    f"{amount(price)} (target {amount(target)}): selling its {amount(order.quantity)} "
                    "at market.",
                    **group_context(group),
                    pyramid_id=pyramid.pk,
                    order_id=order.pk,
                    price=price,
                    target=target,
                )
            Pyramid.objects.filter(pk=pyramid.pk).update(closed_at=timezone.now(), updated_at=timezone.now())
    return outcome
