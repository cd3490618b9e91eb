"""The take-profit pass in batches: every open group marked at one shared price per tick, and only
the groups where something fires evaluated in full.

The dispatcher (`take_profit_dispatch`, the `check_take_profits` task) reads which symbols and
which (account, user) units hold groups to evaluate (two grouped queries), prices every symbol
once per source (services_tick.py), stores the tick's prices in the cache and fans the units out
in batches (`take_profit_batch`). A batch loads its groups, their orders and pyramids in three
queries and asks the pure `tp_triggers.evaluate` per group. A group where nothing fires only
gets its mark (last price, unrealized PnL and percent, last evaluation), written for the whole
batch in one UPDATE without a lock; a row that changed after the batch read it (a fill landed)
is not overwritten but evaluated the locked way. The groups where something fires go through
`services_exits.group_evaluate`, exactly as before. Each unit runs in `user_task_run`, so one
user's failure never stops the batch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from brokers.markets import market_from_json

from . import services_quiet_marks
from . import tp_triggers as triggers
from .models_positions import (
    EVALUATED_GROUP_STATUSES,
    LIVE_ORDER_STATUSES,
    RESTING_STATUSES,
    DCAOrder,
    OrderRole,
    Pyramid,
)
from .models_positions import PositionGroup as Group
from .services_tick import Source, prices_fetch, prices_observe, snapshot_read, snapshot_store, source_of
from .tp_quiet import Quiet, quiet_band

logger = logging.getLogger("tradefleet.trading.marks")
EVALUATED = EVALUATED_GROUP_STATUSES
MARKS_PER_UPDATE = 1000
TASK_NAME = "take_profit"


def take_profit_dispatch() -> int:
    """One take-profit tick. Returns how many groups it sent for evaluation (those priced)."""
    from .fanout import fan_out
    from .tasks import TAKE_PROFIT_PRIORITY, take_profit_batch

    evaluated = Group.objects.filter(status__in=EVALUATED).order_by()
    symbols = evaluated.values_list("exchange", "account__price_source", "account__mode", "symbol")
    wanted: dict[Source, dict[str, int]] = defaultdict(dict)
    for exchange, price_source, mode, symbol, n in symbols.annotate(n=Count("pk")):
        wanted[source_of(exchange, price_source, mode)][symbol] = n
    prices = prices_fetch(wanted)
    prices_observe(prices, restart=False)  # the fill monitor's next range includes these prices
    tick = snapshot_store(prices)
    groups = sum(
        n for source, rows in wanted.items() for symbol, n in rows.items() if symbol in prices.get(source, {})
    )
    marked_at = timezone.now()
    quiet = services_quiet_marks.quiet_marks_write(prices, marked_at, wanted)
    accounts = evaluated.exclude(last_evaluated_at=marked_at).values_list(
        "account_id", "user_id", "exchange", "account__price_source", "account__mode"
    )
    units = sorted(
        {
            (str(a), str(u))
            for a, u, exchange, ps, mode in accounts.distinct()
            if prices.get(source_of(exchange, ps, mode))
        }
    )
    shared = {"tick": tick, "marked_at": marked_at.isoformat()}
    fan_out(
        take_profit_batch,
        [list(u) for u in units],
        kwarg="units",
        shared=shared,
        expires=14,
        priority=TAKE_PROFIT_PRIORITY,
    )
    logger.debug("take-profit tick: %d groups, %d marked in their quiet band", groups, quiet)
    return groups


@dataclass
class _Loaded:
    pk: Any
    user_id: Any
    scope: str
    symbol: str
    updated_at: datetime
    state: triggers.GroupState | None  # None: its rows could not be read as expected


def take_profit_batch_run(
    *, units: Sequence[Sequence[str]], tick: str, marked_at: str | None = None
) -> dict[str, int]:
    """Evaluate the groups of these (account, user) units at the tick's prices.

    First every unit is decided (pure: no query, so `user_task_run` needs no savepoint and
    writes nothing for a success) and the marks are written in one UPDATE. Then the units where
    something fired evaluate those groups in full, each in its own transactions, so no group
    lock waits for the rest of the batch. Last, one UPDATE stamps `last_task_execution` of every
    user whose units all succeeded (a failure is recorded, and stamped, by `user_task_run`).
    Groups the dispatcher marked in their quiet band at `marked_at` are left out; each mark
    written here stores the group's new band."""
    from .services_service import service_touch

    prices = snapshot_read(tick)
    loaded_at = timezone.now()
    skip = datetime.fromisoformat(marked_at) if marked_at else None
    loaded = _load([u[0] for u in units], skip_marked_at=skip)
    bands = connection.vendor == "postgresql"  # only PostgreSQL marks by band (services_quiet_marks)
    if prices is None:  # the cache lost the tick: ask again (the shared ticker cache may serve it)
        wanted: dict[Source, set[str]] = defaultdict(set)
        for items in loaded.values():
            for item in items:
                wanted[Source(*_split(item.scope))].add(item.symbol)
        prices = {s.scope: rows for s, rows in prices_fetch(wanted).items()}
    counts = {"marked": 0, "evaluated": 0, "failed": 0}
    marks: list[Mark] = []
    fired: list[tuple[str, list[tuple[_Loaded, Decimal]]]] = []
    succeeded: set[str] = set()
    failed: set[str] = set()
    try:
        for account_id, user_id in units:
            found: list[Mark] = []
            due: list[tuple[_Loaded, Decimal]] = []
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
            written, raced = marks_write(marks, loaded_at=loaded_at)
        counts["marked"] = written
        for mark in raced:  # a fill or a close landed meanwhile: the locked path decides
            fired.append((str(mark.item.user_id), [(mark.item, mark.price)]))
        for user_id, due in fired:
            if _run_unit(user_id, partial(_evaluate, due)) != "success":
                counts["failed"] += 1
                failed.add(str(user_id))
            counts["evaluated"] += len(due)
    finally:
        service_touch(succeeded - failed)
    return counts


def _run_unit(user_id: str, fn: Any) -> str:
    from .services_service import user_task_run

    return str(user_task_run(user_id=user_id, task_name=TASK_NAME, fn=fn, record=False, touch=False))


def _split(scope: str) -> tuple[str, bool]:
    name, testnet = scope.removesuffix("-testnet"), scope.endswith("-testnet")
    return name, testnet


def _decide(
    items: list[_Loaded],
    prices: dict[str, dict[str, Decimal]],
    marks: list[Mark],
    due: list[tuple[_Loaded, Decimal]],
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


def _evaluate(due: list[tuple[_Loaded, Decimal]]) -> None:
    from .services_exits import group_evaluate

    for item, price in due:
        group_evaluate(group_id=item.pk, price=price)


@dataclass(frozen=True)
class Mark:
    item: _Loaded
    price: Decimal
    verdict: triggers.Verdict
    quiet: Quiet | None = None  # the band to store with the mark (PostgreSQL only)


def marks_write(marks: Sequence[Mark], *, loaded_at: datetime | None = None) -> tuple[int, list[Mark]]:
    """Store the marks, up to a thousand rows per UPDATE. A row whose `updated_at` moved since it was
    read (a fill, a close) is left alone. Returns how many rows were written, and the marks of
    the rows left alone. With each mark its quiet band is stored, valid while nothing of the
    group changes after `loaded_at` (when its rows were read) less the clock margin."""
    from django.db.models import Case, DecimalField, Value, When

    written, raced = 0, []
    now = timezone.now()
    if connection.vendor == "postgresql":
        since = (loaded_at or now) - timedelta(seconds=settings.TRADING_QUIET_MARGIN_SECONDS)
        for start in range(0, len(marks), MARKS_PER_UPDATE):
            chunk = marks[start : start + MARKS_PER_UPDATE]
            done = _write_postgresql(chunk, now, since)
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
            Group.objects.filter(guard, status__in=EVALUATED)
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
        if done < len(chunk):
            ours = {m.item.pk: m for m in chunk}
            moved = (
                Group.objects.filter(pk__in=list(ours)).exclude(updated_at=now).values_list("pk", flat=True)
            )
            raced.extend(ours[pk] for pk in moved)
    return written, raced


def _write_postgresql(chunk: Sequence[Mark], now: datetime, since: datetime) -> set[Any]:
    """One UPDATE ... FROM unnest(arrays) for the chunk; returns the ids it wrote. (The ORM's
    CASE per column costs more to build than the database takes to run it.) A mark without a
    band stores none (`quiet_seen` NULL never equals `updated_at`)."""
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
        "WHERE g.id = v.id AND g.updated_at = v.seen AND g.status = ANY(%s) RETURNING g.id"
    )
    bands = [m.quiet for m in chunk]
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
        [b.low if b else None for b in bands],
        [b.high if b else None for b in bands],
        [b.quantity if b else zero for b in bands],
        [b.offset if b else zero for b in bands],
        [b.cost if b else zero for b in bands],
        [services_quiet_marks.quiet_until(m.item.pk, now) for m in chunk],
        [str(status) for status in EVALUATED],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


# --- loading a batch in bulk ------------------------------------------------------------------

_GROUP_FIELDS = (
    "pk",
    "account_id",
    "user_id",
    "exchange",
    "account__price_source",
    "account__mode",
    "symbol",
    "side",
    "status",
    "tp_mode",
    "tp_aggregate_percent",
    "trailing_deviation_percent",
    "stop_loss_percent",
    "cancel_dca_beyond_percent",
    "tp_target_price",
    "trailing_active",
    "trailing_peak",
    "last_leg_exit_at",
    "last_evaluated_at",
    "market_snapshot",
    "updated_at",
)
_ORDER_FIELDS = (
    "group_id",
    "pk",
    "pyramid_id",
    "leg_id",
    "role",
    "status",
    "level",
    "price",
    "filled_quantity",
    "avg_fill_price",
    "fees",
    "base_fees",
    "closed_quantity",
    "tp_price",
    "tp_status",
    "tp_peak",
    "cancel_requested",
)


def _load(account_ids: Sequence[str], *, skip_marked_at: datetime | None = None) -> dict[str, list[_Loaded]]:
    """The evaluated groups of these accounts with what decides them: their legs (filled or
    live), live exits and, where a rule needs them, their pyramids. Three queries. Groups marked
    at `skip_marked_at` (in their quiet band, by the dispatcher) are left out."""
    queryset = Group.objects.filter(account_id__in=account_ids, status__in=EVALUATED)
    if skip_marked_at is not None:
        queryset = queryset.exclude(last_evaluated_at=skip_marked_at)
    groups = list(queryset.order_by().values_list(*_GROUP_FIELDS))
    ids = [g[0] for g in groups]
    orders: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        DCAOrder.objects.filter(group_id__in=ids)
        .filter(Q(role=OrderRole.LEG, filled_quantity__gt=0) | Q(status__in=LIVE_ORDER_STATUSES))
        .order_by()  # the default ordering would join every group
        .values_list(*_ORDER_FIELDS)
    ):
        orders[row[0]].append(row)
    need_pyramids = [g[0] for g in groups if g[13] or g[9] == "pyramid_aggregate"]
    pyramids: dict[Any, list[triggers.PyramidState]] = defaultdict(list)
    if need_pyramids:
        for group_id, pk, entry, target, active, peak, closed_at in (
            Pyramid.objects.filter(group_id__in=need_pyramids)
            .order_by()
            .values_list(
                "group_id",
                "pk",
                "entry_price",
                "tp_target_price",
                "trailing_active",
                "trailing_peak",
                "closed_at",
            )
        ):
            pyramids[group_id].append(
                triggers.PyramidState(pk, entry, closed_at is not None, target, active, peak)
            )
    out: dict[str, list[_Loaded]] = defaultdict(list)
    rules_memo: dict[Any, triggers.Rules] = {}
    for row in groups:
        pk, account_id, user_id, exchange, price_source, mode, symbol = row[:7]
        try:
            state: triggers.GroupState | None = _state(
                row, orders.get(pk, []), pyramids.get(pk, []), rules_memo
            )
        except (KeyError, TypeError, ValueError, ArithmeticError):
            # One group's odd rows (a broken market snapshot) must not stop the batch: it goes the
            # full way, inside its user's isolation, where a failure is recorded for that user.
            logger.exception("group %s: cannot decide it in bulk", pk)
            state = None
        source = source_of(exchange, price_source, mode)
        out[str(account_id)].append(_Loaded(pk, user_id, source.scope, symbol, row[20], state))
    return out


def _rules(snapshot: dict[str, Any], memo: dict[Any, triggers.Rules]) -> triggers.Rules:
    """The group's market rules; the groups of one symbol carry the same snapshot, so it is
    parsed once per batch (a snapshot that cannot be parsed raises every time, as before)."""
    try:
        key: Any = tuple(sorted(snapshot.items()))
        hash(key)
    except TypeError:
        key = None
    if key is not None and (rules := memo.get(key)) is not None:
        return rules
    market = market_from_json(snapshot)
    rules = triggers.Rules(market.tick_size, market.step_size, market.min_qty, market.min_notional)
    if key is not None:
        memo[key] = rules
    return rules


def _state(
    row: tuple[Any, ...],
    orders: list[tuple[Any, ...]],
    pyramids: list[triggers.PyramidState],
    rules_memo: dict[Any, triggers.Rules],
) -> triggers.GroupState:
    rules = _rules(row[19] or {}, rules_memo)
    live = set(LIVE_ORDER_STATUSES)
    live_exits_of: set[Any] = {o[3] for o in orders if o[4] != OrderRole.LEG and o[5] in live and o[3]}
    legs, exits = [], []
    for (
        _,
        pk,
        pyramid,
        _,
        role,
        status,
        level,
        price,
        filled,
        avg,
        fees,
        base_fees,
        closed,
        tp,
        tp_status,
        peak,
        cancel,
    ) in orders:
        if role == OrderRole.LEG:
            is_live = status in live
            legs.append(
                triggers.Leg(
                    pyramid=pyramid,
                    filled=filled,
                    avg_price=avg,
                    fees=fees,
                    base_fees=base_fees,
                    closed=closed,
                    live=is_live,
                    resting=status in RESTING_STATUSES,
                    cancellable=is_live and filled == 0 and level != 0 and not cancel,
                    tp_price=tp,
                    trailing=tp_status == "trailing",
                    tp_peak=peak,
                    has_live_exit=pk in live_exits_of,
                )
            )
        elif status in live:
            exits.append(triggers.Exit(role=role, pyramid=pyramid, price=price))
    return triggers.GroupState(
        side=row[7],
        status=row[8],
        tp_mode=row[9],
        tp_aggregate_percent=row[10],
        trailing_deviation_percent=row[11],
        stop_loss_percent=row[12],
        cancel_dca_beyond_percent=row[13],
        tp_target_price=row[14],
        trailing_active=row[15],
        trailing_peak=row[16],
        last_leg_exit_at=row[17],
        last_evaluated_at=row[18],
        rules=rules,
        legs=tuple(legs),
        exits=tuple(exits),
        pyramids=tuple(pyramids),
    )
