"""The execution pool and its priority queue (trading-semantics.md, "Execution pool and queue").

A new entry that finds the user's pool full (open groups >= `max_open_groups`), or the daily
realized-loss circuit breaker tripped, waits here as a `QueueEntry` instead of being refused; so
does a pyramid when `pyramids_bypass_pool` is off and the pool is full (a pyramid continuation).
One entry per key: a newer signal for a queued key replaces it (entry price, payload, signal and
expected profit updated, `replacement_count` + 1, `queued_at` kept). The older signal is marked
`processed` with the reason "Replaced in the queue by ..." (its intent carries on in the newer
one); signals that leave the queue without trading (removed, cancelled by an exit, failed) are
marked `rejected` with the reason.

Ranking (ranking.py) is `priority.rank` with the user's `queue_rules`; every change of a user's queue
re-ranks it with fresh prices from the shared ticker cache and stores rank, priority rule,
current price and loss % on each entry. Promotion (`queue_promote`) opens the best entries through
the signal-processing path itself (`processing.queued_signal_open`), at the current
market price: the queue prefers signals whose price has moved against them since, so the grid is
laid from where the market is now, not from a level it has already left.

Locking: every change of a user's queue or pool admission holds the user's ServiceStatus row
(`queue_lock`), taken before any position group's lock. Ranking is in ranking.py, promotion in
promote.py, the circuit breaker in breaker.py, manual actions in actions.py.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from config.tasks import task_named
from trading.dca.grid import Leg
from trading.positions.models import PositionGroup
from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.priority import replace
from trading.queue.services.breaker import breaker_cause, queue_breaker
from trading.queue.services.journal import queue_left_log, queued_log
from trading.queue.services.ranking import as_queued, expected_profit, queue_refresh
from trading.runtime import task_names as names
from trading.runtime.models import ServiceStatus
from trading.runtime.services import service_status_for
from trading.signals.events import signal_event
from trading.signals.models import NOT_TRADED, Signal, SignalStatus
from trading.signals.routing import Routes, routes_for

logger = logging.getLogger("tradefleet.trading.queue")
ZERO = Decimal(0)
PERCENT_QUANTUM = Decimal("0.000001")


def queue_lock(user_id: Any) -> ServiceStatus:
    """Lock the user's service row: the one lock that serialises their pool and queue."""
    status = ServiceStatus.objects.select_for_update().filter(user_id=user_id).first()
    if status is None:
        service_status_for(user_id)
        status = ServiceStatus.objects.select_for_update().get(user_id=user_id)
    return status


def promote_after_commit(user_id: Any) -> None:
    """Run `promote_queues` for the user once the current transaction commits."""
    uid = str(user_id)
    transaction.on_commit(lambda: task_named(names.PROMOTE_QUEUES).delay(user_ids=[uid]))


# --- admission: a new entry that waits ------------------------------------------------------------


@dataclass(frozen=True)
class Wait:
    """Why a signal waits instead of opening, and the queued entry it replaces, if any."""

    cause: str
    existing: QueueEntry | None
    promote_now: bool  # the pool has room and the breaker is off: only the queued key held it


def queue_admission(
    *, signal: Signal, routes: Routes, status: ServiceStatus, open_count: int, group: PositionGroup | None
) -> Wait | None:
    """Under `queue_lock`: None when the entry (or pyramid) opens now, else why it waits. A key
    already queued stays queued (the newer signal replaces the older), so the queue's order holds."""
    existing = (
        QueueEntry.objects.select_for_update()
        .filter(
            user_id=signal.user_id,
            account_id=signal.account_id,
            symbol=signal.symbol,
            timeframe=signal.timeframe,
            side=signal.side,
            status=QueueStatus.QUEUED,
        )
        .first()
    )
    breaker = (
        queue_breaker(user_id=signal.user_id, routes=routes, status=status)
        if routes.max_realized_loss_per_day is not None
        else None
    )
    needs_slot = group is None or not routes.pyramids_bypass_pool
    limit = routes.max_open_groups
    if breaker is not None and breaker.tripped:
        return Wait(breaker_cause(breaker), existing, promote_now=False)
    if needs_slot and open_count >= limit:
        return Wait(
            f"Your execution pool is full ({open_count}/{limit} open position groups)",
            existing,
            promote_now=False,
        )
    if existing is not None:
        return Wait("A signal for this pair is already queued", existing, promote_now=True)
    return None


def queue_entry_add(
    *,
    signal: Signal,
    routes: Routes,
    status: ServiceStatus,
    group: PositionGroup | None,
    legs: Sequence[Leg],
    wait: Wait,
) -> str:
    """Queue the signal (or replace the queued one for its key); returns the signal's reason.
    Call under `queue_lock`, from signal processing."""
    profit = expected_profit(legs, signal.side)
    price = signal.price or ZERO
    entry = wait.existing
    if entry is not None:
        previous_signal_id = entry.signal_id
        updated = replace(as_queued(entry), price, expected_profit=profit)
        entry.entry_price = updated.entry_price
        entry.replacement_count = updated.replacement_count
        entry.expected_profit = updated.expected_profit
        entry.payload, entry.signal = signal.parsed, signal
        entry.group, entry.is_pyramid_continuation = group, group is not None
        entry.save()
        if previous_signal_id is not None:
            _signal_leaves(
                previous_signal_id,
                SignalStatus.PROCESSED,
                f"Replaced in the queue by a newer signal ({signal.pk}) for {signal.symbol} "
                f"{signal.timeframe}.",
            )
    else:
        entry = QueueEntry.objects.create(
            user_id=signal.user_id,
            account_id=signal.account_id,
            signal=signal,
            exchange=signal.exchange or signal.account.exchange,
            symbol=signal.symbol,
            timeframe=signal.timeframe,
            side=signal.side,
            group=group,
            is_pyramid_continuation=group is not None,
            entry_price=price,
            payload=signal.parsed,
            expected_profit=profit,
            current_price=price,
        )
    entries = queue_refresh(user_id=signal.user_id, routes=routes, status=status)
    position = next((e.rank for e in entries if e.pk == entry.pk), None)
    if wait.promote_now:
        promote_after_commit(signal.user_id)
    queued_log(
        signal,
        entry=entry,
        rank=position,
        total=len(entries),
        cause=wait.cause,
        replaced=wait.existing is not None,
    )
    where = f"rank {position} of {len(entries)}"
    if wait.existing is not None:
        return f"{wait.cause}: replaced the queued signal (replacement {entry.replacement_count}), {where}."
    return f"{wait.cause}: queued at {where}."


# --- leaving the queue ----------------------------------------------------------------------------


def _signal_leaves(signal_id: Any, status: str, reason: str) -> None:
    signal = Signal.objects.select_for_update(of=("self",)).filter(pk=signal_id).first()
    if signal is None or signal.status != SignalStatus.QUEUED:
        return
    signal.status, signal.reason, signal.processed_at = status, reason[:2000], timezone.now()
    if status == SignalStatus.REJECTED:
        signal.reason_code = NOT_TRADED
    signal.save(update_fields=["status", "reason", "reason_code", "processed_at"])
    signal_event(signal)


def entry_close(
    entry: QueueEntry,
    *,
    status: str,
    reason: str,
    signal_status: str = SignalStatus.REJECTED,
    signal_reason: str | None = None,
) -> None:
    """The entry leaves the queue without trading (removed, cancelled, failed); so does its signal."""
    entry.status, entry.reason, entry.done_at = status, reason[:2000], timezone.now()
    entry.save(update_fields=["status", "reason", "done_at", "updated_at"])
    queue_left_log(entry, reason=reason)
    if entry.signal_id is not None:
        _signal_leaves(entry.signal_id, signal_status, signal_reason or reason)


def queue_cancel_for_key(*, signal: Signal, side: str) -> int:
    """An exit (or reverse) signal cancels the queued entries of its key. Returns how many."""
    queued = QueueEntry.objects.filter(
        user_id=signal.user_id,
        account_id=signal.account_id,
        symbol=signal.symbol,
        timeframe=signal.timeframe,
        side=side,
        status=QueueStatus.QUEUED,
    )
    if not queued.exists():
        return 0
    status = queue_lock(signal.user_id)
    entries = list(queued.select_for_update())
    intent = signal.intent_type or "exit"
    for entry in entries:
        entry_close(
            entry,
            status=QueueStatus.CANCELLED,
            reason=f"Cancelled by an {intent} signal ({signal.pk}).",
            signal_reason=f"Cancelled in the queue by an {intent} signal ({signal.pk}).",
        )
    queue_refresh(user_id=signal.user_id, routes=routes_for(signal.user), status=status)
    return len(entries)


CLEAR_REASONS = {
    "service_stopped": "Your trading service was stopped with close all: the queue was emptied.",
}


def queue_clear(*, user_id: Any, reason: str) -> int:
    """Cancel every queued entry of the user (e.g. "stop and close all"). Returns how many.
    `reason` is shown on each entry and signal; a known code (`service_stopped`) becomes a sentence."""
    from accounts.models import User

    reason = CLEAR_REASONS.get(reason, reason)
    with transaction.atomic():
        status = queue_lock(user_id)
        entries = list(
            QueueEntry.objects.select_for_update().filter(user_id=user_id, status=QueueStatus.QUEUED)
        )
        for entry in entries:
            entry_close(entry, status=QueueStatus.CANCELLED, reason=reason)
        if entries:
            user = User.objects.get(pk=user_id)
            queue_refresh(user_id=user_id, routes=routes_for(user), status=status)
    return len(entries)
