"""When the risk engine runs: the users each 30 s tick concerns, one isolated cycle per user in a
batch, and a debounced cycle after the fills that complete a group (trading/risk/tasks.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from config.tasks import task_named
from trading.positions.models import PositionGroup
from trading.risk.services.cycle import cycle_run
from trading.risk.services.state import RISK_STATUSES
from trading.runtime import task_names as names
from trading.runtime.services import user_task_run

TASK_NAME = "risk_cycle"
# A burst of fills (one monitor tick filling several legs) runs one cycle, this long after the
# first of them, so it sees the rest.
FILL_DEBOUNCE_SECONDS = 3


def risk_users_due() -> list[str]:
    """Users with live groups whose service runs and whose risk engine is on (both are the
    defaults when the user has no row yet)."""
    users = (
        PositionGroup.objects.filter(status__in=RISK_STATUSES, strategy="")
        .exclude(user__trading_config__risk_engine_enabled=False)
        .exclude(user__trading_service__running=False)
        # Without order_by() the model's ordering (opened_at) joins the DISTINCT: one row per
        # group, and each user's cycle ran once per live group every tick.
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    return sorted(str(user_id) for user_id in users)


def _acted(details: dict[str, Any]) -> bool:
    return details.get("action") is not None


def risk_users_run(*, user_ids: Iterable[Any], trigger: str) -> int:
    """One cycle per user, each isolated (a failure is recorded against that user and the next
    user's cycle runs). Returns how many acted."""
    acted = 0
    for user_id in user_ids:
        seen: list[dict[str, Any]] = []

        def run(user_id: Any = user_id, seen: list[dict[str, Any]] = seen) -> dict[str, Any]:
            result = cycle_run(user_id=user_id, trigger=trigger)
            details = {"trigger": trigger, "action": None, "reason": result.reason}
            if result.action is not None:
                action = result.action
                details = {"trigger": trigger, "action": str(action.pk), "symbol": action.symbol}
            seen.append(details)
            return details

        # The task history keeps the cycles that acted, not one row per user every 30 s.
        user_task_run(user_id=user_id, task_name=TASK_NAME, fn=run, record=_acted)
        acted += any(_acted(details) for details in seen)
    return acted


def risk_after_fill(*, user_id: Any) -> None:
    """A group's legs all filled (or it stopped being complete): after commit, one cycle for the
    user `FILL_DEBOUNCE_SECONDS` later, shared by the fills of a burst."""
    key = f"trading:risk:after-fill:{user_id}"

    def enqueue() -> None:
        from django.core.cache import cache

        if cache.add(key, 1, timeout=FILL_DEBOUNCE_SECONDS):
            task_named(names.RISK_USERS).apply_async(
                kwargs={"user_ids": [str(user_id)], "trigger": "fill"}, countdown=FILL_DEBOUNCE_SECONDS
            )

    # robust: a cache or broker hiccup must not stop the callbacks queued after this one.
    transaction.on_commit(enqueue, robust=True)
