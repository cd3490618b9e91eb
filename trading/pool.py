"""The execution pool's admission check: the seam the execution queue (issue 5) replaces.

For now a new entry opens a group when the user has fewer than `max_open_groups` (their trading
configuration; TRADING_MAX_OPEN_GROUPS by default) open groups and is refused with the reason
otherwise; pyramids never need a slot.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .selectors import open_groups


def pool_refusal(user_id: Any, *, open_count: int | None = None, limit: int | None = None) -> str | None:
    """None when a new group may open now, else the reason shown to the trader. `open_count`:
    the caller's count of the user's open groups, when it has just read them; `limit`: the
    user's `max_open_groups` (trading configuration), else the platform default."""
    limit = limit or settings.TRADING_MAX_OPEN_GROUPS
    if open_count is None:
        open_count = open_groups(user_id).count()
    if open_count >= limit:
        return f"Your execution pool is full ({limit} open position groups)."
    return None
