"""What people do to the execution queue by hand (API and Django admin): promote, force-add,
remove, reset the daily loss circuit breaker. Every action is audited in its own transaction.

Refusals are Django ValidationErrors with a code the API answers as 409: `not_queued`,
`pool_full`, `circuit_breaker`, `service_stopped`, `group_closing`. A promotion that was tried
but could not open (grid invalid, account gone) is committed as a failed entry (its signal
rejected, with the reason) and returned; the API answers it 409 `promotion_failed`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from trading.positions.models import GroupStatus
from trading.positions.selectors import pool_groups
from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.services.breaker import Breaker, breaker_cause, queue_breaker
from trading.queue.services.promote import promote_entry
from trading.queue.services.queue import entry_close, promote_after_commit, queue_lock
from trading.queue.services.ranking import entry_key, queue_refresh, user_queue_prices
from trading.signals.routing import routes_for


def _locked_entry(*, user: Any, entry_id: Any) -> QueueEntry:
    """The user's entry, locked (another user's is not found). Call under `queue_lock`."""
    entry = QueueEntry.objects.select_for_update().filter(pk=entry_id, user=user).first()
    if entry is None:
        raise QueueEntry.DoesNotExist(f"No queue entry {entry_id} of yours.")
    if entry.status != QueueStatus.QUEUED:
        raise ValidationError(f"This entry is no longer queued (it is {entry.status}).", code="not_queued")
    return entry


def queue_entry_promote(
    *, user: Any, entry_id: Any, actor: Any, force: bool = False, request: HttpRequest | None = None
) -> QueueEntry:
    """Open a queued entry now: into a free slot, or over the pool limit with `force`
    (force-add). The circuit breaker and a stopped service refuse both."""
    prices = user_queue_prices(user.pk)  # before the lock: it may go to the exchange
    with transaction.atomic():
        status = queue_lock(user.pk)
        entry = _locked_entry(user=user, entry_id=entry_id)
        if not status.running:
            raise ValidationError(
                "Your trading service is stopped: start it to open positions.", code="service_stopped"
            )
        routes = routes_for(user)
        breaker = queue_breaker(user_id=user.pk, routes=routes, status=status)
        if breaker.tripped:
            raise ValidationError(f"{breaker_cause(breaker)}.", code="circuit_breaker")
        groups = {entry_key(g): g.status for g in pool_groups(user.pk)}
        if groups.get(entry_key(entry)) == GroupStatus.CLOSING:
            raise ValidationError(
                "The position for this pair is closing; promote once it has closed.", code="group_closing"
            )
        continuation = entry_key(entry) in groups
        if not force and not (continuation and routes.pyramids_bypass_pool):
            if len(groups) >= routes.max_open_groups:
                raise ValidationError(
                    f"Your execution pool is full ({len(groups)}/{routes.max_open_groups} open position "
                    "groups): wait for a slot, or force-add to open over the limit.",
                    code="pool_full",
                )
        position = entry.rank  # as of the last ranking, which the trader saw
        promote_entry(entry, by="force" if force else "manual", prices=prices, rank_at=position)
        record(
            action="queue.force_add" if force else "queue.promote",
            actor=actor,
            owner=user,
            resource=entry,
            request=request,
            changes={
                "status": [QueueStatus.QUEUED, entry.status],
                "symbol": entry.symbol,
                "timeframe": entry.timeframe,
                "rank": position,
                "reason": entry.reason,
            },
        )
        queue_refresh(user_id=user.pk, routes=routes, status=status, prices=prices)
    return entry


def queue_entry_remove(
    *, user: Any, entry_id: Any, actor: Any, request: HttpRequest | None = None
) -> QueueEntry:
    """Take an entry out of the queue; its signal is marked rejected, "removed from the queue"."""
    prices = user_queue_prices(user.pk)
    with transaction.atomic():
        status = queue_lock(user.pk)
        entry = _locked_entry(user=user, entry_id=entry_id)
        by = "you" if getattr(actor, "pk", None) == user.pk else "an administrator"
        entry_close(
            entry,
            status=QueueStatus.REMOVED,
            reason=f"Removed from the queue by {by}.",
        )
        record(
            action="queue.remove",
            actor=actor,
            owner=user,
            resource=entry,
            request=request,
            changes={
                "status": [QueueStatus.QUEUED, QueueStatus.REMOVED],
                "symbol": entry.symbol,
                "timeframe": entry.timeframe,
                "rank": entry.rank,
            },
        )
        queue_refresh(user_id=user.pk, routes=routes_for(user), status=status, prices=prices)
    return entry


def queue_breaker_reset(*, user: Any, actor: Any, request: HttpRequest | None = None) -> Breaker:
    """Count the day's realized losses from now on: the breaker lifts, queued entries promote."""
    prices = user_queue_prices(user.pk)
    with transaction.atomic():
        status = queue_lock(user.pk)
        before = status.loss_breaker_reset_at
        status.loss_breaker_reset_at = timezone.now()
        status.save(update_fields=["loss_breaker_reset_at", "updated_at"])
        routes = routes_for(user)
        breaker = queue_breaker(user_id=user.pk, routes=routes, status=status)
        record(
            action="queue.circuit_breaker_reset",
            actor=actor,
            owner=user,
            resource=status,
            resource_id=user.pk,
            request=request,
            changes={
                "loss_breaker_reset_at": [
                    before.isoformat() if before else None,
                    status.loss_breaker_reset_at.isoformat(),
                ]
            },
        )
        queue_refresh(user_id=user.pk, routes=routes, status=status, prices=prices)
        if QueueEntry.objects.filter(user=user, status=QueueStatus.QUEUED).exists():
            promote_after_commit(user.pk)
    return breaker
