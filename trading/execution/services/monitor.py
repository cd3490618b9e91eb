"""The fill monitor: every 10 s, which of our resting orders may have traded, and what did.

The dispatcher (`fills_dispatch`, the `monitor_fills` task) prices every watched symbol once per
source (execution/prices.py) and keeps the range of prices seen since its last tick. Only orders
that range crossed (a buy limit at or above its low, a sell limit at or below its high) and market
orders are checked; an order the price never reached costs no request, however new it is. (A new
order is not checked for its own sake: a trades request weighs 20 on Binance, and at 20 signals/s
one per new grid and symbol spent the whole fleet's request budget. What filled at placement is in
the placement's answer.) Those, plus accounts with fills not yet stored as trades, go out in batches of
(user, exchange account) units (`monitor_fill_batch`), each unit isolated by `user_task_run`.

A unit asks the exchange once per symbol for the account's trades since its oldest order in
question: they say how much each order filled (all of it: filled; some: partially filled) at
what average and fee, and they are the `Fill` rows. `fills.order_apply` records the
change, idempotently. A crossing that happened between two ticks and left no trace in either
(the price dipped and came back within 10 s) is caught by reconciliation, every 5 minutes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from brokers.adapters.base import Order, OrderStatus, OrderType, Side, Trade
from brokers.adapters.cache import cached_adapter_for
from brokers.errors import OrderNotFound
from brokers.models import ExchangeConfig
from config.tasks import task_named
from trading.execution.prices import Source, crossed, prices_fetch, prices_observe, source_of
from trading.execution.services.fills import fills_store, order_apply, status_for
from trading.positions.models import RESTING_STATUSES, DCAOrder, PositionGroup
from trading.runtime import task_names as names
from trading.runtime.fanout import fan_out
from trading.runtime.services import service_touch, user_task_run

logger = logging.getLogger("tradefleet.trading.monitor")
ZERO = Decimal(0)
RECENT_FILLS = timedelta(hours=6)  # how far back the monitor fetches trades of unfilled records
TRADES_LIMIT = 1000  # Binance's most per request; a full page may be cut short: look orders up
TRADES_MARGIN = timedelta(seconds=5)  # clock difference between us and the exchange
LAST_TICK_KEY = "tick:v1:fills:last_at"
BACKFILL_KEY = "tick:v1:fills:backfill"  # present while the last 6-hour look-back is recent
WATCHED_KEY = "tick:v1:fills:watched"  # what rests where, as last read in full (`_watched`)
FIRST_TICK_LOOKBACK = timedelta(seconds=60)  # "changed since the last tick" when none is known
CLOCK_MARGIN = timedelta(seconds=2)

Unit = list[Any]  # [account_id, user_id, [order ids to check], has fills to record]


def _unrecorded_fills() -> Q:
    return Q(filled_quantity__gt=F("recorded"))


def _with_recorded(queryset: Any) -> Any:
    return queryset.annotate(
        recorded=Coalesce(
            Sum("fills__quantity"), Value(ZERO), output_field=DecimalField(max_digits=36, decimal_places=18)
        )
    )


def _unrecorded(queryset: Any) -> Any:
    recent = timezone.now() - RECENT_FILLS
    return (
        _with_recorded(queryset.filter(filled_quantity__gt=0, updated_at__gte=recent))
        .filter(_unrecorded_fills())
        .exclude(exchange_order_id="")
    )


def _resting() -> Any:
    return DCAOrder.objects.filter(status__in=RESTING_STATUSES, group__account__is_enabled=True)


def _accounts_with_unrecorded_fills(since: datetime) -> set[tuple[str, str]]:
    """Accounts with orders whose fills are not all stored as trades: of the orders changed since
    the last tick at every tick (a fill found by an order look-up or at placement), of the last
    6 hours every `TRADING_FILL_BACKFILL_SECONDS` (a trades request that failed). Reading the
    6 hours every tick would cost the tick every order filled in them."""
    backfill = cache.add(BACKFILL_KEY, 1, timeout=settings.TRADING_FILL_BACKFILL_SECONDS)
    orders = DCAOrder.objects.all() if backfill else DCAOrder.objects.filter(updated_at__gte=since)
    rows = _unrecorded(orders).values_list("group__account_id", "user_id").order_by()
    return {(str(a), str(u)) for a, u in rows.distinct()}


_WATCHED_FIELDS = ("group__exchange", "group__account__price_source", "group__account__mode", "symbol")


def _watched(now: datetime) -> set[tuple[str, str, str, str]]:
    """(exchange, price source, mode, symbol) of every resting order: what the tick prices.

    Reading it is a pass over every resting order with its group and account (~0.6 s of
    PostgreSQL's CPU at 270,000 orders, docs/benchmarks.md), and it barely changes from one tick
    to the next. So it is read in full every `TRADING_FILL_WATCHED_SECONDS` and cached; in between,
    the cached set plus the resting orders changed since it was read (through the `updated_at`
    index: a new order is priced from its first tick). Orders that stopped resting are priced
    until the next full read, which costs nothing but a symbol in the tick's one ticker request."""
    cached = cache.get(WATCHED_KEY)
    if cached is not None:
        read_at = datetime.fromisoformat(cached["at"])
        if now - read_at < timedelta(seconds=settings.TRADING_FILL_WATCHED_SECONDS):
            recent = _resting().filter(updated_at__gte=read_at - CLOCK_MARGIN)
            found = recent.values_list(*_WATCHED_FIELDS).order_by().distinct()
            return {tuple(row) for row in cached["rows"]} | set(found)
    rows = set(_resting().values_list(*_WATCHED_FIELDS).order_by().distinct())
    cache.set(WATCHED_KEY, {"at": now.isoformat(), "rows": sorted(rows)}, timeout=3600)
    return rows


# --- the dispatcher ---------------------------------------------------------------------------


def fills_dispatch() -> int:
    """One fill tick: price what rests, pick the orders to check, fan out. Returns how many
    accounts it sent to be checked (orders to look at, or fills to record)."""
    now = timezone.now()
    wanted: dict[Source, set[str]] = defaultdict(set)
    for exchange, price_source, mode, symbol in _watched(now):
        wanted[source_of(exchange, price_source, mode)].add(symbol)
    ranges = prices_observe(prices_fetch(wanted), restart=True)
    last = cache.get(LAST_TICK_KEY)
    since = (datetime.fromisoformat(last) if last else now - FIRST_TICK_LOOKBACK) - CLOCK_MARGIN
    cache.set(LAST_TICK_KEY, now.isoformat(), timeout=3600)

    units: dict[tuple[str, str], list[str]] = {}
    for order_id, account_id, user_id in _orders_to_check(ranges):
        units.setdefault((account_id, user_id), []).append(order_id)
    pending = _accounts_with_unrecorded_fills(since)
    for key in pending:
        units.setdefault(key, [])
    fan_out(
        task_named(names.MONITOR_FILL_BATCH),
        [[a, u, ids, (a, u) in pending] for (a, u), ids in sorted(units.items())],
        kwarg="units",
        batch_size=settings.TRADING_FILL_BATCH,
        expires=60,  # late beats never: the range that picked these orders is spent
    )
    return len(units)


def _orders_to_check(
    ranges: dict[Source, dict[str, tuple[Decimal, Decimal]]],
) -> Iterable[tuple[str, str, str]]:
    """(order id, account id, user id) of resting orders the tick's price range crossed, and
    market orders. The query asks per symbol with the widest range over its sources; the exact
    source is checked on the few rows it returns."""
    widest: dict[str, tuple[Decimal, Decimal]] = {}
    for rows in ranges.values():
        for symbol, (low, high) in rows.items():
            old = widest.get(symbol)
            widest[symbol] = (low, high) if old is None else (min(old[0], low), max(old[1], high))
    rows = _crossed_rows_postgresql(widest) if connection.vendor == "postgresql" else _crossed_rows(widest)
    for pk, account_id, user_id, symbol, side, price, kind, exchange, price_source, mode in rows:
        seen = ranges.get(source_of(exchange, price_source, mode), {}).get(symbol)
        if kind == "market" or crossed(side, price, seen):
            yield str(pk), str(account_id), str(user_id)


_CROSSED_FIELDS = (
    "pk",
    "group__account_id",
    "user_id",
    "symbol",
    "side",
    "price",
    "order_type",
    "group__exchange",
    "group__account__price_source",
    "group__account__mode",
)


def _crossed_rows(widest: dict[str, tuple[Decimal, Decimal]]) -> Iterable[tuple[Any, ...]]:
    wanted = Q(order_type="market")
    for symbol, (low, high) in widest.items():
        wanted |= Q(symbol=symbol, side="buy", price__gte=low) | Q(
            symbol=symbol, side="sell", price__lte=high
        )
    return _resting().filter(wanted).order_by().values_list(*_CROSSED_FIELDS)


def _crossed_rows_postgresql(widest: dict[str, tuple[Decimal, Decimal]]) -> Iterable[tuple[Any, ...]]:
    """The same rows in two statements: the crossed orders, each symbol's part through its
    partial index on the resting orders (symbol, side, price; market orders), then their groups
    and accounts by primary key. The cost is the orders found, not the orders resting.

    Each lateral part is fenced with `OFFSET 0`: without it PostgreSQL flattens the lateral
    subquery into a hash join over every resting order, and it cannot estimate how few rows a
    price range per symbol keeps, so it also joined the groups and accounts by scanning all of
    them (0.2-0.4 s of PostgreSQL's CPU per tick at 270,000 resting orders, against ~2 ms,
    docs/benchmarks.md)."""
    order = connection.ops.quote_name(DCAOrder._meta.db_table)
    # Literal statuses (constants of ours), so the planner sees each partial index applies.
    resting = "o.status IN ({})".format(", ".join(f"'{s}'" for s in RESTING_STATUSES))
    ranges = "unnest(%s::text[], %s::numeric[], %s::numeric[]) AS v(symbol, low, high)"
    columns = "o.id, o.group_id, o.user_id, o.symbol, o.side, o.price, o.order_type"
    sql = (
        f"SELECT c.* FROM {ranges} CROSS JOIN LATERAL (SELECT {columns} FROM {order} o "  # noqa: S608  no user input
        f"WHERE {resting} AND o.symbol = v.symbol AND o.side = 'buy' AND o.price >= v.low OFFSET 0) AS c "
        f"UNION ALL SELECT c.* FROM {ranges} CROSS JOIN LATERAL (SELECT {columns} FROM {order} o "
        f"WHERE {resting} AND o.symbol = v.symbol AND o.side = 'sell' AND o.price <= v.high OFFSET 0) AS c "
        f"UNION SELECT {columns} FROM {order} o WHERE {resting} AND o.order_type = 'market'"
    )
    symbols = list(widest)
    lows, highs = [widest[s][0] for s in symbols], [widest[s][1] for s in symbols]
    with connection.cursor() as cursor:
        cursor.execute(sql, [symbols, lows, highs, symbols, lows, highs])
        found = cursor.fetchall()
    if not found:
        return []
    groups = {
        pk: rest
        for pk, *rest in PositionGroup.objects.filter(
            pk__in={row[1] for row in found}, account__is_enabled=True
        )
        .order_by()
        .values_list("pk", "account_id", "exchange", "account__price_source", "account__mode")
    }
    rows = []
    for pk, group_id, user_id, symbol, side, price, kind in found:
        group = groups.get(group_id)
        if group is not None:  # its account is disabled
            account_id, exchange, price_source, mode = group
            rows.append((pk, account_id, user_id, symbol, side, price, kind, exchange, price_source, mode))
    return rows


# --- a batch of units ------------------------------------------------------------------------

FILL_RETRIES = 2  # a unit whose exchange is unreachable is tried again this often, 2 s apart
TASK_NAME = "monitor_fills"


def fill_batch_run(*, units: Iterable[Unit], attempt: int = 0) -> dict[str, int]:
    """Each (account, user) unit of a fill batch in isolation (`user_task_run`), with the batch's
    accounts and orders read up front (three queries, not three per unit). A unit whose exchange
    is unreachable is sent again in a batch of its own; after FILL_RETRIES it counts as failed,
    and reconciliation catches up later."""
    from brokers.errors import TRANSIENT_ERRORS

    units = [list(unit) for unit in units]
    accounts = {
        str(a.pk): a for a in ExchangeConfig.objects.filter(pk__in=[u[0] for u in units], is_enabled=True)
    }
    watched: dict[str, list[DCAOrder]] = defaultdict(list)
    for order in (
        DCAOrder.objects.filter(pk__in=[pk for u in units for pk in u[2]], status__in=RESTING_STATUSES)
        .select_related("group")
        .order_by("created_at")
    ):
        watched[str(order.group.account_id)].append(order)
    pending: dict[str, list[DCAOrder]] = defaultdict(list)
    flagged = [u[0] for u in units if len(u) < 4 or u[3]]
    if flagged:
        for order in _unrecorded(DCAOrder.objects.filter(group__account_id__in=flagged)).select_related(
            "group"
        ):
            pending[str(order.group.account_id)].append(order)
    outcomes: dict[str, int] = defaultdict(int)
    retry: list[Unit] = []
    succeeded: list[str] = []
    try:
        for unit in units:
            account_id, user_id = unit[0], unit[1]

            def check(unit: Unit = unit, account_id: str = account_id) -> Any:
                account = accounts.get(account_id)
                if account is None:
                    return {"skipped": 1}  # disabled (or deleted) since the tick read it
                try:
                    return account_orders_check(
                        account=account,
                        watched=watched.get(account_id, []),
                        pending=pending.get(account_id, []),
                    )
                except TRANSIENT_ERRORS as exc:
                    if attempt >= FILL_RETRIES:
                        raise
                    logger.warning("fills of account %s: %s, again in 2 s", account_id, exc.message)
                    retry.append(unit)
                    return {"retry": 1}

            outcome = str(
                user_task_run(user_id=user_id, task_name=TASK_NAME, fn=check, record=False, touch=False)
            )
            outcomes[outcome] += 1
            if outcome == "success":
                succeeded.append(str(user_id))
    finally:
        service_touch(succeeded)  # one UPDATE for the batch's successes, not one per unit
    if retry:
        task_named(names.MONITOR_FILL_BATCH).apply_async(
            kwargs={"units": retry, "attempt": attempt + 1}, countdown=2, expires=60
        )
    return dict(outcomes)


# --- one (user, account) unit -----------------------------------------------------------------


def account_orders_check(
    *, account: ExchangeConfig, watched: list[DCAOrder], pending: list[DCAOrder]
) -> dict[str, int]:
    """Check these resting orders of one account on the exchange and store the trades of its
    unrecorded fills (`pending`): one trades request per symbol involved, a lookup for market
    orders (and for every order when a page of trades may be incomplete)."""
    adapter = cached_adapter_for(account)
    counts = {"checked": len(watched), "changed": 0, "trades": 0}
    for symbol in sorted({o.symbol for o in watched} | {o.symbol for o in pending}):
        mine = [o for o in watched if o.symbol == symbol]
        for order in [o for o in mine if o.order_type == "market"]:
            counts["changed"] += _apply_if_changed(order, _lookup(adapter, order))
        limits = [o for o in mine if o.order_type != "market"]
        involved = {o.pk: o for o in [*limits, *(o for o in pending if o.symbol == symbol)]}
        if not involved:
            continue
        since = min(o.submitted_at or o.created_at for o in involved.values()) - TRADES_MARGIN
        trades = adapter.fetch_my_trades(symbol, since=since, limit=TRADES_LIMIT)
        complete = len(trades) < TRADES_LIMIT
        by_order: dict[str, list[Trade]] = defaultdict(list)
        for trade in trades:
            by_order[trade.order_id].append(trade)
        orders = {o.exchange_order_id: o for o in involved.values() if o.exchange_order_id}
        counts["trades"] += sum(len(by_order.get(key, [])) for key in orders)
        for order in limits:
            own = by_order.get(order.exchange_order_id, [])
            seen = _from_trades(order, own) if complete else None
            if seen is None and not complete:
                seen = _lookup(adapter, order)
            if _apply_if_changed(order, seen, trades=own):
                counts["changed"] += 1
                orders.pop(order.exchange_order_id, None)  # its trades were stored with the change
        fills_store(orders, trades)
    return counts


def _from_trades(order: DCAOrder, trades: list[Trade]) -> Order | None:
    """The exchange's view of a limit order from all its trades (None: no new trade). All of the
    quantity traded: filled; some: still resting, partially filled."""
    filled = sum((t.amount for t in trades), ZERO)
    if not trades or filled <= order.filled_quantity:
        return None
    fee_asset = trades[0].fee_asset
    return Order(
        id=order.exchange_order_id,
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=Side(order.side),
        type=OrderType.LIMIT,
        status=OrderStatus.CLOSED if filled >= order.quantity else OrderStatus.OPEN,
        amount=order.quantity,
        filled=filled,
        price=order.price,
        average=sum((t.price * t.amount for t in trades), ZERO) / filled,
        fee=sum((t.fee for t in trades if t.fee_asset == fee_asset), ZERO),
        fee_asset=fee_asset,
    )


def _lookup(adapter: Any, order: DCAOrder) -> Order:
    try:
        return adapter.fetch_order(symbol=order.symbol, order_id=order.exchange_order_id)
    except OrderNotFound:
        return adapter.fetch_order_by_client_id(symbol=order.symbol, client_order_id=order.client_order_id)


def _apply_if_changed(order: DCAOrder, seen: Order | None, trades: list[Trade] | None = None) -> int:
    """1 when the exchange's view changed the order (and it was applied, with its `trades`)."""
    if seen is None:
        return 0
    if seen.filled == order.filled_quantity and status_for(order, seen, seen.filled) == order.status:
        return 0
    order_apply(order_id=order.pk, exchange_order=seen, group_id=order.group_id, trades=trades or ())
    return 1


# --- a whole account at once: reconciliation, and a manual `monitor_account` -----------------


def account_sync(*, account_id: str) -> int:
    """One account in full: one request for its open orders, one per order that left the book,
    one trades request per symbol with new fills. Returns how many orders changed."""
    account = ExchangeConfig.objects.filter(pk=account_id, is_enabled=True).first()
    if account is None:
        return 0
    ours = list(
        DCAOrder.objects.filter(group__account=account, status__in=RESTING_STATUSES).select_related("group")
    )
    adapter = cached_adapter_for(account)
    changed = 0
    if ours:
        on_book = {o.client_order_id: o for o in adapter.fetch_open_orders()}
        for order in ours:
            seen = on_book.get(order.client_order_id) or _lookup(adapter, order)
            changed += _apply_if_changed(order, seen)
    record_trades(account=account, adapter=adapter)
    return changed


def record_trades(*, account: ExchangeConfig, adapter: Any) -> int:
    """Store one Fill per exchange trade of our orders whose fills are not all recorded."""
    pending = list(_unrecorded(DCAOrder.objects.filter(group__account=account)).select_related("group"))
    by_symbol: dict[str, list[DCAOrder]] = {}
    for order in pending:
        by_symbol.setdefault(order.symbol, []).append(order)
    created = 0
    for symbol, orders in by_symbol.items():
        since = min(o.submitted_at or o.created_at for o in orders) - TRADES_MARGIN
        by_exchange_id = {o.exchange_order_id: o for o in orders}
        trades = adapter.fetch_my_trades(symbol, since=since)
        created += fills_store(by_exchange_id, trades)
    return created
