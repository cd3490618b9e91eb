"""The signal sweeper: every accepted signal is acted on, even when its message was lost.

A signal answered 202 is a row in `received` and a `process_signal` message. The message can be
lost while the row is not: the worker that held it was killed (Redis gives it to another worker
only after CELERY_VISIBILITY_TIMEOUT, two hours), or the broker refused it after the commit (the
webhook logs that and still answers 202). Beat runs `signals_sweep` every
TRADING_SIGNAL_SWEEP_SECONDS: a signal still `received` TRADING_SIGNAL_SWEEP_AFTER_SECONDS after
it arrived gets its message again (at most once per that many seconds, enqueue.py).

Safe to run twice with the message it replaces: processing locks the signal and acts only while
it is still `received` (processing.signal_process). One the engine could not act on within
TRADING_SIGNAL_PROCESS_WITHIN_SECONDS is refused there, not traded, so the sweeper looks back
twice that far and no further (an index range on `received_at`, not the whole table).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from trading.signals.enqueue import signal_requeue
from trading.signals.models import Signal, SignalStatus

logger = logging.getLogger("tradefleet.trading.signals")

SWEEP_BATCH = 500


def signals_sweep() -> int:
    """Send `process_signal` again for each signal still `received` after
    TRADING_SIGNAL_SWEEP_AFTER_SECONDS, oldest first. Returns how many messages were sent."""
    now = timezone.now()
    oldest = now - timedelta(seconds=2 * settings.TRADING_SIGNAL_PROCESS_WITHIN_SECONDS)
    newest = now - timedelta(seconds=settings.TRADING_SIGNAL_SWEEP_AFTER_SECONDS)
    stuck = (
        Signal.objects.filter(status=SignalStatus.RECEIVED, received_at__gte=oldest, received_at__lt=newest)
        .order_by("received_at")
        .values_list("pk", "user_id")[:SWEEP_BATCH]
    )
    sent = sum(signal_requeue(signal_id=str(pk), user_id=str(user_id)) for pk, user_id in stuck)
    if sent:
        logger.warning("signal sweeper re-sent %d signals still received after their message was lost", sent)
    return sent
