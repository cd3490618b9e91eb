"""The daily realized-loss circuit breaker of the execution queue (trading-semantics.md,
"Execution pool and queue"): once the user's groups closed today have lost
`max_realized_loss_per_day` (quote), nothing opens or is promoted until the next UTC day or a
manual reset (`ServiceStatus.loss_breaker_reset_at`: losses count from the later of the two).
The decision itself is `priority.circuit_breaker_tripped`.

Nothing stores "tripped": every check computes it. The trader is told of a trip once (a line in
their log and the critical `daily_loss_breaker` notification) by the first check that finds it
tripped, whichever it is: a signal that now waits, the promotion sweep, the queue page, or
`breaker_after_close`, the check a losing close asks for (trading/queue/receivers.py) so the
trader hears of the trip when it happens rather than at the next signal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from notifications.services.notify import notify
from trading.positions.models import PositionGroup
from trading.queue.priority import circuit_breaker_tripped
from trading.runtime.journal import trade_log
from trading.runtime.models import ServiceStatus
from trading.signals.routing import Routes, routes_for

logger = logging.getLogger("tradefleet.trading.queue")
# A trip lasts until the next UTC day at the latest; the mark need not outlive it by much.
TOLD_MARK_SECONDS = 2 * 24 * 3600

ZERO = Decimal(0)


@dataclass(frozen=True)
class Breaker:
    tripped: bool
    realized_today: Decimal
    limit: Decimal | None
    since: datetime


def breaker_since(status: ServiceStatus | None, now: datetime | None = None) -> datetime:
    """The start of the UTC day, or the last manual reset when it is later."""
    now = now or timezone.now()
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    reset = status.loss_breaker_reset_at if status is not None else None
    return max(day, reset) if reset is not None else day


def breaker_cause(breaker: Breaker) -> str:
    limit = breaker.limit if breaker.limit is not None else ZERO
    return (
        f"The daily loss limit is reached (realized {_amount(breaker.realized_today)} today, limit "
        f"{_amount(limit)}): nothing opens until tomorrow (UTC) or a reset"
    )


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f}"


def queue_breaker(*, user_id: Any, routes: Routes, status: ServiceStatus | None) -> Breaker:
    """The daily realized-loss circuit breaker: realized PnL of the groups closed since
    `breaker_since` against `max_realized_loss_per_day` (no limit: never tripped)."""
    since = breaker_since(status)
    realized = (
        PositionGroup.objects.filter(user_id=user_id, closed_at__gte=since).aggregate(
            total=Sum("realized_pnl")
        )["total"]
        or ZERO
    )
    limit = routes.max_realized_loss_per_day
    breaker = Breaker(circuit_breaker_tripped(realized, limit), realized, limit, since)
    if breaker.tripped:
        breaker_trip_told(user_id, breaker)
    return breaker


def breaker_trip_told(user_id: Any, breaker: Breaker) -> None:
    """Tell the trader the breaker tripped, once per trip: the first check of a trip sets a mark
    keyed by the user and the moment losses count from (`since`: a new UTC day or a reset starts
    a new trip). The mark is an atomic cache add, so two checks at once (the sweep and the queue
    page) tell once; it is set after the caller commits, so a rolled-back check tells nothing
    and leaves the trip to the next one. Costs nothing while the breaker is off."""
    transaction.on_commit(partial(_tell_trip, user_id, breaker), robust=True)


def _tell_trip(user_id: Any, breaker: Breaker) -> None:
    key = f"trading:loss-breaker-told:{user_id}:{breaker.since.isoformat()}"
    try:
        first = cache.add(key, 1, timeout=TOLD_MARK_SECONDS)
    except Exception:  # the cache is down: the next check tries again
        logger.warning("queue: could not mark the loss breaker of %s as told", user_id, exc_info=True)
        return
    if not first:
        return
    message = f"{breaker_cause(breaker)}."
    context = {
        "realized_today": breaker.realized_today,
        "limit": breaker.limit,
        "since": breaker.since,
    }
    trade_log(user_id, message, level=logging.WARNING, **context)
    notify(
        user_id,
        "daily_loss_breaker",
        title="Daily loss limit reached: nothing opens",
        message=message,
        link="/queue",
        data={name: str(value) for name, value in context.items()},
    )


def breaker_after_close(group: PositionGroup) -> None:
    """A group closed at a loss: check the breaker once the close commits (outside the close's
    locks), so the trader hears of the trip when it happens. A close that lost nothing costs
    nothing; a user without a daily limit, their user row."""
    if group.realized_pnl is None or group.realized_pnl >= 0:
        return
    transaction.on_commit(partial(_check_after_close, group.user_id), robust=True)


def _check_after_close(user_id: Any) -> None:
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    routes = routes_for(user)
    if routes.max_realized_loss_per_day is None:
        return
    status = ServiceStatus.objects.filter(user_id=user_id).first()
    queue_breaker(user_id=user_id, routes=routes, status=status)
