"""Read queries for positions, their orders and fills, the open groups the engine works on,
and the performance summary.

Always scoped to a user. The list is annotated (leg counts) so a page costs a fixed number of
queries whatever its length; the performance numbers are summed by the database per UTC day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Now, TruncDate
from django.utils import timezone

from accounts.models import User
from trading.positions.marks import marks_freshen
from trading.positions.models import (
    OPEN_GROUP_STATUSES,
    DCAOrder,
    Fill,
    GroupStatus,
    OrderRole,
    OrderStatus,
    PositionGroup,
    Pyramid,
    UnknownExchangeOrder,
)
from trading.positions.seconds import SecondsBetween
from trading.signals.models import Signal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_PERFORMANCE_DAYS = 366
EXIT_ROLES = (OrderRole.TAKE_PROFIT, OrderRole.CLOSE)


def open_groups(user: User | object) -> QuerySet[PositionGroup]:
    """The user's groups the engine still works on (waiting to closing)."""
    return PositionGroup.objects.filter(user=user, status__in=OPEN_GROUP_STATUSES)


def pool_groups(user: User | object) -> QuerySet[PositionGroup]:
    """The open groups that take a slot of the execution pool: those of TradingView signals (a
    scheduled strategy's holdings have their own limit, its max_portfolio_size)."""
    return open_groups(user).filter(strategy="")


# --- positions ------------------------------------------------------------------------------------


AMOUNT = DecimalField(max_digits=36, decimal_places=18)


def position_groups(*, user: User | object) -> QuerySet[PositionGroup]:
    """The user's groups as `_annotated`, their quiet marks first brought to their symbols'
    latest tick (trading/positions/marks.py)."""
    marks_freshen(users=[user])
    return _annotated(user)


def _annotated(user: User | object) -> QuerySet[PositionGroup]:
    """The user's groups, newest first, with what the list shows (and sorts on) in the same query.

    `legs_total` counts every leg row of every pyramid (whatever its state) and `legs_filled`
    those whose status is `filled`: "3 of 5 legs filled" reads the way a trader expects, and a
    cancelled leg stays visible as one that never filled.

    `entry_price` is the average entry of what is held, or once nothing is held (a closed group)
    the average price of every buy, so a closed row still shows what it paid. `invested` is the
    quote spent on every buy; `current_price` the last price while open; `exit_price` the average
    fill price of the take-profit and close orders; `duration_seconds` runs to now while the
    group is open; `realized_pnl_percent` is realized PnL over invested (null while nothing was
    bought)."""
    legs = DCAOrder.objects.filter(group=OuterRef("pk"), role=OrderRole.LEG)
    exits = DCAOrder.objects.filter(group=OuterRef("pk"), role__in=EXIT_ROLES, filled_quantity__gt=0)
    bought = Q(bought_quantity__gt=0)
    return (
        PositionGroup.objects.filter(user=user)
        .select_related("account")
        .annotate(
            # Correlated subqueries rather than a join + GROUP BY: the page's count() drops them,
            # and each counts through the (group, role) index.
            legs_total=_count(legs),
            legs_filled=_count(legs.filter(status=OrderStatus.FILLED)),
            exit_price=_average_fill(exits),
            invested=F("total_invested"),
            current_price=Case(
                When(status__in=OPEN_GROUP_STATUSES, then=F("last_price")), output_field=AMOUNT
            ),
            entry_price=Coalesce(
                "avg_entry",
                Case(When(bought, then=F("total_invested") / F("bought_quantity")), output_field=AMOUNT),
                output_field=AMOUNT,
            ),
            realized_pnl_percent=Case(
                When(total_invested__gt=0, then=F("realized_pnl") * 100 / F("total_invested")),
                output_field=AMOUNT,
            ),
            duration_seconds=SecondsBetween(Coalesce("closed_at", Now()), "opened_at"),
        )
        .order_by("-opened_at", "-id")
    )


def deals(*, user: User | object) -> QuerySet[PositionGroup]:
    """The user's closed groups that bought something (a group whose orders were all cancelled
    before a fill is not a deal), most recently closed first, annotated as `position_groups`
    (closed groups have no mark to bring up to date)."""
    return (
        _annotated(user)
        .filter(status=GroupStatus.CLOSED, bought_quantity__gt=0)
        .order_by("-closed_at", "-id")
    )


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    deals: int
    wins: int
    realized_pnl: Decimal
    fees: Decimal
    invested: Decimal


@dataclass(frozen=True)
class DealTotals:
    deals: int
    wins: int
    by_currency: list[CurrencyTotal]


def deal_totals(*, deals: QuerySet[PositionGroup]) -> DealTotals:
    """Count, wins (realized_pnl > 0) and sums of `deals`, one sum per quote currency (USDT and
    INR are never added together), summed by the database per symbol."""
    per_symbol = (
        deals.order_by()
        .values("symbol", snapshot_quote=KT("market_snapshot__quote"))
        .annotate(
            n=Count("id"),
            won=Count("id", filter=Q(realized_pnl__gt=0)),
            realized=Sum("realized_pnl"),
            fees_paid=Sum("fees"),
            spent=Sum("total_invested"),
        )
    )
    by_currency: dict[str, CurrencyTotal] = {}
    for row in per_symbol:
        currency = row["snapshot_quote"] or quote_of(row["symbol"])
        before = by_currency.get(currency) or CurrencyTotal(currency, 0, 0, ZERO, ZERO, ZERO)
        by_currency[currency] = CurrencyTotal(
            currency=currency,
            deals=before.deals + row["n"],
            wins=before.wins + row["won"],
            realized_pnl=before.realized_pnl + (row["realized"] or ZERO),
            fees=before.fees + (row["fees_paid"] or ZERO),
            invested=before.invested + (row["spent"] or ZERO),
        )
    totals = sorted(by_currency.values(), key=lambda total: (-total.deals, total.currency))
    return DealTotals(
        deals=sum(total.deals for total in totals),
        wins=sum(total.wins for total in totals),
        by_currency=totals,
    )


def _average_fill(orders: QuerySet[DCAOrder]) -> Subquery:
    """Quantity-weighted average fill price of `orders` (null when none filled)."""
    weighted = (
        orders.order_by()
        .values("group")
        .annotate(price=Sum(F("filled_quantity") * F("avg_fill_price")) / Sum("filled_quantity"))
        .values("price")
    )
    return Subquery(weighted, output_field=AMOUNT)


def _count(orders: QuerySet[DCAOrder]) -> Coalesce:
    counted = orders.order_by().values("group").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def position_detail(*, user: User | object) -> QuerySet[PositionGroup]:
    """The list queryset plus pyramids with their legs, exit orders and signals prefetched.

    Fills are not reachable from the group by a relation Django can prefetch in one step, so
    `position_fills` reads them (one more query)."""
    legs = DCAOrder.objects.filter(role=OrderRole.LEG).order_by("level", "created_at")
    return position_groups(user=user).prefetch_related(
        Prefetch(
            "pyramids",
            queryset=Pyramid.objects.order_by("index").prefetch_related(
                Prefetch("orders", queryset=legs, to_attr="legs")
            ),
            to_attr="pyramid_list",
        ),
        Prefetch(
            "orders",
            queryset=DCAOrder.objects.filter(role__in=EXIT_ROLES).order_by("created_at"),
            to_attr="exit_order_list",
        ),
        Prefetch(
            "signals",
            queryset=Signal.objects.only("id", "intent_type", "received_at", "position_group_id").order_by(
                "received_at"
            ),
            to_attr="signal_list",
        ),
    )


def position_fills(*, group: PositionGroup) -> QuerySet[Fill]:
    return Fill.objects.filter(user_id=group.user_id, order__group=group).order_by("executed_at", "id")


def unknown_orders(*, user: User | object) -> QuerySet[UnknownExchangeOrder]:
    return UnknownExchangeOrder.objects.filter(user=user).select_related("account").order_by("-last_seen_at")


# --- performance ----------------------------------------------------------------------------------


def base_of(symbol: str) -> str:
    """`BTC/USDT` -> `BTC`; no slash (an equity, `RELIANCE`) -> the symbol itself."""
    return symbol.split("/", 1)[0].upper()


def quote_of(symbol: str) -> str:
    """`BTC/USDT` -> `USDT`; a derivatives symbol `BTC/USDT:USDT` -> `USDT`; no slash -> ``."""
    if "/" not in symbol:
        return ""
    return symbol.split("/", 1)[1].split(":", 1)[0].upper()


@dataclass(frozen=True)
class DayRow:
    date: dt.date
    realized_pnl: Decimal
    fees: Decimal
    closed_groups: int


@dataclass(frozen=True)
class EquityPoint:
    date: dt.date
    cumulative_realized: Decimal


@dataclass
class Performance:
    currency: str
    currencies: list[str]
    days: int
    start: dt.date
    end: dt.date
    realized_by_day: list[DayRow]
    equity_curve: list[EquityPoint]
    realized_pnl: Decimal
    fees: Decimal
    unrealized_pnl: Decimal
    open_groups: int
    open_realized_pnl: Decimal
    closed_groups: int
    wins: int
    losses: int
    win_rate: Decimal | None
    max_drawdown: Decimal
    max_drawdown_percent: Decimal | None
    best_group: PositionGroup | None = None
    worst_group: PositionGroup | None = None


def _symbols_by_quote(user: User | object) -> dict[str, list[str]]:
    symbols = PositionGroup.objects.filter(user=user).values_list("symbol", flat=True).distinct()
    by_quote: dict[str, list[str]] = {}
    for symbol in symbols.order_by():
        by_quote.setdefault(quote_of(symbol), []).append(symbol)
    return by_quote


def _main_quote(user: User | object, by_quote: dict[str, list[str]]) -> str:
    """The quote most of the user's groups trade in (ties: alphabetical); USDT for a new user."""
    if not by_quote:
        return "USDT"
    counts = {
        quote: PositionGroup.objects.filter(user=user, symbol__in=symbols).count()
        for quote, symbols in by_quote.items()
    }
    return sorted(counts, key=lambda quote: (-counts[quote], quote))[0]


def _max_drawdown(points: Iterable[Decimal]) -> tuple[Decimal, Decimal | None]:
    """Largest fall from a running peak of the cumulative curve (which starts at 0), in quote,
    and as a percent of that peak when the peak was above zero."""
    peak = ZERO
    worst, worst_percent = ZERO, None
    for value in points:
        peak = max(peak, value)
        drawdown = peak - value
        if drawdown > worst:
            worst = drawdown
            worst_percent = (drawdown / peak * HUNDRED).quantize(Decimal("0.01")) if peak > 0 else None
    return worst, worst_percent


def performance_summary(
    *, user: User | object, days: int, currency: str | None = None, today: dt.date | None = None
) -> Performance:
    """The user's results over the last `days` UTC days (today included) in one quote currency.

    A group's result counts on the UTC date it closed, in full (`realized_pnl` already nets its
    fees); failed groups, which never held anything, are left out. Every day of the window is in
    `realized_by_day`, days without a close as zeros, so charts get a continuous axis."""
    marks_freshen(users=[user])
    if not 1 <= days <= MAX_PERFORMANCE_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_PERFORMANCE_DAYS}")
    end = today or timezone.now().astimezone(dt.UTC).date()
    start = end - dt.timedelta(days=days - 1)
    by_quote = _symbols_by_quote(user)
    quote = (currency or "").strip().upper() or _main_quote(user, by_quote)
    symbols = by_quote.get(quote, [])
    groups = PositionGroup.objects.filter(user=user, symbol__in=symbols)

    closed = groups.filter(
        status=GroupStatus.CLOSED,
        closed_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC),
        closed_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC),
    )
    per_day = {
        row["day"]: row
        for row in closed.annotate(day=TruncDate("closed_at", tzinfo=dt.UTC))
        .order_by()
        .values("day")
        .annotate(realized=Sum("realized_pnl"), fees_paid=Sum("fees"), n=Count("id"))
    }
    totals = closed.aggregate(
        n=Count("id"),
        wins=Count("id", filter=Q(realized_pnl__gt=0)),
        realized=Sum("realized_pnl"),
        fees_paid=Sum("fees"),
    )
    open_totals = groups.filter(status__in=OPEN_GROUP_STATUSES).aggregate(
        n=Count("id"), unrealized=Sum("unrealized_pnl"), realized=Sum("realized_pnl")
    )

    rows: list[DayRow] = []
    curve: list[EquityPoint] = []
    running = ZERO
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        found = per_day.get(day)
        row = DayRow(
            date=day,
            realized_pnl=(found["realized"] if found else None) or ZERO,
            fees=(found["fees_paid"] if found else None) or ZERO,
            closed_groups=found["n"] if found else 0,
        )
        running += row.realized_pnl
        rows.append(row)
        curve.append(EquityPoint(date=day, cumulative_realized=running))
    drawdown, drawdown_percent = _max_drawdown(point.cumulative_realized for point in curve)

    n_closed, wins = totals["n"], totals["wins"]
    ranked = closed.select_related("account")
    return Performance(
        currency=quote,
        currencies=sorted(by_quote) if by_quote else [quote],
        days=days,
        start=start,
        end=end,
        realized_by_day=rows,
        equity_curve=curve,
        realized_pnl=totals["realized"] or ZERO,
        fees=totals["fees_paid"] or ZERO,
        unrealized_pnl=open_totals["unrealized"] or ZERO,
        open_groups=open_totals["n"],
        open_realized_pnl=open_totals["realized"] or ZERO,
        closed_groups=n_closed,
        wins=wins,
        losses=n_closed - wins,
        win_rate=(Decimal(wins) / Decimal(n_closed) * HUNDRED).quantize(Decimal("0.01"))
        if n_closed
        else None,
        max_drawdown=drawdown,
        max_drawdown_percent=drawdown_percent,
        best_group=ranked.order_by("-realized_pnl", "closed_at").first() if n_closed else None,
        worst_group=ranked.order_by("realized_pnl", "closed_at").first() if n_closed else None,
    )
