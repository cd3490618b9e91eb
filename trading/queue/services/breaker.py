"""The daily realized-loss circuit breaker of the execution queue (trading-semantics.md,
"Execution pool and queue"): once the user's groups closed today have lost
`max_realized_loss_per_day` (quote), nothing opens or is promoted until the next UTC day or a
manual reset (`ServiceStatus.loss_breaker_reset_at`: losses count from the later of the two).
The decision itself is `priority.circuit_breaker_tripped`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from trading.positions.models import PositionGroup
from trading.queue.priority import circuit_breaker_tripped
from trading.runtime.models import ServiceStatus
from trading.signals.routing import Routes

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
    return Breaker(circuit_breaker_tripped(realized, limit), realized, limit, since)
