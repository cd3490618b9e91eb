"""Live events of signals, sent after commit to the owner's sockets only."""

from __future__ import annotations

from notifications.events import SIGNAL_RECEIVED, publish
from trading.runtime.event_values import text
from trading.signals.models import Signal


def signal_event(signal: Signal) -> None:
    publish(
        signal.user_id,
        SIGNAL_RECEIVED,
        {
            "id": str(signal.pk),
            "status": signal.status,
            "outcome": signal.outcome,
            "classification": signal.classification,
            "reason": signal.reason,
            "reason_code": signal.reason_code,
            "reason_field": signal.reason_field,
            "exchange": signal.exchange,
            "symbol": signal.symbol,
            "timeframe": signal.timeframe,
            "side": signal.side,
            "intent_type": signal.intent_type,
            "position_group": text(signal.position_group_id),
            "received_at": signal.received_at.isoformat() if signal.received_at else None,
        },
    )
