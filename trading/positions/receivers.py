"""What positions reacts to: a data export stores the quiet groups' marks first, so the file
holds what the Positions page shows (accounts/hooks.py, trading/positions/marks.py)."""

from __future__ import annotations

from typing import Any

from accounts.hooks import export_starting
from trading.positions.marks import marks_freshen


def _export_starting(sender: Any, *, user: Any, **_: Any) -> None:
    marks_freshen(users=[user])


def connect() -> None:
    export_starting.connect(_export_starting, dispatch_uid="positions-export-marks")
