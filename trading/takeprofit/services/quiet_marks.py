"""The take-profit dispatcher's marks by quiet band (trading/takeprofit/quiet.py), on PostgreSQL.

Every group whose stored band still holds and contains its price is marked in SQL, by its stored
line, without being read into Python; the batches (marks.py) decide the rest and store
their new bands. A band holds while the group row is as it was when the band was stored
(`quiet_seen = updated_at`), none of its orders, pyramids or its account changed after
`quiet_from` (`quiet_bands_void` clears those first), and `quiet_until` has not passed. SQLite
stores no bands: it would compute the marks in floating point, so there every group is decided
in Python.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection

from brokers.models import ExchangeConfig
from trading.execution.prices import Source
from trading.positions.models import EVALUATED_GROUP_STATUSES, DCAOrder, PositionGroup, Pyramid
from trading.takeprofit.events import MarkRow, returning_watched, rows_returned

ROWS_PER_UPDATE = 1000  # a statement's row locks are held this long (~50 ms), no longer


def quiet_marks_write(
    prices: Mapping[Source, Mapping[str, Decimal]],
    now: datetime,
    counts: Mapping[Source, Mapping[str, int]] | None = None,
    *,
    marked: list[MarkRow] | None = None,
    watching: Collection[str] | None = None,
    void: bool = True,
) -> int:
    """Mark every group whose band holds; their `last_evaluated_at` becomes `now`, so the batches
    leave them out. With `void`, the bands whose rows changed are voided first
    (`quiet_bands_void`; a partitioned tick voids once, before its partitions). One UPDATE per
    ~1,000 groups (`counts`: groups per source and symbol), each in its own transaction; rows a
    fill or an evaluation holds are skipped, not waited for (that group changed: the batches
    decide it). Returns how many groups were marked; with `marked`, the marks of the `watching`
    users' groups (None: all) are appended to it as the UPDATE returned them (for the live
    event)."""
    if connection.vendor != "postgresql":
        return 0
    if void:
        quiet_bands_void(now)
    written, chunk, size = 0, [], 0
    for source, items in sorted(prices.items()):
        for symbol, price in sorted(items.items()):
            chunk.append((source.scope, symbol, price))
            size += (counts or {}).get(source, {}).get(symbol, 1)
            if size >= ROWS_PER_UPDATE:
                written += _update(chunk, now, marked, watching)
                chunk, size = [], 0
    if chunk:
        written += _update(chunk, now, marked, watching)
    return written


def quiet_until(pk: Any, now: datetime) -> datetime:
    """When a band stored now is recomputed at the latest: 1 to 1.5 TTLs, spread by the group's
    id so the bands computed in one tick do not all come back in one tick."""
    spread = (uuid.UUID(str(pk)).int & 0xFFFF) / 0xFFFF / 2
    return now + timedelta(seconds=settings.TRADING_QUIET_TTL_SECONDS * (1 + spread))


def changes_floor(now: datetime) -> datetime:
    """The oldest `quiet_from` a band the tick may use can have. A band lives at most 1.5 TTLs
    (quiet_until); its rows were read at most a batch's expiry before it was stored, and its
    `quiet_from` lies the clock margin before that. A band older than this (a batch that ran
    late) is not used: its group is decided in Python."""
    seconds = settings.TRADING_QUIET_TTL_SECONDS * 1.5 + settings.TRADING_QUIET_MARGIN_SECONDS + 60
    return now - timedelta(seconds=seconds)


def quiet_bands_void(now: datetime) -> int:
    """Void the bands of groups one of whose orders or pyramids, or whose account, changed after
    the band's `quiet_from` (`quiet_seen` NULL never equals `updated_at`). The rows changed since
    the floor are few (what traded lately) and are found through their `updated_at` index, so
    this costs the tick the recent changes, not a look-up per group. Returns how many bands."""
    if connection.vendor != "postgresql":
        return 0
    models = (PositionGroup, DCAOrder, Pyramid, ExchangeConfig)
    group, order, pyramid, account = (connection.ops.quote_name(m._meta.db_table) for m in models)
    sql = (
        f"UPDATE {group} AS g SET quiet_seen = NULL WHERE g.quiet_seen IS NOT NULL AND g.id IN ("  # noqa: S608
        f"SELECT b.id FROM {order} o JOIN {group} b ON b.id = o.group_id "
        "WHERE o.updated_at > %s AND o.updated_at > b.quiet_from "
        f"UNION SELECT b.id FROM {pyramid} p JOIN {group} b ON b.id = p.group_id "
        "WHERE p.updated_at > %s AND p.updated_at > b.quiet_from "
        f"UNION SELECT b.id FROM {account} a JOIN {group} b ON b.account_id = a.id "
        "WHERE a.updated_at > %s AND a.updated_at > b.quiet_from)"
    )
    floor = changes_floor(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [floor, floor, floor])
        return int(cursor.rowcount)


def _update(
    rows: list[tuple[str, str, Decimal]],
    now: datetime,
    marked: list[MarkRow] | None,
    watching: Collection[str] | None,
) -> int:
    group = connection.ops.quote_name(PositionGroup._meta.db_table)
    line = "(g.mark_quantity * q.price + g.mark_offset)"
    sql = (
        f"UPDATE {group} AS g SET last_price = q.price, unrealized_pnl = {line}, "  # noqa: S608  no user input
        f"unrealized_pnl_percent = CASE WHEN g.mark_cost > 0 THEN {line} * 100 / g.mark_cost ELSE 0 END, "
        "last_evaluated_at = %s FROM ("
        # LATERAL: each price finds its groups through the (symbol, quiet_scope) index, whatever
        # the planner's statistics say about the band columns.
        # The row is found again by its physical address (ctid): the lock holds it in place, and a
        # TID probe costs a third of the primary key's.
        "SELECT b.tid, v.price FROM unnest(%s::text[], %s::text[], %s::numeric[]) AS v(scope, symbol, price) "
        f"CROSS JOIN LATERAL (SELECT b.ctid AS tid FROM {group} AS b "
        "WHERE b.symbol = v.symbol AND b.quiet_scope = v.scope AND b.status = ANY(%s) "
        "AND v.price BETWEEN b.quiet_low AND b.quiet_high "
        "AND b.quiet_seen = b.updated_at AND b.quiet_until > %s AND b.quiet_from > %s "
        "FOR UPDATE OF b SKIP LOCKED) AS b) AS q WHERE g.ctid = q.tid"
    )
    params = [
        now,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [str(status) for status in EVALUATED_GROUP_STATUSES],
        now,
        changes_floor(now),
    ]
    with connection.cursor() as cursor:
        if marked is None:
            cursor.execute(sql, params)
            return int(cursor.rowcount)
        users = None if watching is None else list(watching)
        cursor.execute(returning_watched(sql), [*params, users, users])
        fetched = cursor.fetchall()
    marked.extend(rows_returned(fetched, now))
    return int(fetched[0][0])
