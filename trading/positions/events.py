"""Live events of orders and positions, sent after commit to the owner's sockets only."""

from __future__ import annotations

from notifications.events import ORDER_UPDATED, POSITION_UPDATED, publish
from trading.positions.models import DCAOrder, PositionGroup
from trading.runtime.event_values import text


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
            "price": text(order.price),
            "quantity": text(order.quantity),
            "status": order.status,
            "filled_quantity": text(order.filled_quantity),
            "avg_fill_price": text(order.avg_fill_price),
            "fees": text(order.fees),
            "tp_price": text(order.tp_price),
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
            "avg_entry": text(group.avg_entry),
            "filled_quantity": text(group.filled_quantity),
            "realized_pnl": text(group.realized_pnl),
            "unrealized_pnl": text(group.unrealized_pnl),
            "unrealized_pnl_percent": text(group.unrealized_pnl_percent),
            "last_price": text(group.last_price),
            "tp_target_price": text(group.tp_target_price),
            "close_reason": group.close_reason,
        },
    )
