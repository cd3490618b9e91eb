"""Quiet groups' marks, derived from their symbol's latest price when they are read.

A take-profit tick decides every open group at one price per (price source, symbol). Most groups
are in their quiet band (trading/takeprofit/quiet.py): nothing fires, only their mark (last
price, unrealized PnL and percent) moves, along a line stored on the row. Rewriting each such row
every tick was most of the tick's cost at ten thousand users (docs/benchmarks.md, issue 22), so
the tick stores the price once per symbol (`symbol_marks_store`, the `SymbolMark` rows) and a
reader brings the groups it shows up to that price first (`marks_freshen`): one UPDATE of the
reader's rows whose stored mark is older than their symbol's, which changes nothing when none is.

A mark is derived only while the group's band holds at the symbol mark's time, by the same rules
the tick used to decide it (the row unchanged since the band was stored, the band not expired).
A group whose row changed since keeps the mark its change stored until the next tick decides it.
PostgreSQL only: SQLite stores no bands, and its ticks write every group's mark
(trading/takeprofit/services/marks.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection

from trading.positions.models import EVALUATED_GROUP_STATUSES, PositionGroup, SymbolMark


def band_floor_seconds() -> float:
    """How old a band's `quiet_from` may be for the band to be used: a band lives at most 1.5
    TTLs, its rows were read at most a batch's expiry before it was stored, and its `quiet_from`
    lies the clock margin before that."""
    return settings.TRADING_QUIET_TTL_SECONDS * 1.5 + settings.TRADING_QUIET_MARGIN_SECONDS + 60


def band_floor(at: datetime) -> datetime:
    return at - timedelta(seconds=band_floor_seconds())


def symbol_marks_store(prices: Mapping[str, Mapping[str, Decimal]], at: datetime) -> int:
    """Store a tick's prices ({scope: {symbol: price}}) as each symbol's latest mark, in one
    statement. An older tick arriving late does not overwrite a newer one. Returns the rows."""
    if connection.vendor != "postgresql":
        return 0
    rows = sorted(
        (scope, symbol, price) for scope, items in prices.items() for symbol, price in items.items()
    )
    if not rows:
        return 0
    table = connection.ops.quote_name(SymbolMark._meta.db_table)
    sql = (
        f"INSERT INTO {table} AS t (scope, symbol, price, marked_at) "  # noqa: S608  no user input
        "SELECT v.scope, v.symbol, v.price, %s FROM unnest(%s::text[], %s::text[], %s::numeric[]) "
        "AS v(scope, symbol, price) ON CONFLICT (scope, symbol) DO UPDATE SET price = EXCLUDED.price, "
        "marked_at = EXCLUDED.marked_at WHERE t.marked_at < EXCLUDED.marked_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]])
        return int(cursor.rowcount)


def freshen_statement(
    *, users: Collection[Any] | None = None, symbols: Collection[str] | None = None
) -> tuple[str, list[Any]]:
    """The UPDATE that marks the groups of `users` (None: every user) and `symbols` (None: all)
    at their symbol's latest price where their band holds there, as `g` (for
    takeprofit/events.py's RETURNING). Rows another transaction holds (a fill, an evaluation)
    are skipped, not waited for: that change stores its own mark."""
    group = connection.ops.quote_name(PositionGroup._meta.db_table)
    mark = connection.ops.quote_name(SymbolMark._meta.db_table)
    line = "(g.mark_quantity * q.price + g.mark_offset)"
    where, params = ["b.status = ANY(%s)", "b.strategy = ''"], [[str(s) for s in EVALUATED_GROUP_STATUSES]]
    if users is not None:
        where.append("b.user_id = ANY(%s::uuid[])")
        params.append(_ids(users))
    if symbols is not None:
        where.append("b.symbol = ANY(%s)")
        params.append(list(symbols))
    sql = (
        f"UPDATE {group} AS g SET last_price = q.price, unrealized_pnl = {line}, "  # noqa: S608  no user input
        f"unrealized_pnl_percent = CASE WHEN g.mark_cost > 0 THEN {line} * 100 / g.mark_cost ELSE 0 END, "
        "last_evaluated_at = q.marked_at FROM ("
        "SELECT b.ctid AS tid, s.price, s.marked_at "
        f"FROM {group} AS b JOIN {mark} AS s ON s.scope = b.quiet_scope AND s.symbol = b.symbol "
        f"WHERE {' AND '.join(where)} "
        "AND (b.last_evaluated_at IS NULL OR b.last_evaluated_at < s.marked_at) "
        "AND s.price BETWEEN b.quiet_low AND b.quiet_high AND b.quiet_seen = b.updated_at "
        "AND b.quiet_until > s.marked_at AND b.quiet_from > s.marked_at - make_interval(secs => %s) "
        "FOR UPDATE OF b SKIP LOCKED) AS q WHERE g.ctid = q.tid"
    )
    return sql, [*params, band_floor_seconds()]


def marks_freshen(*, users: Collection[Any] | None = None, symbols: Collection[str] | None = None) -> int:
    """Bring the quiet marks of `users`' groups (users or their ids; None: every user's) up to
    their symbols' latest tick. Every reader of a group's mark calls it first (the positions
    selectors, the dashboard's performance, the configurations' stats). Returns how many groups
    it marked."""
    if connection.vendor != "postgresql" or (users is not None and not _ids(users)):
        return 0
    sql, params = freshen_statement(users=users, symbols=symbols)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def latest_price(group: PositionGroup) -> Decimal | None:
    """The group's symbol's latest tick price when it is newer than the group's own mark (a
    quiet group's row is not rewritten every tick), else the group's last price."""
    if group.quiet_scope and connection.vendor == "postgresql":
        newer = SymbolMark.objects.filter(scope=group.quiet_scope, symbol=group.symbol)
        if group.last_evaluated_at is not None:
            newer = newer.filter(marked_at__gt=group.last_evaluated_at)
        price = newer.values_list("price", flat=True).first()
        if price is not None:
            return price
    return group.last_price


def _ids(users: Collection[Any]) -> list[str]:
    """User ids as text; an anonymous user (no id) owns nothing."""
    return [str(pk) for pk in (getattr(u, "pk", u) for u in users) if pk is not None]
