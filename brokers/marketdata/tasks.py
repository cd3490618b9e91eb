"""Celery entry points: after each NSE close (beat entry `marketdata-refresh` in settings), one
refresh per active tracked series."""

from __future__ import annotations

import logging

from brokers.errors import TRANSIENT_ERRORS, BrokerError
from config.tasks import house_task

from . import selectors, services

logger = logging.getLogger(__name__)


@house_task(expires=3600)
def refresh_tracked_series() -> int:
    """Beat, on weekdays after the close: fan out one refresh per active series."""
    ids = list(selectors.tracked_series(active_only=True).exclude(source="csv").values_list("pk", flat=True))
    for series_id in ids:
        refresh_series.delay(series_id=series_id)
    return len(ids)


# No expiry: a message lost with its worker is covered by the next close's refresh anyway.
@house_task(name=services.REFRESH_TASK, retry_on=TRANSIENT_ERRORS, max_retries=3, retry_backoff_max=300)
def refresh_series(*, series_id: int) -> int | None:
    series = selectors.tracked_series().filter(pk=series_id).first()
    if series is None:
        logger.info("tracked series %s is gone; nothing to refresh", series_id)
        return None
    try:
        return services.series_refresh(series=series).stored
    except TRANSIENT_ERRORS:
        raise
    except BrokerError:
        return None  # kept on the series (last_error) and logged by the service: nothing to retry
