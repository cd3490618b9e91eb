"""Live events of the execution queue, sent after commit to the owner's sockets only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from notifications.events import QUEUE_UPDATED, publish
from trading.queue.models import QueueEntry
from trading.runtime.event_values import plain


def queue_entry_data(entry: QueueEntry) -> dict[str, Any]:
    """One queue entry as the API's queue list shows it (trading/queue/api/serializers.py)."""
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
        "loss_percent": plain(entry.loss_percent),
        "current_price": plain(entry.current_price),
        "entry_price": plain(entry.entry_price),
        "replacement_count": entry.replacement_count,
        "expected_profit": plain(entry.expected_profit),
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
                    "realized_today": plain(breaker["realized_today"]),
                    "limit": plain(breaker["limit"]),
                    "since": breaker["since"].isoformat(),
                },
            },
        },
    )
