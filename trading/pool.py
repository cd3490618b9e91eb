"""The execution pool's admission check: the seam the execution queue (issue 5) replaces.

For now a new entry opens a group when the user has fewer than TRADING_MAX_OPEN_GROUPS open
groups and is refused with the reason otherwise; pyramids never need a slot.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .selectors import open_groups


def pool_refusal(user_id: Any) -> str | None:
    """None when a new group may open now, else the reason shown to the trader."""
    limit = settings.TRADING_MAX_OPEN_GROUPS
    if open_groups(user_id).count() >= limit:
        return f"Your execution pool is full ({limit} open position groups)."
    return None
