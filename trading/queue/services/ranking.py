"""The ranking of a user's queue: fresh prices from the shared ticker cache, `priority.rank` with
the user's `queue_rules`, and the rank, priority rule, current price and loss % stored on each
entry; the summary the API and the live `queue.updated` event show."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from brokers.adapters.cache import cached_adapter_for
from brokers.errors import BrokerError
from trading.dca.grid import Leg
from trading.positions.models import GroupStatus, PositionGroup
from trading.positions.selectors import open_groups
from trading.queue.events import queue_event
from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.priority import QueuedSignal, RuleConfig, rank
from trading.queue.services.breaker import queue_breaker
from trading.runtime.models import ServiceStatus
from trading.signals.models import Signal
from trading.signals.routing import Routes

logger = logging.getLogger("tradefleet.trading.queue")
ZERO = Decimal(0)
PERCENT_QUANTUM = Decimal("0.000001")
Key = tuple[Any, str, str, str]  # account id, symbol, timeframe, side


def entry_key(row: QueueEntry | PositionGroup | Signal) -> Key:
    return (row.account_id, row.symbol, row.timeframe, row.side)


def rule_config(routes: Routes) -> RuleConfig:
    """The user's `queue_rules` as the ranking takes them. Raises ValueError for rules the
    configuration's validation would never have let in (a corrupted row)."""
    return RuleConfig(routes.queue_rules) if routes.queue_rules else RuleConfig()


def expected_profit(legs: Iterable[Leg], side: str) -> Decimal:
    """What the grid earns if every leg fills and reaches its take-profit, in quote."""
    sign = 1 if side == "long" else -1
    return sum((leg.quantity * (leg.tp_price - leg.price) * sign for leg in legs), ZERO)


def user_queue_prices(user_id: Any) -> dict[tuple[Any, str], Decimal]:
    """Prices for everything the user has queued (read before taking their queue lock)."""
    return queue_prices(
        list(QueueEntry.objects.filter(user_id=user_id, status=QueueStatus.QUEUED).select_related("account"))
    )


def queue_prices(entries: Sequence[QueueEntry]) -> dict[tuple[Any, str], Decimal]:
    """Last prices for the entries' symbols, one shared-cache ticker read per account; a source
    that does not answer is left out (its entries keep the price they had)."""
    symbols: dict[Any, set[str]] = defaultdict(set)
    accounts: dict[Any, Any] = {}
    for entry in entries:
        symbols[entry.account_id].add(entry.symbol)
        accounts[entry.account_id] = entry.account
    prices: dict[tuple[Any, str], Decimal] = {}
    for account_id, wanted in symbols.items():
        try:
            tickers = cached_adapter_for(accounts[account_id]).fetch_tickers(sorted(wanted))
        except BrokerError as exc:
            logger.warning("queue: no prices for account %s: %s", account_id, exc.message)
            continue
        for symbol, ticker in tickers.items():
            prices[(account_id, symbol)] = ticker.last
    return prices


def as_queued(entry: QueueEntry) -> QueuedSignal:
    return QueuedSignal(
        id=str(entry.pk),
        key=(str(entry.user_id), *(str(part) for part in entry_key(entry))),
        side="short" if entry.side == "short" else "long",
        entry_price=entry.entry_price,
        current_price=entry.current_price,
        replacement_count=entry.replacement_count,
        expected_profit=entry.expected_profit,
        queued_at=entry.queued_at,
        is_pyramid_continuation=entry.is_pyramid_continuation,
    )


RANK_FIELDS = ("rank", "priority_rule", "current_price", "loss_percent", "is_pyramid_continuation", "group")


def _rank_state(entry: QueueEntry) -> tuple[Any, ...]:
    return (
        entry.rank,
        entry.priority_rule,
        entry.current_price,
        entry.loss_percent,
        entry.is_pyramid_continuation,
        entry.group_id,
    )


@dataclass
class Ranking:
    entries: list[QueueEntry]  # rank order
    changed: int  # entries whose stored ranking moved


def queue_rank(
    *, user_id: Any, routes: Routes, prices: dict[tuple[Any, str], Decimal] | None = None
) -> Ranking:
    """Rank the user's queued entries (call under `queue_lock`) and store what changed. A
    continuation is an entry whose key has a live group that is not closing. `prices`: fetched
    by the caller before taking the lock; else read here from the shared ticker cache."""
    entries = list(
        QueueEntry.objects.filter(user_id=user_id, status=QueueStatus.QUEUED).select_related("account")
    )
    if not entries:
        return Ranking([], 0)
    rules = rule_config(routes)
    live = {
        entry_key(g): g.pk
        for g in open_groups(user_id)
        .exclude(status=GroupStatus.CLOSING)
        .only("pk", "account_id", "symbol", "timeframe", "side")
    }
    if prices is None:
        prices = queue_prices(entries)
    before = {e.pk: _rank_state(e) for e in entries}
    for entry in entries:
        entry.group_id = live.get(entry_key(entry))
        entry.is_pyramid_continuation = entry.group_id is not None
        entry.current_price = prices.get((entry.account_id, entry.symbol), entry.current_price)
    by_id = {str(e.pk): e for e in entries}
    ordered: list[QueueEntry] = []
    for ranked in rank((as_queued(e) for e in entries), rules):
        entry = by_id[ranked.entry.id]
        entry.rank, entry.priority_rule = ranked.rank, ranked.priority_rule
        loss = ranked.loss_percent
        entry.loss_percent = None if loss is None else loss.quantize(PERCENT_QUANTUM)
        ordered.append(entry)
    now = timezone.now()
    changed = [e for e in ordered if _rank_state(e) != before[e.pk]]
    for entry in changed:
        entry.updated_at = now
    if changed:
        QueueEntry.objects.bulk_update(changed, [*RANK_FIELDS, "updated_at"])
    return Ranking(ordered, len(changed))


def queue_summary(*, user_id: Any, routes: Routes, status: ServiceStatus | None) -> dict[str, Any]:
    breaker = queue_breaker(user_id=user_id, routes=routes, status=status)
    return {
        "open_groups": open_groups(user_id).count(),
        "max_open_groups": routes.max_open_groups,
        "queued": QueueEntry.objects.filter(user_id=user_id, status=QueueStatus.QUEUED).count(),
        "circuit_breaker": {
            "tripped": breaker.tripped,
            "realized_today": breaker.realized_today,
            "limit": breaker.limit,
            "since": breaker.since,
        },
    }


def queue_publish(
    *, user_id: Any, routes: Routes, status: ServiceStatus | None, entries: list[QueueEntry]
) -> None:
    """The `queue.updated` event: the whole ranked queue and the summary, after commit."""
    queue_event(user_id, entries, queue_summary(user_id=user_id, routes=routes, status=status))


def queue_refresh(
    *,
    user_id: Any,
    routes: Routes,
    status: ServiceStatus | None,
    prices: dict[tuple[Any, str], Decimal] | None = None,
) -> list[QueueEntry]:
    """Re-rank after a change and tell the owner."""
    entries = queue_rank(user_id=user_id, routes=routes, prices=prices).entries
    queue_publish(user_id=user_id, routes=routes, status=status, entries=entries)
    return entries
