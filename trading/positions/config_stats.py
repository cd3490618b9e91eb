"""How each DCA configuration has traded: its deals (position groups), profit, win rate, time held
and the capital still in its open deals.

A group belongs to the configuration the engine opened it with (`PositionGroup.dca_config`, set
when the signal opens the group); a deleted configuration's groups keep trading but count for no
configuration. Lives in trading.positions, not trading.dca, because it reads groups and the
configurations sit below the positions in the dependency order (import-linter). One query: the
database aggregates per configuration.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum

from accounts.models import User
from trading.dca.models import DCAConfig
from trading.positions.marks import marks_freshen
from trading.positions.models import OPEN_GROUP_STATUSES, GroupStatus, PositionGroup
from trading.positions.selectors import quote_of

ZERO = Decimal(0)
HUNDRED = Decimal(100)

__all__ = ["ConfigStats", "dca_config_stats"]


@dataclass(frozen=True)
class ConfigStats:
    config_id: uuid.UUID
    currency: str  # the quote currency of the configuration's pair: every amount is in it
    active_deals: int  # open groups (waiting to closing)
    closed_deals: int  # closed groups that bought something (failed or never-filled ones are not deals)
    realized_pnl: Decimal  # of the closed deals, in the configuration's quote currency, fees netted
    wins: int
    win_rate: Decimal | None  # percent of closed deals with realized_pnl > 0; None with none closed
    avg_duration: dt.timedelta | None  # opened to closed, over the closed deals
    capital_in_use: Decimal  # entry cost of what the open deals hold now (cost_basis)
    unrealized_pnl: Decimal  # of the open deals, at their last mark


def _empty(config: DCAConfig) -> ConfigStats:
    return ConfigStats(
        config_id=config.pk,
        currency=quote_of(config.symbol),
        active_deals=0,
        closed_deals=0,
        realized_pnl=ZERO,
        wins=0,
        win_rate=None,
        avg_duration=None,
        capital_in_use=ZERO,
        unrealized_pnl=ZERO,
    )


def dca_config_stats(*, user: User | object, configs: Iterable[DCAConfig]) -> dict[uuid.UUID, ConfigStats]:
    """Stats of the user's `configs` by id (each gets an entry, zeros without deals). Another
    user's groups never count: the groups are filtered on `user` too."""
    marks_freshen(users=[user])
    by_id = {config.pk: config for config in configs}
    ids = list(by_id)
    # A deal bought something: a group whose orders were all cancelled before a fill is not one.
    closed = Q(status=GroupStatus.CLOSED, bought_quantity__gt=0)
    is_open = Q(status__in=OPEN_GROUP_STATUSES)
    held = ExpressionWrapper(F("closed_at") - F("opened_at"), output_field=DurationField())
    rows = (
        PositionGroup.objects.filter(user=user, dca_config_id__in=ids)
        .order_by()
        .values("dca_config_id")
        .annotate(
            active=Count("id", filter=is_open),
            closed=Count("id", filter=closed),
            wins=Count("id", filter=closed & Q(realized_pnl__gt=0)),
            realized=Sum("realized_pnl", filter=closed),
            duration=Avg(held, filter=closed & Q(closed_at__isnull=False)),
            capital=Sum("cost_basis", filter=is_open),
            unrealized=Sum("unrealized_pnl", filter=is_open),
        )
    )
    stats = {config_id: _empty(config) for config_id, config in by_id.items()}
    for row in rows:
        n_closed, wins = row["closed"], row["wins"]
        stats[row["dca_config_id"]] = ConfigStats(
            config_id=row["dca_config_id"],
            currency=stats[row["dca_config_id"]].currency,
            active_deals=row["active"],
            closed_deals=n_closed,
            realized_pnl=row["realized"] or ZERO,
            wins=wins,
            win_rate=(Decimal(wins) / Decimal(n_closed) * HUNDRED).quantize(Decimal("0.01"))
            if n_closed
            else None,
            avg_duration=row["duration"],
            capital_in_use=row["capital"] or ZERO,
            unrealized_pnl=row["unrealized"] or ZERO,
        )
    return stats
