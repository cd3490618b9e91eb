"""What the risk engine reacts to: a group whose legs all filled (it may now be eligible), or
that stopped being complete, runs a cycle for its user after commit (trading/positions/hooks.py)."""

from __future__ import annotations

from typing import Any

from trading.positions.hooks import group_status_changed
from trading.positions.models import GroupStatus, PositionGroup
from trading.risk.services.schedule import risk_after_fill


def _group_changed(sender: Any, *, group: PositionGroup, previous: str, **_: Any) -> None:
    if group.status == GroupStatus.ACTIVE or previous == GroupStatus.ACTIVE:
        risk_after_fill(user_id=group.user_id)


def connect() -> None:
    group_status_changed.connect(_group_changed, dispatch_uid="risk-group-changed")
