"""The take-profit pass in batches: every open group decided at one shared price per tick, and
only the groups where something fires evaluated in full.

The dispatcher (`take_profit_dispatch`, the `check_take_profits` task) reads which symbols hold
groups to evaluate (one grouped query), prices every symbol once per source
(execution/prices.py), stores those prices once per symbol (`SymbolMark`: a group in its quiet
band is marked from it when read, trading/positions/marks.py) and in the cache, and sends its
partitions. A partition finds the (account, user) units with groups whose band does not hold
(quiet_marks.py `undecided`) and fans them out in batches (`take_profit_batch`). A batch loads
those groups, their orders and pyramids in
three queries (marks_load.py) and asks the pure `triggers.evaluate` per group. A
group where nothing fires only gets its mark (last price, unrealized PnL and percent, last
evaluation) and a new band, written for the whole batch in one UPDATE without a lock; a row that
changed after the batch read it (a fill landed) is not overwritten but evaluated the locked way.
The groups where something fires go through `evaluate.group_evaluate`, exactly as before.
Each unit runs in `user_task_run`, so one user's failure never stops the batch.

Every user with an open page then gets one `positions.marked` event with all the marks of the
tick (trading/takeprofit/events.py): the dispatcher sends those of the accounts it sends no batch
for, each batch those of its units, quiet marks included (a partition marks the watching users'
quiet groups for it, `quiet_marks_watched`). The values come back from the UPDATEs that wrote
them; nothing is built for users with no socket open.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from config.tasks import task_named
from trading.execution.prices import (
    Source,
    prices_fetch,
    prices_observe,
    snapshot_read,
    snapshot_store,
    source_of,
)
from trading.positions.marks import symbol_marks_store
from trading.positions.models import (
    EVALUATED_GROUP_STATUSES,
)
from trading.positions.models import PositionGroup as Group
from trading.runtime import task_names as names
from trading.runtime.fanout import fan_out
from trading.runtime.partitions import balanced, partition_count
from trading.runtime.services import service_touch, user_task_run
from trading.takeprofit import triggers
from trading.takeprofit.events import (
    MarkRow,
    mark_events_on,
    marks_publish,
    returning_watched,
    rows_read,
    rows_returned,
    users_watching,
)
from trading.takeprofit.quiet import Quiet, quiet_band
from trading.takeprofit.services import marks_load as services_marks_load
from trading.takeprofit.services import quiet_marks as services_quiet_marks
from trading.takeprofit.services.evaluate import group_evaluate
from trading.takeprofit.services.marks_load import Loaded

logger = logging.getLogger("tradefleet.trading.marks")
MARKS_PER_UPDATE = 1000
TASK_NAME = "take_profit"


def take_profit_dispatch() -> int:
    """One take-profit tick. Returns how many groups it sent for evaluation (those priced).

    A large fleet's tick is split by symbol into partitions of about
    `TRADING_TICK_PARTITION_GROUPS` groups (at most `TRADING_TICK_PARTITIONS`), each a task of its
    own, so that several worker processes and database connections mark and fan out at once; a
    small one runs its single partition here."""
    # A scheduled strategy's groups (trading/equities) keep their own exits: not this tick's.
    evaluated = Group.objects.filter(status__in=EVALUATED_GROUP_STATUSES, strategy="").order_by()
    symbols = evaluated.values_list("exchange", "account__price_source", "account__mode", "symbol")
    wanted: dict[Source, dict[str, int]] = defaultdict(dict)
    for exchange, price_source, mode, symbol, n in symbols.annotate(n=Count("pk")):
        wanted[source_of(exchange, price_source, mode)][symbol] = n
    prices = prices_fetch(wanted)
    prices_observe(prices, restart=False)  # the fill monitor's next range includes these prices
    tick = snapshot_store(prices)
    per_symbol: dict[str, int] = defaultdict(int)
    for source, rows in wanted.items():
        for symbol, n in rows.items():
            if symbol in prices.get(source, {}):
                per_symbol[symbol] += n
    groups = sum(per_symbol.values())
    marked_at = timezone.now()
    services_quiet_marks.quiet_bands_void(marked_at)  # once for every partition
    # After the void: a band that holds at these prices held when they were stored.
    symbol_marks_store({source.scope: rows for source, rows in prices.items()}, marked_at)
    count = partition_count(groups, settings.TRADING_TICK_PARTITION_GROUPS, settings.TRADING_TICK_PARTITIONS)
    parts = balanced(per_symbol, count)
    counts = {source.scope: rows for source, rows in wanted.items()}
    shared = {"tick": tick, "marked_at": marked_at.isoformat()}
    if len(parts) <= 1:
        _partition(tick, marked_at, None, wanted, prices, 1)
    for part in parts if len(parts) > 1 else []:
        chosen = set(part)
        mine = {scope: {s: n for s, n in rows.items() if s in chosen} for scope, rows in counts.items()}
        task_named(names.TAKE_PROFIT_PARTITION).apply_async(
            kwargs={**shared, "symbols": part, "counts": mine, "parts": len(parts)},
            expires=14,
            priority=names.TAKE_PROFIT_PRIORITY,
        )
    logger.debug("take-profit tick: %d groups in %d partitions", groups, max(len(parts), 1))
    return groups


def take_profit_partition_run(
    *,
    tick: str,
    marked_at: str,
    symbols: Sequence[str] | None,
    counts: dict[str, dict[str, int]],
    parts: int = 1,
) -> int:
    """One partition of a take-profit tick: send the batches that decide the groups of these
    symbols (None: all) whose quiet band does not hold. Returns how many groups are quiet."""
    snapshot = snapshot_read(tick)
    if snapshot is None:  # the cache lost the tick: the next one comes within seconds
        logger.warning("take-profit tick %s: its prices are gone from the cache", tick)
        return 0
    chosen = set(symbols or [])
    prices = {
        Source(*_split(scope)): {s: p for s, p in rows.items() if symbols is None or s in chosen}
        for scope, rows in snapshot.items()
    }
    wanted = {Source(*_split(scope)): rows for scope, rows in counts.items()}
    return _partition(tick, datetime.fromisoformat(marked_at), symbols, wanted, prices, parts)


def _partition(
    tick: str,
    at: datetime,
    symbols: Sequence[str] | None,
    wanted: dict[Source, dict[str, int]],
    prices: dict[Source, dict[str, Decimal]],
    parts: int,
) -> int:
    """Mark the watching users' quiet groups (the others are marked when read), then send the
    batches for the accounts with groups to decide. Returns how many groups are quiet."""
    chosen = None if symbols is None else set(symbols)
    quiet_rows: list[MarkRow] | None = [] if mark_events_on() else None
    watching = users_watching() if quiet_rows is not None else None
    if quiet_rows is not None:
        services_quiet_marks.quiet_marks_watched(at, chosen, watching, quiet_rows)
    evaluated = Group.objects.filter(status__in=EVALUATED_GROUP_STATUSES, strategy="").order_by()
    if chosen is not None:
        evaluated = evaluated.filter(symbol__in=chosen)
    scoped = {source.scope: rows for source, rows in prices.items()}
    accounts = services_quiet_marks.undecided(evaluated, scoped, at).values_list(
        "account_id", "user_id", "exchange", "account__price_source", "account__mode"
    )
    found: set[tuple[str, str]] = set()
    deciding = 0
    for a, u, exchange, ps, mode, n in accounts.annotate(n=Count("pk")):
        if prices.get(source_of(exchange, ps, mode)):
            found.add((str(a), str(u)))
            deciding += n
    units = sorted(found)
    if quiet_rows:
        # An account with groups to decide has its quiet marks sent by its batch, in the same
        # event as its other marks; the others' go now.
        batched = {account for account, _ in units}
        marks_publish((row for row in quiet_rows if row.account_id not in batched), watching)
    fan_out(
        task_named(names.TAKE_PROFIT_BATCH),
        [list(u) for u in units],
        kwarg="units",
        shared={"tick": tick, "marked_at": at.isoformat(), "symbols": list(symbols) if symbols else None},
        expires=14,
        priority=names.TAKE_PROFIT_PRIORITY,
    )
    priced = sum(
        n
        for source, rows in wanted.items()
        for symbol, n in rows.items()
        if symbol in prices.get(source, {}) and (chosen is None or symbol in chosen)
    )
    return max(0, priced - deciding)


def take_profit_batch_run(
    *,
    units: Sequence[Sequence[str]],
    tick: str,
    marked_at: str | None = None,
    symbols: Sequence[str] | None = None,
) -> dict[str, int]:
    """Evaluate the groups of these (account, user) units at the tick's prices.

    First every unit is decided (pure: no query, so `user_task_run` needs no savepoint and
    writes nothing for a success) and the marks are written in one UPDATE. Then the units where
    something fired evaluate those groups in full, each in its own transactions, so no group
    lock waits for the rest of the batch. Last, one UPDATE stamps `last_task_execution` of every
    user whose units all succeeded (a failure is recorded, and stamped, by `user_task_run`).
    Groups whose quiet band holds at the tick's prices are left out; each mark
    written here stores the group's new band. Each user then gets one `positions.marked` event
    with the batch's marks, the groups evaluated in full and the units' quiet marks. With
    `symbols` (a partitioned tick), only the units' groups of those symbols."""
    prices = snapshot_read(tick)
    loaded_at = timezone.now()
    skip = datetime.fromisoformat(marked_at) if marked_at else None
    quiet_at = (prices, skip) if prices is not None and skip is not None else None
    loaded = services_marks_load.marks_load([u[0] for u in units], quiet_at=quiet_at, symbols=symbols)
    bands = connection.vendor == "postgresql"  # only PostgreSQL marks by band (quiet_marks.py)
    if prices is None:  # the cache lost the tick: ask again (the shared ticker cache may serve it)
        wanted: dict[Source, set[str]] = defaultdict(set)
        for items in loaded.values():
            for item in items:
                wanted[Source(*_split(item.scope))].add(item.symbol)
        prices = {s.scope: rows for s, rows in prices_fetch(wanted).items()}
    counts = {"marked": 0, "evaluated": 0, "failed": 0}
    marks: list[Mark] = []
    marked: list[MarkRow] | None = [] if mark_events_on() else None
    watching = users_watching() if marked is not None else None
    fired: list[tuple[str, list[tuple[Loaded, Decimal]]]] = []
    succeeded: set[str] = set()
    failed: set[str] = set()
    try:
        for account_id, user_id in units:
            found: list[Mark] = []
            due: list[tuple[Loaded, Decimal]] = []
            decide = partial(_decide, loaded.get(str(account_id), []), prices, found, due, bands)
            if _run_unit(user_id, decide) != "success":
                counts["failed"] += 1
                failed.add(str(user_id))
                continue
            succeeded.add(str(user_id))
            marks.extend(found)
            if due:
                fired.append((user_id, due))
        with transaction.atomic():
            written, raced = marks_write(marks, loaded_at=loaded_at, marked=marked, watching=watching)
        counts["marked"] = written
        for mark in raced:  # a fill or a close landed meanwhile: the locked path decides
            fired.append((str(mark.item.user_id), [(mark.item, mark.price)]))
        for user_id, due in fired:
            if _run_unit(user_id, partial(_evaluate, due)) != "success":
                counts["failed"] += 1
                failed.add(str(user_id))
            counts["evaluated"] += len(due)
        if marked is not None and watching != set():
            marked.extend(_rows_beyond_batch(units, skip, fired, watching, symbols))
            marks_publish(marked, watching)
    finally:
        service_touch(succeeded - failed)
    return counts


def _rows_beyond_batch(
    units: Sequence[Sequence[str]],
    quiet_at: datetime | None,
    fired: list[tuple[str, list[tuple[Loaded, Decimal]]]],
    watching: set[str] | None,
    symbols: Sequence[str] | None = None,
) -> list[MarkRow]:
    """The marks the batch did not write itself, in one query: the units' quiet groups their
    partition marked for the watching users (`quiet_marks_watched`), and the groups evaluated in
    full (those still open); of the watching users only (None: all)."""

    def watched(user_id: str) -> bool:
        return watching is None or str(user_id) in watching

    evaluated = [item.pk for user_id, due in fired if watched(user_id) for item, _ in due]
    accounts = [account_id for account_id, user_id in units if watched(user_id)]
    if (quiet_at is None or not accounts) and not evaluated:
        return []
    wanted = Q(pk__in=evaluated)
    if quiet_at is not None and accounts:
        quiet = Q(account_id__in=accounts, last_evaluated_at=quiet_at)
        wanted |= quiet & Q(symbol__in=symbols) if symbols is not None else quiet
    return rows_read(Group.objects.filter(wanted))


def _run_unit(user_id: str, fn: Any) -> str:
    return str(user_task_run(user_id=user_id, task_name=TASK_NAME, fn=fn, record=False, touch=False))


def _split(scope: str) -> tuple[str, bool]:
    name, testnet = scope.removesuffix("-testnet"), scope.endswith("-testnet")
    return name, testnet


def _decide(
    items: list[Loaded],
    prices: dict[str, dict[str, Decimal]],
    marks: list[Mark],
    due: list[tuple[Loaded, Decimal]],
    bands: bool = False,
) -> None:
    for item in items:
        price = prices.get(item.scope, {}).get(item.symbol)
        if price is None:
            continue
        if item.state is None:
            due.append((item, price))
            continue
        verdict = triggers.evaluate(item.state, price)
        if verdict.marked:
            marks.append(Mark(item, price, verdict, quiet_band(item.state, price) if bands else None))
        else:
            due.append((item, price))
            logger.info("group %s at %s: %s", item.pk, price, verdict.fires)


def _evaluate(due: list[tuple[Loaded, Decimal]]) -> None:
    for item, price in due:
        group_evaluate(group_id=item.pk, price=price)


@dataclass(frozen=True)
class Mark:
    item: Loaded
    price: Decimal
    verdict: triggers.Verdict
    quiet: Quiet | None = None  # the band to store with the mark (PostgreSQL only)


def marks_write(
    marks: Sequence[Mark],
    *,
    loaded_at: datetime | None = None,
    marked: list[MarkRow] | None = None,
    watching: Collection[str] | None = None,
) -> tuple[int, list[Mark]]:
    """Store the marks, up to a thousand rows per UPDATE. A row whose `updated_at` moved since it was
    read (a fill, a close) is left alone. Returns how many rows were written, and the marks of
    the rows left alone. With each mark its quiet band is stored, valid while nothing of the
    group changes after `loaded_at` (when its rows were read) less the clock margin. With
    `marked`, the rows written of the `watching` users (None: all) are appended to it as
    stored (for the live event)."""
    from django.db.models import Case, DecimalField, Value, When

    written, raced = 0, list[Mark]()
    now = timezone.now()
    if connection.vendor == "postgresql":
        since = (loaded_at or now) - timedelta(seconds=settings.TRADING_QUIET_MARGIN_SECONDS)
        # A late write stores no bands: the void pass counts on their reads being recent.
        bands = now - (loaded_at or now) <= timedelta(seconds=services_quiet_marks.BAND_WRITE_SECONDS)
        for start in range(0, len(marks), MARKS_PER_UPDATE):
            chunk = marks[start : start + MARKS_PER_UPDATE]
            done = _write_postgresql(chunk, now, since, marked, watching, bands=bands)
            written += len(done)
            raced.extend(mark for mark in chunk if mark.item.pk not in done)
        return written, raced
    decimal = DecimalField(max_digits=36, decimal_places=18)
    for start in range(0, len(marks), MARKS_PER_UPDATE):
        chunk = marks[start : start + MARKS_PER_UPDATE]
        guard = Q()
        for mark in chunk:
            guard |= Q(pk=mark.item.pk, updated_at=mark.item.updated_at)

        def case(values: list[tuple[Any, Decimal]]) -> Case:
            return Case(
                *[When(pk=pk, then=Value(v, output_field=decimal)) for pk, v in values], output_field=decimal
            )

        done = (
            Group.objects.filter(guard, status__in=EVALUATED_GROUP_STATUSES)
            .order_by()
            .update(
                last_price=case([(m.item.pk, m.price) for m in chunk]),
                unrealized_pnl=case([(m.item.pk, m.verdict.unrealized_pnl) for m in chunk]),
                unrealized_pnl_percent=case([(m.item.pk, m.verdict.unrealized_pnl_percent) for m in chunk]),
                last_evaluated_at=Value(now),
                updated_at=Value(now),
            )
        )
        written += done
        if marked is not None and done:  # no RETURNING on SQLite: read back what was written
            ours = Group.objects.filter(pk__in=[m.item.pk for m in chunk], updated_at=now)
            marked.extend(rows_read(ours if watching is None else ours.filter(user_id__in=list(watching))))
        if done < len(chunk):
            ours = {m.item.pk: m for m in chunk}
            moved = (
                Group.objects.filter(pk__in=list(ours)).exclude(updated_at=now).values_list("pk", flat=True)
            )
            raced.extend(ours[pk] for pk in moved)
    return written, raced


def _write_postgresql(
    chunk: Sequence[Mark],
    now: datetime,
    since: datetime,
    marked: list[MarkRow] | None = None,
    watching: Collection[str] | None = None,
    *,
    bands: bool = True,
) -> set[Any]:
    """One UPDATE ... FROM unnest(arrays) for the chunk; returns the ids it wrote, and appends
    the watching users' marks to `marked` (events.returning_watched). (The ORM's CASE per
    column costs more to build than the database takes to run it.) A mark without a band
    stores none (`quiet_seen` NULL never equals `updated_at`)."""
    table = connection.ops.quote_name(Group._meta.db_table)
    sql = (
        f"UPDATE {table} AS g SET last_price = v.price, unrealized_pnl = v.pnl, "  # noqa: S608  no user input
        "unrealized_pnl_percent = v.pct, last_evaluated_at = %s, updated_at = %s, "
        "quiet_scope = v.scope, quiet_low = v.low, quiet_high = v.high, mark_quantity = v.quantity, "
        "mark_offset = v.offset_, mark_cost = v.cost, quiet_seen = CASE WHEN v.low IS NULL THEN NULL "
        "ELSE %s::timestamptz END, quiet_from = %s, quiet_until = v.until "
        "FROM unnest(%s::uuid[], %s::timestamptz[], %s::numeric[], %s::numeric[], %s::numeric[], "
        "%s::text[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[], "
        "%s::timestamptz[]) "
        "AS v(id, seen, price, pnl, pct, scope, low, high, quantity, offset_, cost, until) "
        "WHERE g.id = v.id AND g.updated_at = v.seen AND g.status = ANY(%s)"
    )
    quiet = [m.quiet if bands else None for m in chunk]
    zero = Decimal(0)
    params = [
        now,
        now,
        now,
        since,
        [m.item.pk for m in chunk],
        [m.item.updated_at for m in chunk],
        [m.price for m in chunk],
        [m.verdict.unrealized_pnl for m in chunk],
        [m.verdict.unrealized_pnl_percent for m in chunk],
        [m.item.scope for m in chunk],
        [b.low if b else None for b in quiet],
        [b.high if b else None for b in quiet],
        [b.quantity if b else zero for b in quiet],
        [b.offset if b else zero for b in quiet],
        [b.cost if b else zero for b in quiet],
        [services_quiet_marks.quiet_until(m.item.pk, now) for m in chunk],
        [str(status) for status in EVALUATED_GROUP_STATUSES],
    ]
    with connection.cursor() as cursor:
        if marked is None:
            cursor.execute(f"{sql} RETURNING g.id", params)
        else:
            users = None if watching is None else list(watching)
            cursor.execute(returning_watched(sql, every_id=True), [*params, users, users])
        fetched = cursor.fetchall()
    if marked is not None:
        marked.extend(rows_returned(fetched, now))
    return {row[0] for row in fetched}
