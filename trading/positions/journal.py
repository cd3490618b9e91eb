"""The words of the trade journal about positions and their orders (trading/runtime/journal.py
writes the lines): how a position, an order and a close reason read in a trader's log, and the
line a position gets when it closes."""

from __future__ import annotations

import logging
from typing import Any

from notifications.services.notify import notify
from trading.positions.models import DCAOrder, GroupStatus, OrderRole, PositionGroup, Pyramid
from trading.runtime.journal import amount, signed, trade_log

# close_reason codes (and exit orders' reasons) as a trader reads them.
REASONS = {
    "manual": "by hand",
    "admin": "by an administrator",
    "exit_signal": "exit signal",
    "reverse_signal": "reverse signal",
    "reduce_signal": "reduce signal",
    "stop_loss": "stop loss",
    "take_profit": "take-profit",
    "trailing_take_profit": "trailing take-profit",
    "pyramid_take_profit": "pyramid take-profit",
    "risk_engine": "risk engine offset, as the loser",
    "risk_offset": "risk engine offset, as a winner",
    "service_stopped": "service stopped with close all",
    "scheduled_close": "scheduled close",
    "orders_failed": "its orders failed",
    "cancelled": "its orders were cancelled",
    "cancel_beyond": "the price moved beyond the cancel level",
    "closed": "nothing left to sell",
}


# Close reasons a trader is told of as a take-profit (the rest: `position_closed`).
TAKE_PROFIT_REASONS = frozenset({"take_profit", "trailing_take_profit", "pyramid_take_profit"})

# Exit orders that sell part of a position and leave the rest open.
PARTIAL_REASONS = frozenset({"risk_offset", "reduce_signal", "trailing_take_profit", "pyramid_take_profit"})


def reason_text(code: str) -> str:
    return REASONS.get(code, code.replace("_", " ") if code else "closed")


def position_label(group: PositionGroup) -> str:
    """The key a trader knows a position by: `long BTC/USDT 1h`."""
    return f"{group.side} {group.symbol} {group.timeframe}"


def quote_of(group: PositionGroup) -> str:
    snapshot = group.market_snapshot or {}
    return str(snapshot.get("quote") or group.symbol.rpartition("/")[2] or "")


def money(group: PositionGroup, value: Any) -> str:
    """A profit or loss in the position's quote currency: "+3.92 USDT"."""
    return f"{signed(value)} {quote_of(group)}".strip()


def group_context(group: PositionGroup) -> dict[str, Any]:
    return {"position_id": group.pk, "symbol": group.symbol, "timeframe": group.timeframe, "side": group.side}


def pyramid_number(order: DCAOrder, group: PositionGroup) -> int | None:
    """The order's pyramid as the trader counts them (1 is the entry), or None while the
    position has a single pyramid (nothing to tell apart: no query then)."""
    if not order.pyramid_id or group.pyramid_count <= 1:
        return None
    cached = order._state.fields_cache.get("pyramid")
    index = (
        cached.index
        if cached is not None
        else Pyramid.objects.filter(pk=order.pyramid_id).values_list("index", flat=True).first()
    )
    return None if index is None else index + 1


def leg_name(order: DCAOrder, group: PositionGroup) -> str:
    """A leg (or the leg a take-profit sells): "leg 2", "leg 1 of pyramid 2" once the position
    has several pyramids, each with its own leg 1."""
    number = pyramid_number(order, group)
    return f"leg {order.level + 1}" + (f" of pyramid {number}" if number else "")


def order_what(order: DCAOrder, group: PositionGroup) -> str:
    """What an order is for: "leg 2 of long BTC/USDT 1h", "the take-profit of leg 1 of ...",
    "to close long BTC/USDT 1h (stop loss)", "to sell part of ... (reduce signal)"."""
    label = position_label(group)
    if order.role == OrderRole.LEG:
        return f"{leg_name(order, group)} of {label}"
    if order.role == OrderRole.TAKE_PROFIT:
        return f"the take-profit of {leg_name(order, group)} of {label}"
    partial = order.leg_id or order.pyramid_id or order.reason in PARTIAL_REASONS
    why = f" ({reason_text(order.reason)})" if order.reason else ""
    return f"to {'sell part of' if partial else 'close'} {label}{why}"


def order_context(order: DCAOrder) -> dict[str, Any]:
    return {
        "position_id": order.group_id,
        "order_id": order.pk,
        "client_order_id": order.client_order_id,
        "exchange_order_id": order.exchange_order_id or None,
        "role": order.role,
        "leg": order.level + 1,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.order_type,
        "quantity": order.quantity,
        "price": order.price,
    }


def position_closed_log(group: PositionGroup) -> None:
    """The line of a group that has just turned closed or failed (call after the change)."""
    context = {
        **group_context(group),
        "status": group.status,
        "close_reason": group.close_reason,
        "realized_pnl": group.realized_pnl,
        "fees": group.fees,
    }
    label = position_label(group)
    if group.status == GroupStatus.FAILED:
        message = f"Position {label} failed ({reason_text(group.close_reason)}): nothing was bought."
        trade_log(group.user_id, message, level=logging.WARNING, **context)
        _notify_closed(group, message, level="warning")
        return
    if not group.bought_quantity:
        message = f"Position {label} closed before anything filled ({reason_text(group.close_reason)})."
    else:
        message = (
            f"Position {label} closed ({reason_text(group.close_reason)}): realized PnL "
            f"{money(group, group.realized_pnl)}, fees {amount(group.fees)} included."
        )
    trade_log(group.user_id, message, **context)
    _notify_closed(group, message)


def _notify_closed(group: PositionGroup, message: str, *, level: str | None = None) -> None:
    """The trader's notification of a close (take-profit or otherwise), after the close commits."""
    take_profit = group.close_reason in TAKE_PROFIT_REASONS
    notify(
        group.user_id,
        "take_profit_hit" if take_profit else "position_closed",
        title=f"{'Take-profit' if take_profit else 'Closed'}: {position_label(group)}",
        message=message,
        level=level,
        link=f"/positions/{group.pk}",
        data={"position_id": str(group.pk), "close_reason": group.close_reason},
    )
