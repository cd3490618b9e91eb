"""Promotion from the execution queue: the best entries open when pool slots are free.

Each promoted entry opens (or extends) its group through signal processing itself
(`processing.queued_signal_open`), at the current market price (the ticker's last; the
signal's price when there is none): the queue favours signals whose price has moved against
them since they arrived, so the grid is laid from where the market is now rather than from a
level it has already left. See queue.py for the locking rules.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from brokers.errors import TRANSIENT_ERRORS
from trading.positions.models import GroupStatus
from trading.positions.selectors import open_groups, pool_groups
from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.priority import pick_next
from trading.queue.services.breaker import queue_breaker
from trading.queue.services.journal import queue_promoted_told
from trading.queue.services.processing import queued_signal_open
from trading.queue.services.queue import entry_close, queue_lock
from trading.queue.services.ranking import (
    Key,
    as_queued,
    entry_key,
    queue_prices,
    queue_publish,
    queue_rank,
    rule_config,
)
from trading.queue.services.sizing import Refused
from trading.signals.models import Signal, SignalStatus
from trading.signals.routing import Routes, routes_for

logger = logging.getLogger("tradefleet.trading.queue")
HOW = {
    "auto": "a pool slot freed",
    "manual": "promoted by hand",
    "force": "force-added over the pool limit",
}


def promote_entry(
    entry: QueueEntry, *, by: str, prices: dict[tuple[Any, str], Decimal], rank_at: int | None = None
) -> bool:
    """Open (or extend) the entry's group now through signal processing. True when it opened;
    False when it failed (entry failed, signal rejected) or must wait (exchange unreachable:
    still queued). Call under `queue_lock` with the entry locked."""
    signal = (
        Signal.objects.select_for_update(of=("self",))
        .select_related("account", "user")
        .filter(pk=entry.signal_id)
        .first()
    )
    if signal is None or signal.status != SignalStatus.QUEUED:
        entry_close(entry, status=QueueStatus.FAILED, reason="Its signal is gone or no longer queued.")
        return False
    ticker = prices.get((entry.account_id, entry.symbol))
    price = ticker if ticker is not None else entry.entry_price
    source = "current price" if ticker is not None else "signal's price (no ticker)"
    placed = f" from rank {rank_at}" if rank_at else ""
    reason = (
        f"Opened from the queue{placed} ({HOW.get(by, by)}); grid laid from the {source} "
        f"{price.normalize():f}."
    )
    try:
        with transaction.atomic():
            group = queued_signal_open(signal=signal, price=price, reason=reason)
    except Refused as refused:
        entry_close(entry, status=QueueStatus.FAILED, reason=refused.reason)
        return False
    except (IntegrityError, *TRANSIENT_ERRORS) as exc:
        logger.warning("queue: entry %s cannot open now (%s); it stays queued", entry.pk, type(exc).__name__)
        return False
    entry.status, entry.promoted_by, entry.done_at = QueueStatus.PROMOTED, by, timezone.now()
    entry.group, entry.reason = group, reason
    entry.save(update_fields=["status", "promoted_by", "done_at", "group", "reason", "updated_at"])
    queue_promoted_told(entry, group)
    return True


def _closing_keys(user_id: Any) -> set[Key]:
    return {entry_key(g) for g in open_groups(user_id).filter(status=GroupStatus.CLOSING)}


def queue_promote(*, user_id: Any) -> dict[str, Any]:
    """Promote what the user's free slots allow, best first (the hook on a freed slot and the
    sweep call this). Nothing while their service is stopped or the circuit breaker is tripped.
    An entry that cannot open is marked failed and the next one gets the slot."""
    from accounts.models import User

    pending = list(
        QueueEntry.objects.filter(user_id=user_id, status=QueueStatus.QUEUED).select_related("account")
    )
    if not pending:
        return {"promoted": 0, "queued": 0}
    prices = queue_prices(pending)  # before the lock: it may go to the exchange
    with transaction.atomic():
        status = queue_lock(user_id)
        routes = routes_for(User.objects.get(pk=user_id))
        ranking = queue_rank(user_id=user_id, routes=routes, prices=prices)
        promoted: list[QueueEntry] = []
        attempted = 0
        skipped = ""
        if not status.running:
            skipped = "service stopped"
        elif queue_breaker(user_id=user_id, routes=routes, status=status).tripped:
            skipped = "circuit breaker"
        else:
            promoted, attempted = _promote_ranked(
                user_id=user_id, routes=routes, entries=ranking.entries, prices=prices
            )
        changed = ranking.changed or attempted or len(ranking.entries) != len(pending)
        if attempted:
            ranking = queue_rank(user_id=user_id, routes=routes, prices=prices)
        if changed:
            queue_publish(user_id=user_id, routes=routes, status=status, entries=ranking.entries)
    result: dict[str, Any] = {"promoted": len(promoted), "queued": len(ranking.entries)}
    if skipped:
        result["skipped"] = skipped
    return result


def _promote_ranked(
    *, user_id: Any, routes: Routes, entries: list[QueueEntry], prices: dict[tuple[Any, str], Decimal]
) -> tuple[list[QueueEntry], int]:
    """Promote in rank order while slots last (pyramid continuations need none with the
    bypass); a failed entry gives its slot to the next. Returns (promoted, attempted)."""
    rules = rule_config(routes)
    free = routes.max_open_groups - pool_groups(user_id).count()
    closing = _closing_keys(user_id)  # a closing group holds its key until it has closed
    candidates = {str(e.pk): e for e in entries if entry_key(e) not in closing}
    attempted: set[str] = set()
    promoted: list[QueueEntry] = []
    while picks := pick_next(
        [as_queued(e) for pk, e in candidates.items() if pk not in attempted],
        rules,
        free,
        routes.pyramids_bypass_pool,
    ):
        for pick in picks:
            entry = candidates[pick.entry.id]
            attempted.add(pick.entry.id)
            locked = (
                QueueEntry.objects.select_for_update().filter(pk=entry.pk, status=QueueStatus.QUEUED).first()
            )
            if locked is None:
                continue
            # The rank the trader saw (a second round after a failure ranks only what is left).
            if promote_entry(locked, by="auto", prices=prices, rank_at=entry.rank):
                promoted.append(locked)
                if not (routes.pyramids_bypass_pool and pick.entry.is_pyramid_continuation):
                    free -= 1
    return promoted, len(attempted)


def queue_users_waiting() -> list[str]:
    """Users with queued entries whose service runs (the sweep's work)."""
    return [
        str(user_id)
        for user_id in QueueEntry.objects.filter(status=QueueStatus.QUEUED)
        .exclude(user__trading_service__running=False)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    ]
