"""The `process_signal` message of a stored signal: sent after the webhook's commit, and sent again
for a signal still `received` (a resend of its alert, the signal sweeper).

The row is committed before its message is sent, so a broker that refuses the message (Redis
down) loses nothing: the failure is logged and counted, the webhook still answers 202, and the
signal sweeper (trading/queue/services/sweep.py) sends the message once it can. Sending twice is
always safe: processing locks the row and acts only on a signal still `received`.
"""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.core.cache import cache
from prometheus_client import Counter

from config.publish import TaskSender
from trading.runtime import task_names as names

logger = logging.getLogger("tradefleet.trading.signals")

SIGNALS_UNSENT = Counter(
    "tradefleet_signals_unsent_total",
    "Stored signals whose process_signal message the broker refused (the sweeper sends them later).",
)
# The message apply_async(priority=SIGNAL_PRIORITY) sends, without its per-call overhead.
PROCESS_SIGNAL = TaskSender(names.PROCESS_SIGNAL, priority=names.SIGNAL_PRIORITY)


def signal_enqueue(*, signal_id: str, user_id: str) -> bool:
    """Send the signal's `process_signal`; False (logged, not raised) when the broker refused it."""
    try:
        PROCESS_SIGNAL.send(signal_id=signal_id, user_id=user_id)
    except Exception as exc:  # whatever the broker's failure, the row waits for the sweeper
        SIGNALS_UNSENT.inc()
        logger.warning(
            "signal %s is stored but its message was not sent (%s); the signal sweeper sends it",
            signal_id,
            type(exc).__name__,
        )
        return False
    return True


def signal_requeue(*, signal_id: str, user_id: str) -> bool:
    """Send a signal still `received` again, at most once per TRADING_SIGNAL_SWEEP_AFTER_SECONDS
    for the whole fleet (a claim in the cache), so a backlog does not fill up with copies of it.
    True when a message went out."""
    key = f"signal-requeue:{signal_id}"
    try:
        if not cache.add(key, 1, timeout=settings.TRADING_SIGNAL_SWEEP_AFTER_SECONDS):
            return False
    except Exception as exc:  # the cache lives in the broker's Redis: the send below decides
        logger.warning("signal %s: no requeue claim (%s)", signal_id, type(exc).__name__)
    if signal_enqueue(signal_id=signal_id, user_id=user_id):
        return True
    with contextlib.suppress(Exception):
        cache.delete(key)  # not sent: the next resend or sweep may try at once
    return False
