"""The `positions.marked` live event: the last price and unrealized PnL of every open group a
take-profit tick marked, one event per user (per batch of that user's groups, never per group),
so the Positions pages and the dashboard follow the market without polling.

The rows come from the statements that wrote the marks (`UPDATE ... RETURNING` on PostgreSQL),
as the API shows them ("95.5", not "95.500000000000000000"): building the events reads nothing.
Switched off with `TRADING_MARK_EVENTS = False` (docs/configuration.md).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, NamedTuple

import redis
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.db.models import QuerySet

from notifications.events import POSITIONS_MARKED, publish
from trading.positions.models import EVALUATED_GROUP_STATUSES, PositionGroup
from trading.runtime.event_values import plain

logger = logging.getLogger("tradefleet.trading.marks")

# A mark as `UPDATE ... RETURNING` gives it (`g`: the group table, or a CTE of its rows), in
# MarkRow's order: text, trailing zeros trimmed, so no Decimal is built for it in Python.
RETURNING_SQL = (
    "g.account_id::text, g.user_id::text, g.id::text, g.symbol, trim_scale(g.last_price)::text, "
    "trim_scale(g.unrealized_pnl)::text, trim_scale(g.unrealized_pnl_percent)::text"
)
_COLUMNS = "g.account_id, g.user_id, g.id, g.symbol, g.last_price, g.unrealized_pnl, g.unrealized_pnl_percent"
_WATCHED = "%s::uuid[] IS NULL OR g.user_id = ANY(%s::uuid[])"


def returning_watched(update_sql: str, *, every_id: bool = False) -> str:
    """`update_sql` (an UPDATE of the group table as `g`, without RETURNING) wrapped to return the
    marks (RETURNING_SQL) of the watching users' rows only: turning ten thousand rows into text
    for a handful of open pages would cost the tick more than the UPDATE's own work. It returns
    the row count first, then the watched rows; with `every_id`, one row per row written, its
    id first (the mark's columns NULL where not watched). Two parameters follow the UPDATE's:
    the watching user ids, twice (None: every row)."""
    with_rows = f"WITH g AS ({update_sql} RETURNING {_COLUMNS}) "
    if every_id:
        marks = f"SELECT {RETURNING_SQL} WHERE {_WATCHED}"
        return f"{with_rows}SELECT g.id, w.* FROM g LEFT JOIN LATERAL ({marks}) AS w ON TRUE"  # noqa: S608
    marks = f"SELECT {RETURNING_SQL} FROM g WHERE {_WATCHED}"  # noqa: S608  no user input
    count = "SELECT count(*) AS n FROM g"
    return f"{with_rows}SELECT n.n, w.* FROM ({count}) AS n LEFT JOIN ({marks}) AS w ON TRUE"  # noqa: S608


class MarkRow(NamedTuple):
    account_id: str
    user_id: str
    id: str
    symbol: str
    last_price: str | None
    unrealized_pnl: str | None
    unrealized_pnl_percent: str | None
    marked_at: str


def mark_events_on() -> bool:
    return bool(getattr(settings, "TRADING_MARK_EVENTS", True))


def iso(moment: datetime) -> str:
    """As the events encode datetimes (notifications/events.py): milliseconds, UTC as `Z`."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rows_returned(fetched: Iterable[tuple[Any, ...]], marked_at: datetime) -> list[MarkRow]:
    """MarkRows from rows ending in RETURNING_SQL's columns (`returning_watched`); rows where
    they are NULL (not watched) are skipped."""
    at = iso(marked_at)
    width = len(MarkRow._fields) - 1
    return [MarkRow._make((*row[-width:], at)) for row in fetched if row[-width] is not None]


def rows_read(groups: QuerySet[PositionGroup]) -> list[MarkRow]:
    """MarkRows read back from the database, for the open ones of `groups`: the groups the tick
    evaluated in full, and on SQLite every mark (no RETURNING there)."""
    fields = (
        "account_id",
        "user_id",
        "pk",
        "symbol",
        "last_price",
        "unrealized_pnl",
        "unrealized_pnl_percent",
    )
    open_groups = groups.filter(status__in=EVALUATED_GROUP_STATUSES, last_evaluated_at__isnull=False)
    return [
        MarkRow(str(a), str(u), str(pk), symbol, plain(price), plain(pnl), plain(pct), iso(at))
        for a, u, pk, symbol, price, pnl, pct, at in open_groups.order_by().values_list(
            *fields, "last_evaluated_at"
        )
    ]


def marks_publish(rows: Iterable[MarkRow], watching: Collection[str] | None) -> int:
    """One `positions.marked` event per watching user (`users_watching`; None: every user)
    holding all of that user's rows, sent after commit. Returns how many events were sent."""
    by_user: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if watching is None or row.user_id in watching:
            by_user[row.user_id].append({field: getattr(row, field) for field in _EVENT_FIELDS})
    for user_id, marks in by_user.items():
        publish(user_id, POSITIONS_MARKED, {"marks": marks})
    return len(by_user)


_EVENT_FIELDS = ("id", "symbol", "last_price", "unrealized_pnl", "unrealized_pnl_percent", "marked_at")


def users_watching() -> set[str] | None:
    """The ids of the users with an open socket now: each socket joins its user's Channels group
    (notifications/consumers.py), so those are the groups that have members. None when the
    layer cannot tell (then every user is sent their marks).

    A tick marks every user's groups, most of them offline: an event costs a worker ~0.7 ms
    of CPU and two Redis round trips even for nobody, and more than 100 in flight exhaust the
    layer's connection pool (events are then lost). Asking the layer costs a SCAN of its
    groups, as many keys as there are open sockets."""
    layer = get_channel_layer()
    if layer is None:
        return set()
    if isinstance(layer, InMemoryChannelLayer):
        return {_user_of(group) for group, members in layer.groups.items() if members and _user_of(group)}
    if not isinstance(layer, RedisChannelLayer) or not all("address" in host for host in layer.hosts):
        return None
    prefix = layer._group_key("user.").decode()  # "<layer prefix>:group:user.", then the id's hex
    watching: set[str] = set()
    try:
        for host in layer.hosts:
            for key in _redis(host["address"]).scan_iter(match=f"{prefix}*", count=1000):
                watching.add(str(uuid.UUID(key.decode()[len(prefix) :])))
    except (redis.RedisError, ValueError):
        logger.warning("could not read who is watching; sending every user's marks", exc_info=True)
        return None
    return watching


def _user_of(group: str) -> str:
    """The user id of a user's group name (`user.<hex>`), else ""."""
    name, _, hex_ = group.partition(".")
    try:
        return str(uuid.UUID(hex_)) if name == "user" else ""
    except ValueError:
        return ""


@functools.cache
def _redis(address: str) -> redis.Redis:
    return redis.Redis.from_url(address)  # its pool starts anew in a forked worker process
