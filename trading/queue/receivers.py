"""What the queue reacts to: a pool slot freed by a group that closed or failed promotes the
user's best queued entry at once, after commit (trading/positions/hooks.py). A user with nothing
queued costs one indexed read; the 10 s sweep catches any miss."""

from __future__ import annotations

from typing import Any

from trading.positions.hooks import FREES_A_SLOT, group_status_changed
from trading.positions.models import PositionGroup
from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.services.breaker import breaker_after_close
from trading.queue.services.queue import promote_after_commit


def _slot_freed(sender: Any, *, group: PositionGroup, previous: str, **_: Any) -> None:
    if group.status not in FREES_A_SLOT:
        return
    breaker_after_close(group)  # a losing close may trip the daily loss breaker: told at once
    if QueueEntry.objects.filter(user_id=group.user_id, status=QueueStatus.QUEUED).exists():
        promote_after_commit(group.user_id)


def connect() -> None:
    group_status_changed.connect(_slot_freed, dispatch_uid="queue-slot-freed")
