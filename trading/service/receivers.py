"""What the service reacts to: a new `task_schedule` in a user's trading configuration becomes
their beat rows, in the same transaction (trading/settings/hooks.py); the user closing their
account stops their trading (closing.py, accounts/hooks.py)."""

from __future__ import annotations

from typing import Any

from trading.service import closing
from trading.service.schedules import schedules_sync
from trading.settings.hooks import task_schedule_changed


def _schedule_changed(sender: Any, *, user_id: Any, entries: list[dict[str, Any]], **_: Any) -> None:
    schedules_sync(user_id=user_id, entries=entries)


def connect() -> None:
    task_schedule_changed.connect(_schedule_changed, dispatch_uid="service-schedules-sync")
    closing.connect()
