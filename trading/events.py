"""Live events of the engine, sent after commit to the owner's sockets only."""

from __future__ import annotations

from typing import Any

from notifications.events import ORDER_UPDATED, POSITION_UPDATED, SIGNAL_RECEIVED, publish

from .models_positions import DCAOrder, PositionGroup
from .models_signals import Signal


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def signal_event(signal: Signal) -> None:
    publish(
        signal.user_id,
        SIGNAL_RECEIVED,
        {
            "id": str(signal.pk),
            "status": signal.status,
            "classification": signal.classification,
            "reason": signal.reason,
            "exchange": signal.exchange,
            "symbol": signal.symbol,
            "timeframe": signal.timeframe,
            "side": signal.side,
            "intent_type": signal.intent_type,
            "position_group": _text(signal.position_group_id),
        },
    )


def order_event(order: DCAOrder) -> None:
    publish(
        order.user_id,
        ORDER_UPDATED,
        {
            "id": str(order.pk),
            "position_group": str(order.group_id),
            "role": order.role,
            "level": order.level,
            "symbol": order.symbol,
            "side": order.side,
            "type": order.order_type,
            "price": _text(order.price),
            "quantity": _text(order.quantity),
            "status": order.status,
            "filled_quantity": _text(order.filled_quantity),
            "avg_fill_price": _text(order.avg_fill_price),
            "fees": _text(order.fees),
            "tp_price": _text(order.tp_price),
            "tp_status": order.tp_status,
            "last_error": order.last_error,
        },
    )


def position_event(group: PositionGroup) -> None:
    publish(
        group.user_id,
        POSITION_UPDATED,
        {
            "id": str(group.pk),
            "exchange": group.exchange,
            "symbol": group.symbol,
            "timeframe": group.timeframe,
            "side": group.side,
            "status": group.status,
            "pyramid_count": group.pyramid_count,
            "avg_entry": _text(group.avg_entry),
            "filled_quantity": _text(group.filled_quantity),
            "realized_pnl": _text(group.realized_pnl),
            "unrealized_pnl": _text(group.unrealized_pnl),
            "unrealized_pnl_percent": _text(group.unrealized_pnl_percent),
            "last_price": _text(group.last_price),
            "tp_target_price": _text(group.tp_target_price),
            "close_reason": group.close_reason,
        },
    )
