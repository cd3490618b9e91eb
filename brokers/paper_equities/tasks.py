"""Celery entry point: every minute (beat entry `paper-equities-tick` in settings) the busy paper
NSE ledgers are caught up, so AMOs fill at the open, limits when crossed and MIS positions are
squared off at 15:20 IST even while nobody looks at the account."""

from __future__ import annotations

from config.tasks import house_task

from . import services


# Expires before the next tick: a late tick is replaced by the next one, never queued behind it.
@house_task(expires=55)
def paper_equities_tick() -> int:
    return services.paper_equities_tick()
