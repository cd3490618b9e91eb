"""What other parts of the engine do when a position group changes state.

`group_status_changed` is called, inside the transaction that holds the group's lock, whenever a
group's status changes (services_group_state.group_refresh and the dust close in services_exits). Work
it starts is enqueued after commit, so it sees the committed state.
"""

from __future__ import annotations

from typing import Any

from .models_positions import GroupStatus, PositionGroup

FREES_A_SLOT = (GroupStatus.CLOSED, GroupStatus.FAILED)


def group_status_changed(group: PositionGroup, *, previous: str) -> None:
    if group.status in FREES_A_SLOT:
        _slot_freed(group.user_id)
    if group.status == GroupStatus.ACTIVE or previous == GroupStatus.ACTIVE:
        _risk_after_fill(group.user_id)


def _slot_freed(user_id: Any) -> None:
    """A pool slot is free: the queue promotes its best entry at once (services_queue), after
    commit. A user with nothing queued costs one indexed read; the sweep catches any miss."""
    from .models_queue import QueueEntry, QueueStatus

    if QueueEntry.objects.filter(user_id=user_id, status=QueueStatus.QUEUED).exists():
        from .services_queue import promote_after_commit

        promote_after_commit(user_id)


def _risk_after_fill(user_id: Any) -> None:
    """Every leg of a group filled (it may now be eligible): the risk engine runs for the user
    (services_risk)."""
    from .services_risk_schedule import risk_after_fill

    risk_after_fill(user_id=user_id)
