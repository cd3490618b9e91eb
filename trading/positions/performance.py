"""What the dashboard's cards show besides the performance summary: realized and unrealized
apart, the profit of today (UTC) and the completed deals, for every quote currency the user
trades in (amounts in different quotes are never added together).

The database sums per symbol in one query; symbols fold into their quote currency here, since
the quote is a part of the symbol's text (`BTC/USDT` -> `USDT`), not a column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from trading.positions.models import OPEN_GROUP_STATUSES, GroupStatus, PositionGroup
from trading.positions.selectors import Performance, performance_summary, quote_of

ZERO = Decimal(0)

__all__ = ["CurrencyTotals", "DashboardPerformance", "currency_totals", "dashboard_performance"]


@dataclass
class CurrencyTotals:
    currency: str
    realized_pnl: Decimal = ZERO  # closed in the window, fees netted
    completed_deals: int = 0  # closed in the window, having bought something
    unrealized_pnl: Decimal = ZERO  # now, over the open groups
    open_groups: int = 0
    profit_today: Decimal = ZERO  # realized by the groups closed since 00:00 UTC today
    completed_today: int = 0


@dataclass
class DashboardPerformance(Performance):
    today_start: dt.datetime | None = None  # 00:00 UTC of today: when "today" began
    profit_today: Decimal = ZERO  # in `currency`
    completed_today: int = 0  # in `currency`
    by_currency: list[CurrencyTotals] = field(default_factory=list)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def currency_totals(*, user: User | object, start: dt.date, today: dt.date) -> list[CurrencyTotals]:
    """Per quote currency (alphabetical): closed from `start` to `today` (UTC dates, inclusive),
    closed today, and open now. Failed groups, which never held anything, are left out."""
    # A deal bought something: a group whose orders were all cancelled before a fill is not one.
    closed = Q(status=GroupStatus.CLOSED, bought_quantity__gt=0)
    in_window = closed & Q(
        closed_at__gte=_midnight(start), closed_at__lt=_midnight(today + dt.timedelta(days=1))
    )
    today_only = closed & Q(
        closed_at__gte=_midnight(today), closed_at__lt=_midnight(today + dt.timedelta(days=1))
    )
    is_open = Q(status__in=OPEN_GROUP_STATUSES)
    rows = (
        PositionGroup.objects.filter(user=user)
        .order_by()
        .values("symbol")
        .annotate(
            realized=Sum("realized_pnl", filter=in_window),
            closed=Count("id", filter=in_window),
            unrealized=Sum("unrealized_pnl", filter=is_open),
            open=Count("id", filter=is_open),
            today=Sum("realized_pnl", filter=today_only),
            n_today=Count("id", filter=today_only),
        )
    )
    totals: dict[str, CurrencyTotals] = {}
    for row in rows:
        entry = totals.setdefault(quote_of(row["symbol"]), CurrencyTotals(currency=quote_of(row["symbol"])))
        entry.realized_pnl += row["realized"] or ZERO
        entry.completed_deals += row["closed"]
        entry.unrealized_pnl += row["unrealized"] or ZERO
        entry.open_groups += row["open"]
        entry.profit_today += row["today"] or ZERO
        entry.completed_today += row["n_today"]
    return [totals[quote] for quote in sorted(totals)]


def dashboard_performance(
    *, user: User | object, days: int, currency: str | None = None, now: dt.datetime | None = None
) -> DashboardPerformance:
    """The performance summary over the last `days` UTC days, plus today's profit and the
    totals of every quote currency."""
    today = (now or timezone.now()).astimezone(dt.UTC).date()
    summary = performance_summary(user=user, days=days, currency=currency, today=today)
    by_currency = currency_totals(user=user, start=summary.start, today=today)
    mine = next((entry for entry in by_currency if entry.currency == summary.currency), None)
    return DashboardPerformance(
        **{f.name: getattr(summary, f.name) for f in fields(summary)},
        today_start=_midnight(today),
        profit_today=mine.profit_today if mine else ZERO,
        completed_today=mine.completed_today if mine else 0,
        by_currency=by_currency,
    )
