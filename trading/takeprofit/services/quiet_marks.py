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

The void pass reads the rows changed since the previous pass began, less `void_overlap()`, not
every row changed within the band floor (~16 min): at 100,000 groups whose 370,000 orders had all
changed within it, that pass cost 0.43 s of PostgreSQL per tick (docs/benchmarks.md). It is
enough because a band is stored only by a write within BAND_WRITE_SECONDS of the read it was
computed from (marks.py `marks_write`), so its `quiet_from` is never older than the start of a
pass before it was stored less the overlap; and a change committed after a pass began carries an
`updated_at` at most the clock margin older than that start (the margin the bands already assume).
Without a previous pass on record (a cold cache), the pass reads back to the floor.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from brokers.models import ExchangeConfig
from trading.positions.marks import band_floor, band_floor_seconds, freshen_statement
from trading.positions.models import DCAOrder, PositionGroup, Pyramid
from trading.takeprofit.events import MarkRow, returning_watched, rows_returned

logger = logging.getLogger("tradefleet.trading.marks")
# A band is stored only when the write comes within this many seconds of the read it was computed
# from (a batch that waited or ran longer stores the marks without bands).
BAND_WRITE_SECONDS = 60
VOIDED_KEY = "tick:v1:tp:voided_at"  # when the last void pass that ended began


def void_overlap() -> timedelta:
    """How far before the previous pass's start a void pass reads changes: a band's write delay,
    the clock margin, and 30 s for the write's transaction to commit."""
    return timedelta(seconds=BAND_WRITE_SECONDS + settings.TRADING_QUIET_MARGIN_SECONDS + 30)


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
    the band's `quiet_from` (`quiet_seen` NULL never equals `updated_at`). Only the rows changed
    since the previous pass began (less `void_overlap()`; without one on record, since the band
    floor) are read, through their `updated_at` index, so this costs the tick what changed since
    the last one, not a look-up per group. Returns how many bands."""
    if connection.vendor != "postgresql":
        return 0
    models = (PositionGroup, DCAOrder, Pyramid, ExchangeConfig)
    group, order, pyramid, account = (connection.ops.quote_name(m._meta.db_table) for m in models)
    sql = (
        # `= ANY(ARRAY(...))`: the changed groups are found first, then updated by key. With `IN`,
        # statistics that predate the bands (quiet_seen NULL everywhere) made the planner loop over
        # every group for each changed one: 6.2 s of PostgreSQL for 200 groups at 100,000.
        f"UPDATE {group} AS g SET quiet_seen = NULL WHERE g.quiet_seen IS NOT NULL AND g.id = ANY(ARRAY("  # noqa: S608
        f"SELECT b.id FROM {order} o JOIN {group} b ON b.id = o.group_id "
        "WHERE o.updated_at > %s AND o.updated_at > b.quiet_from "
        f"UNION SELECT b.id FROM {pyramid} p JOIN {group} b ON b.id = p.group_id "
        "WHERE p.updated_at > %s AND p.updated_at > b.quiet_from "
        f"UNION SELECT b.id FROM {account} a JOIN {group} b ON b.account_id = a.id "
        "WHERE a.updated_at > %s AND a.updated_at > b.quiet_from))"
    )
    since = _changes_since(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, since, since])
        voided = int(cursor.rowcount)
    try:
        cache.set(VOIDED_KEY, now.isoformat(), timeout=int(band_floor_seconds()))
    except Exception:  # the cache is down: the next pass reads back to the floor
        logger.warning("could not record the void pass of %s", now.isoformat())
    return voided


def _changes_since(now: datetime) -> datetime:
    """The oldest change the pass at `now` must read (see the module's docstring)."""
    floor = band_floor(now)
    try:
        last = cache.get(VOIDED_KEY)
    except Exception:
        return floor
    if not last:
        return floor
    previous = datetime.fromisoformat(last)
    if previous > now:  # a clock that went back: trust nothing recorded
        return floor
    return max(floor, previous - void_overlap())
