"""Live events of the engine, sent after commit to the owner's sockets only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from notifications.events import (
    ORDER_UPDATED,
    POSITION_UPDATED,
    QUEUE_UPDATED,
    RISK_ACTION,
    SIGNAL_RECEIVED,
    publish,
)

from .models_positions import DCAOrder, PositionGroup
from .models_risk import RiskAction
from .models_signals import Signal

if TYPE_CHECKING:
    from .models_queue import QueueEntry


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


def risk_action_event(action: RiskAction) -> None:
    """What the risk engine just did: the loser closed and the winners that paid for it."""
    publish(
        action.user_id,
        RISK_ACTION,
        {
            "id": str(action.pk),
            "loser": _text(action.loser_id),
            "symbol": action.symbol,
            "timeframe": action.timeframe,
            "loser_quantity": _plain(action.loser_quantity),
            "loser_price": _plain(action.loser_price),
            "loser_loss": _plain(action.loser_loss),
            "loser_loss_percent": _plain(action.loser_loss_percent),
            "required": _plain(action.required),
            "covered": _plain(action.covered),
            "fully_covered": action.fully_covered,
            "winners": action.winners,
            "trigger": action.trigger,
            "status": action.status,
            "created_at": action.created_at.isoformat(),
        },
    )


def _plain(value: Any) -> str | None:
    """A Decimal as the API shows it: "95.5", not "95.500000000000000000"."""
    return None if value is None else format(value.normalize(), "f")


def queue_entry_data(entry: QueueEntry) -> dict[str, Any]:
    """One queue entry as the API's queue list shows it (trading/api/queue_serializers.py)."""
    end = entry.done_at or timezone.now()
    return {
        "id": str(entry.pk),
        "exchange": entry.exchange,
        "symbol": entry.symbol,
        "timeframe": entry.timeframe,
        "side": entry.side,
        "status": entry.status,
        "rank": entry.rank,
        "priority_rule": entry.priority_rule,
        "loss_percent": _plain(entry.loss_percent),
        "current_price": _plain(entry.current_price),
        "entry_price": _plain(entry.entry_price),
        "replacement_count": entry.replacement_count,
        "expected_profit": _plain(entry.expected_profit),
        "queued_at": entry.queued_at.isoformat(),
        "time_in_queue_seconds": max(int((end - entry.queued_at).total_seconds()), 0),
        "is_pyramid_continuation": entry.is_pyramid_continuation,
        "signal": None if entry.signal_id is None else str(entry.signal_id),
    }


def queue_event(user_id: Any, entries: Iterable[QueueEntry], summary: dict[str, Any]) -> None:
    """The whole ranked queue after each change: `{"entries": [...], "summary": {...}}`."""
    breaker = summary["circuit_breaker"]
    publish(
        user_id,
        QUEUE_UPDATED,
        {
            "entries": [queue_entry_data(entry) for entry in entries],
            "summary": {
                **summary,
                "circuit_breaker": {
                    "tripped": breaker["tripped"],
                    "realized_today": _plain(breaker["realized_today"]),
                    "limit": _plain(breaker["limit"]),
                    "since": breaker["since"].isoformat(),
                },
            },
        },
    )
