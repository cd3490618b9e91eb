"""The take-profit tick's quiet bands (trading/takeprofit/quiet.py), on PostgreSQL.

A group whose stored band holds and contains the tick's price of its symbol is not read into
Python, nor written: the tick stores the price once per symbol (trading/positions/marks.py) and
every reader derives the group's mark from its stored line (`marks_freshen`). Only the groups of
the users with an open page are marked at once, for their live event (`quiet_marks_watched`). The
batches (marks.py) decide the rest (`undecided`) and store their new bands. A band holds while
the group row is as it was when the band was stored (`quiet_seen = updated_at`), none of its
orders, pyramids or its account changed after `quiet_from` (`quiet_bands_void` clears those
first), and `quiet_until` has not passed. SQLite stores no bands: it would compute the marks in
floating point, so there every group is decided in Python.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from brokers.models import ExchangeConfig
from trading.positions.marks import band_floor, freshen_statement
from trading.positions.models import DCAOrder, PositionGroup, Pyramid
from trading.takeprofit.events import MarkRow, returning_watched, rows_returned


def undecided(
    groups: QuerySet[PositionGroup], prices: Mapping[str, Mapping[str, Decimal]], at: datetime
) -> QuerySet[PositionGroup]:
    """Of `groups`, those the tick at `at` must decide in Python: their band does not hold at
    the tick's price of their symbol ({scope: {symbol: price}}), or they have none. On SQLite,
    all of them."""
    if connection.vendor != "postgresql":
        return groups
    g = connection.ops.quote_name(PositionGroup._meta.db_table)
    holds = (
        # A key lookup in one JSON parameter per row: no join, whatever the number of symbols.
        f"COALESCE((%s::jsonb -> {g}.quiet_scope ->> {g}.symbol)::numeric "
        f"BETWEEN {g}.quiet_low AND {g}.quiet_high AND {g}.quiet_seen = {g}.updated_at "
        f"AND {g}.quiet_until > %s AND {g}.quiet_from > %s, FALSE)"
    )
    table = {scope: {symbol: str(price) for symbol, price in rows.items()} for scope, rows in prices.items()}
    params = (json.dumps(table), at, band_floor(at))
    quiet = RawSQL(holds, params, output_field=BooleanField())  # noqa: S611  parameters only
    return groups.alias(quiet=quiet).filter(quiet=False)


def quiet_marks_watched(
    at: datetime,
    symbols: Collection[str] | None,
    watching: Collection[str] | None,
    marked: list[MarkRow],
) -> int:
    """Mark now the quiet groups of the `watching` users (None: every user) in `symbols` (None:
    all), at their symbols' latest tick, and append their marks to `marked` for the live event.
    Returns how many groups it marked."""
    if connection.vendor != "postgresql" or (watching is not None and not watching):
        return 0
    sql, params = freshen_statement(users=watching, symbols=symbols)
    users = None if watching is None else list(watching)
    with connection.cursor() as cursor:
        cursor.execute(returning_watched(sql), [*params, users, users])
        fetched = cursor.fetchall()
    marked.extend(rows_returned(fetched, at))
    return int(fetched[0][0]) if fetched else 0


def quiet_until(pk: Any, now: datetime) -> datetime:
    """When a band stored now is recomputed at the latest: 1 to 1.5 TTLs, spread by the group's
    id so the bands computed in one tick do not all come back in one tick."""
    spread = (uuid.UUID(str(pk)).int & 0xFFFF) / 0xFFFF / 2
    return now + timedelta(seconds=settings.TRADING_QUIET_TTL_SECONDS * (1 + spread))


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
    floor = band_floor(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [floor, floor, floor])
        return int(cursor.rowcount)
