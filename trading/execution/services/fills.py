"""Applying what the exchange says to our rows: order state, fills, the group's position and
status, and the per-leg take-profits that follow a fill.

`order_apply` is the one entry point for every exchange answer (placement, cancel, fill
monitor, reconciliation). It is idempotent: quantities only grow, exits are allocated to legs
by the *increase* of an order's filled quantity under the row lock, and the group is recomputed
from its rows (positions.services.group_refresh), so applying the same answer twice changes nothing.

Locks are always taken group first, then order, so two workers never deadlock.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from celery import current_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from brokers.adapters.base import Market, Order, Trade
from brokers.adapters.base import OrderStatus as ExchangeStatus
from brokers.precision import floor_to
from config.tasks import task_named
from notifications.services.notify import notify
from trading.dca.grid import tp_price
from trading.dca.models import TpMode
from trading.execution.services.order_rows import enqueue_place, new_order
from trading.positions import accounting
from trading.positions.events import order_event
from trading.positions.journal import leg_name, money, order_context, order_what, position_label
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    OPEN_GROUP_STATUSES,
    DCAOrder,
    Fill,
    GroupStatus,
    OrderRole,
    OrderStatus,
    PositionGroup,
    TpStatus,
)
from trading.positions.services import group_market, group_refresh, is_dust
from trading.runtime import task_names as names
from trading.runtime.journal import amount, trade_log

logger = logging.getLogger("tradefleet.trading.fills")
ZERO = Decimal(0)


def status_for(order: DCAOrder, ex: Order, filled: Decimal) -> str:
    if ex.status == ExchangeStatus.CLOSED or (filled >= order.quantity and filled > 0):
        return OrderStatus.FILLED
    if ex.status == ExchangeStatus.OPEN:
        return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.OPEN
    if ex.status == ExchangeStatus.REJECTED:
        return OrderStatus.FAILED
    return OrderStatus.CANCELLED  # canceled or expired, possibly after a partial fill


def fee_in_quote(
    market: Market, fee: Decimal, fee_asset: str, price: Decimal | None
) -> tuple[Decimal, Decimal]:
    """(fee in quote, part of it paid in base). A fee in a third asset (BNB) is not converted:
    it is not taken from this position, and its value is unknown without another price."""
    asset = (fee_asset or "").upper()
    if not fee or not asset or asset == market.quote.upper():
        return fee, ZERO
    if asset == market.base.upper() and price:
        return fee * price, fee
    return ZERO, ZERO


def lock_order(order_id: Any, group_id: Any = None) -> tuple[PositionGroup, DCAOrder] | None:
    """Lock an order's group, then the order: the one lock order of the engine. `group_id`: the
    caller already knows it (an order never moves to another group), which saves a query."""
    if group_id is None:
        group_id = DCAOrder.objects.filter(pk=order_id).values_list("group_id", flat=True).first()
    if group_id is None:
        return None
    group = PositionGroup.objects.select_for_update().get(pk=group_id)
    order = DCAOrder.objects.select_for_update().get(pk=order_id)
    order.group = group  # the locked row, so `order.group` costs no query
    return group, order


def order_apply(
    *,
    order_id: uuid.UUID | str,
    exchange_order: Order,
    group_id: Any = None,
    trades: Sequence[Trade] = (),
) -> DCAOrder | None:
    """Record the exchange's view of one of our orders, then whatever follows from it. `trades`:
    the exchange's trades of this order, stored as its `Fill` rows in the same transaction."""
    needs_tp = False
    with transaction.atomic():
        locked = lock_order(order_id, group_id)
        if locked is None:
            return None
        group, order = locked
        market = group_market(group)
        previous_filled, tp_status_before, status_before = (
            order.filled_quantity,
            order.tp_status,
            order.status,
        )
        filled = max(exchange_order.filled, previous_filled)  # never shrinks
        status = status_for(order, exchange_order, filled)
        if order.status in (OrderStatus.FILLED, OrderStatus.CANCELLED) and status != order.status:
            status = order.status if filled == previous_filled else status
        average = exchange_order.average or (exchange_order.price if filled > 0 else None)
        fee, base_fee = fee_in_quote(market, exchange_order.fee, exchange_order.fee_asset, average)
        changed = (
            status != order.status
            or filled != order.filled_quantity
            or (exchange_order.id and exchange_order.id != order.exchange_order_id)
        )
        if exchange_order.id and not order.acknowledged_at:
            order.acknowledged_at = timezone.now()
        order.exchange_order_id = exchange_order.id or order.exchange_order_id
        order.status = status
        order.filled_quantity = filled
        if filled > 0 and average is not None:
            order.avg_fill_price = average
        order.fees = max(fee, order.fees)
        order.base_fees = max(base_fee, order.base_fees)
        order.lease_until = None
        delta = filled - previous_filled
        if order.role == OrderRole.LEG and delta > 0 and order.tp_percent is not None:
            order.tp_price = tp_price(
                fill_price=order.avg_fill_price,
                tp_percent=order.tp_percent,
                tick_size=market.tick_size,
                side=group.side,
            )
            needs_tp = _wants_resting_tp(group)
        if trades:
            fills_store({order.exchange_order_id: order}, trades, look_up=previous_filled > 0)
        touched: list[Any] = []
        if delta > 0 and order.role != OrderRole.LEG:
            touched = _allocate_exit(group, order, delta)
        if order.role == OrderRole.TAKE_PROFIT and order.leg_id:
            _sync_tp_status(order)
            if delta > 0:
                group.last_leg_exit_at = timezone.now()
        # The group's rows with this order as it is now; it is written once, below, after its
        # take-profit (which sets its tp_status) is decided.
        orders = [order if o.pk == order.pk else o for o in DCAOrder.objects.filter(group=group)]
        tell = None
        if delta > 0 or (status == OrderStatus.FAILED and status_before != OrderStatus.FAILED):
            # The fill is told before the status change it causes ("Sold ...", then "closed").
            tell = partial(_fill_log, order=order, delta=delta, answer=exchange_order)
        group = group_refresh(group_id=group.pk, group=group, orders=orders, on_refreshed=tell)
        # The leg's take-profit in the same transaction, under the same locks; only replacing a
        # live one (a cancel on the exchange) waits until after the commit.
        stale = leg_take_profit_locked(group, order, orders=orders, save_leg=False) if needs_tp else None
        order.save()
        if changed or order.tp_status != tp_status_before:
            order_event(order)
    if stale is not None:
        leg_take_profit_sync(leg_id=order.pk, group_id=group.pk)
    if order.role == OrderRole.CLOSE and order.status == OrderStatus.FILLED:
        for leg_id in touched or _legs_of(order):
            leg_take_profit_sync(leg_id=leg_id)  # a partial close took coins from these legs
    return order


def _fill_log(group: PositionGroup, *, order: DCAOrder, delta: Decimal, answer: Order) -> None:
    """The trader's line for a fill (a leg bought, a take-profit or a close sold) or a rejection.
    Called with the group refreshed, so its position is the one after this fill."""
    context = {
        **order_context(order),
        "filled_quantity": order.filled_quantity,
        "fill_quantity": delta,
        "fill_price": order.avg_fill_price,
        "status": order.status,
    }
    if delta <= 0:
        trade_log(
            order.user_id,
            f"The exchange rejected the order {order.order_type} {order.side} {amount(order.quantity)} "
            f"{order.symbol}, {order_what(order, group)}: "
            f"{getattr(answer.status, 'value', answer.status)}.",
            level=logging.WARNING,
            **context,
        )
        return
    done = order.status == OrderStatus.FILLED
    part = "" if done else f" ({amount(order.filled_quantity)} of {amount(order.quantity)} so far)"
    label = position_label(group)
    at = f"{amount(delta)} {order.symbol} at {amount(order.avg_fill_price)}{part}"
    if order.role == OrderRole.LEG:
        leg = leg_name(order, group)
        leg, filled = f"{leg[:1].upper()}{leg[1:]}", "filled" if done else "partly filled"
        message = (
            f"{leg} of {label} {filled}: bought {at}. "
            f"The position holds {amount(group.filled_quantity)} at an average {amount(group.avg_entry)}."
        )
        # No query: the journal's words and the ids at hand; notify() adds its INSERT only. The
        # title names the leg and the position, the message what was bought (the position's
        # totals are on its page): a tick's burst, one "title: message" line per leg in one
        # e-mail or Telegram message, lists 30 legs within Telegram's 4096 characters.
        notify(
            order.user_id,
            "leg_filled",
            title=f"{leg} {filled}: {label}",
            message=f"Bought {at}.",
            link=f"/positions/{group.pk}",
            data={"position_id": str(group.pk), "order_id": str(order.pk), "leg": order.level + 1},
            group_key=fills_group_key(),
        )
    elif order.role == OrderRole.TAKE_PROFIT:
        message = (
            f"Take-profit of {leg_name(order, group)} of {label} hit: sold {at}. "
            f"Realized PnL of the position so far {money(group, group.realized_pnl)}."
        )
    else:
        message = (
            f"Sold {at} {order_what(order, group)}. "
            f"Realized PnL of the position so far {money(group, group.realized_pnl)}."
        )
    trade_log(order.user_id, message, **context, realized_pnl=group.realized_pnl)


def fills_group_key() -> str:
    """The group key of a leg's fill notification: the fills of one tick leave e-mail and
    Telegram as one message. The fill path has no tick id of its own (order_apply serves the
    monitor, placement, cancels and reconciliation alike), but each tick applies a user's fills
    inside one task (the monitor's batch for their account, a placement of the whole grid), so the
    running Celery task's id stands for the tick: one message per tick whatever its length, never
    split at a clock boundary. Outside a task (a direct call), a NOTIFY_GROUP_WINDOW_SECONDS time
    bucket. Free: a thread-local read, no query."""
    request_id = getattr(getattr(current_task, "request", None), "id", None)
    if request_id:
        return f"fills:{request_id}"
    window = max(float(settings.NOTIFY_GROUP_WINDOW_SECONDS), 1.0)
    return f"fills:t{int(time.time() // window)}"


def _legs_of(order: DCAOrder) -> list[Any]:
    legs = DCAOrder.objects.filter(group_id=order.group_id, role=OrderRole.LEG, filled_quantity__gt=0)
    if order.leg_id:
        legs = legs.filter(pk=order.leg_id)
    elif order.pyramid_id:
        legs = legs.filter(pyramid_id=order.pyramid_id)
    return list(legs.values_list("pk", flat=True))


def _allocate_exit(group: PositionGroup, exit_order: DCAOrder, delta: Decimal) -> list[Any]:
    """Assign `delta` sold by an exit to the legs it closes (its leg, its pyramid's, or all)."""
    legs = DCAOrder.objects.select_for_update().filter(group=group, role=OrderRole.LEG, filled_quantity__gt=0)
    if exit_order.leg_id:
        legs = legs.filter(pk=exit_order.leg_id)
    elif exit_order.pyramid_id:
        legs = legs.filter(pyramid_id=exit_order.pyramid_id)
    rows = {leg.pk: leg for leg in legs}
    remaining = {
        pk: max(leg.filled_quantity - leg.base_fees - leg.closed_quantity, ZERO) for pk, leg in rows.items()
    }
    shares = accounting.allocate(delta, remaining)
    for pk, share in shares.items():
        leg = rows[pk]
        leg.closed_quantity += share
        leg.save(update_fields=["closed_quantity", "updated_at"])
    return list(shares)


def _sync_tp_status(tp: DCAOrder) -> None:
    status = {
        OrderStatus.FILLED: TpStatus.FILLED,
        OrderStatus.CANCELLED: TpStatus.CANCELLED,
        OrderStatus.FAILED: TpStatus.CANCELLED,
    }.get(tp.status, TpStatus.PLACED)
    leg = DCAOrder.objects.select_for_update().get(pk=tp.leg_id)
    if leg.tp_status != status and not (status == TpStatus.CANCELLED and _has_live_tp(leg, exclude=tp.pk)):
        leg.tp_status = status
        leg.save(update_fields=["tp_status", "updated_at"])
        order_event(leg)


def _has_live_tp(leg: DCAOrder, *, exclude: Any = None) -> bool:
    return (
        DCAOrder.objects.filter(leg=leg, role=OrderRole.TAKE_PROFIT, status__in=LIVE_ORDER_STATUSES)
        .exclude(pk=exclude)
        .exists()
    )


def _wants_resting_tp(group: PositionGroup) -> bool:
    """Per-leg targets rest on the exchange as limit orders, unless they trail (a trailing
    exit is decided by the monitor and sent at market)."""
    return group.tp_mode in (TpMode.PER_LEG, TpMode.HYBRID) and not group.trailing_deviation_percent


def leg_take_profit_sync(*, leg_id: Any, group_id: Any = None) -> None:
    """Make one leg's resting take-profit cover exactly what the leg still holds: placed when the
    leg fills, replaced (cancel, then place the larger one) as later partial fills add to it."""
    for _ in range(3):  # a cancel that finds a partial fill changes the quantity: look again
        with transaction.atomic():
            locked = lock_order(leg_id, group_id)
            if locked is None:
                return
            stale = leg_take_profit_locked(*locked)
        if stale is None:
            return
        # The leg grew: take the old target down first (it holds the base we want to sell).
        # Run inline like any call; through the task's name because cancelling applies its answer
        # here again (order_apply), so orders.py imports this module and not the other way round.
        task_named(names.CANCEL_ORDER)(order_id=str(stale.pk), user_id=str(stale.user_id))


def leg_take_profit_locked(
    group: PositionGroup, leg: DCAOrder, *, orders: list[DCAOrder] | None = None, save_leg: bool = True
) -> DCAOrder | None:
    """With the group and the leg locked: place the leg's take-profit when it has none, or return
    the live one that no longer covers the leg (None: nothing more to do). `orders`: the group's
    rows, read under the same lock. `save_leg=False`: the caller writes the leg (its tp_status)."""
    if group.status not in OPEN_GROUP_STATUSES or group.status == GroupStatus.CLOSING:
        return None
    if not _wants_resting_tp(group) or leg.tp_price is None:
        return None
    market = group_market(group)
    want = floor_to(max(leg.filled_quantity - leg.base_fees - leg.closed_quantity, ZERO), market.step_size)
    if orders is None:
        orders = list(
            DCAOrder.objects.filter(leg=leg, role=OrderRole.TAKE_PROFIT, status__in=LIVE_ORDER_STATUSES)
        )
    live = [
        o
        for o in orders
        if o.leg_id == leg.pk and o.role == OrderRole.TAKE_PROFIT and o.status in LIVE_ORDER_STATUSES
    ]
    if any(tp.quantity - tp.filled_quantity == want for tp in live):
        return None
    if live:
        return live[0]
    if is_dust(want, market, leg.tp_price):
        return None  # a partial fill too small to sell yet; the next fill grows it
    tp = new_order(
        user_id=group.user_id,
        group=group,
        pyramid_id=leg.pyramid_id,
        leg=leg,
        role=OrderRole.TAKE_PROFIT,
        level=leg.level,
        symbol=group.symbol,
        side="sell" if group.side == "long" else "buy",
        order_type="limit",
        price=leg.tp_price,
        quantity=want,
        reason="take_profit",
    )
    tp.save()
    leg.tp_status = TpStatus.PLACED
    if save_leg:
        leg.save(update_fields=["tp_status", "updated_at"])
        order_event(leg)
    enqueue_place(tp)
    return None


def fills_store(orders: Mapping[str, DCAOrder], trades: Iterable[Trade], *, look_up: bool = True) -> int:
    """One Fill per trade of these orders (keyed by exchange order id; `order.group` loaded) not
    stored yet: one query for what is, one insert for the rest. `look_up=False`: the orders had
    filled nothing before these trades, and a Fill is only written with or after its order's
    fill, so none of theirs is stored yet."""
    trades = [t for t in trades if t.order_id in orders]
    if not trades:
        return 0
    known: set[tuple[Any, str]] = set()
    if look_up:
        known = set(
            Fill.objects.filter(order__in=[o.pk for o in orders.values()]).values_list("order_id", "trade_id")
        )
    rows = []
    for trade in trades:
        order = orders[trade.order_id]
        if (order.pk, trade.id) in known:
            continue
        fee_quote, _ = fee_in_quote(group_market(order.group), trade.fee, trade.fee_asset, trade.price)
        rows.append(
            Fill(
                user_id=order.user_id,
                order=order,
                trade_id=trade.id,
                price=trade.price,
                quantity=trade.amount,
                fee=trade.fee,
                fee_asset=trade.fee_asset,
                fee_quote=fee_quote,
                executed_at=trade.executed_at,
            )
        )
        known.add((order.pk, trade.id))
    # ignore_conflicts: a concurrent tick (or reconciliation) stored the same trade first.
    Fill.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
