"""The execution pool and its priority queue (trading-semantics.md, "Execution pool and queue").

A new entry that finds the user's pool full (open groups >= `max_open_groups`), or the daily
realized-loss circuit breaker tripped, waits here as a `QueueEntry` instead of being refused; so
does a pyramid when `pyramids_bypass_pool` is off and the pool is full (a pyramid continuation).
One entry per key: a newer signal for a queued key replaces it (entry price, payload, signal and
expected profit updated, `replacement_count` + 1, `queued_at` kept). The older signal is marked
`processed` with the reason "Replaced in the queue by ..." (its intent carries on in the newer
one); signals that leave the queue without trading (removed, cancelled by an exit, failed) are
marked `rejected` with the reason.

Ranking is `priority.rank` with the user's `queue_rules`; every change of a user's queue
re-ranks it with fresh prices from the shared ticker cache and stores rank, priority rule,
current price and loss % on each entry. Promotion (`queue_promote`) opens the best entries through
the signal-processing path itself (`processing.queued_signal_open`), at the current
market price: the queue prefers signals whose price has moved against them since, so the grid is
laid from where the market is now, not from a level it has already left.

Locking: every change of a user's queue or pool admission holds the user's ServiceStatus row
(`queue_lock`), taken before any position group's lock. Promotion is in promote.py, the
circuit breaker in breaker.py, manual actions in actions.py.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from brokers.adapters.cache import cached_adapter_for
from brokers.errors import BrokerError
from config.tasks import task_named
from trading.dca.grid import Leg
from trading.positions.models import GroupStatus, PositionGroup
from trading.positions.selectors import open_groups
from trading.queue.events import queue_event
from trading.queue.models import QueueEntry, QueueStatus
from trading.queue.priority import QueuedSignal, RuleConfig, rank, replace
from trading.queue.services.breaker import breaker_cause, queue_breaker
from trading.runtime import task_names as names
from trading.runtime.models import ServiceStatus
from trading.runtime.services import service_status_for
from trading.signals.events import signal_event
from trading.signals.models import Signal, SignalStatus
from trading.signals.routing import Routes, routes_for

logger = logging.getLogger("tradefleet.trading.queue")
ZERO = Decimal(0)
PERCENT_QUANTUM = Decimal("0.000001")
Key = tuple[Any, str, str, str]  # account id, symbol, timeframe, side


def entry_key(row: QueueEntry | PositionGroup | Signal) -> Key:
    return (row.account_id, row.symbol, row.timeframe, row.side)


def queue_lock(user_id: Any) -> ServiceStatus:
    """Lock the user's service row: the one lock that serialises their pool and queue."""
    status = ServiceStatus.objects.select_for_update().filter(user_id=user_id).first()
    if status is None:
        service_status_for(user_id)
        status = ServiceStatus.objects.select_for_update().get(user_id=user_id)
    return status


def promote_after_commit(user_id: Any) -> None:
    """Run `promote_queues` for the user once the current transaction commits."""
    uid = str(user_id)
    transaction.on_commit(lambda: task_named(names.PROMOTE_QUEUES).delay(user_ids=[uid]))


# --- ranking --------------------------------------------------------------------------------------


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


# --- admission: a new entry that waits ------------------------------------------------------------


@dataclass(frozen=True)
class Wait:
    """Why a signal waits instead of opening, and the queued entry it replaces, if any."""

    cause: str
    existing: QueueEntry | None
    promote_now: bool  # the pool has room and the breaker is off: only the queued key held it


def queue_admission(
    *, signal: Signal, routes: Routes, status: ServiceStatus, open_count: int, group: PositionGroup | None
) -> Wait | None:
    """Under `queue_lock`: None when the entry (or pyramid) opens now, else why it waits. A key
    already queued stays queued (the newer signal replaces the older), so the queue's order holds."""
    existing = (
        QueueEntry.objects.select_for_update()
        .filter(
            user_id=signal.user_id,
            account_id=signal.account_id,
            symbol=signal.symbol,
            timeframe=signal.timeframe,
            side=signal.side,
            status=QueueStatus.QUEUED,
        )
        .first()
    )
    breaker = (
        queue_breaker(user_id=signal.user_id, routes=routes, status=status)
        if routes.max_realized_loss_per_day is not None
        else None
    )
    needs_slot = group is None or not routes.pyramids_bypass_pool
    limit = routes.max_open_groups
    if breaker is not None and breaker.tripped:
        return Wait(breaker_cause(breaker), existing, promote_now=False)
    if needs_slot and open_count >= limit:
        return Wait(
            f"Your execution pool is full ({open_count}/{limit} open position groups)",
            existing,
            promote_now=False,
        )
    if existing is not None:
        return Wait("A signal for this pair is already queued", existing, promote_now=True)
    return None


def queue_entry_add(
    *,
    signal: Signal,
    routes: Routes,
    status: ServiceStatus,
    group: PositionGroup | None,
    legs: Sequence[Leg],
    wait: Wait,
) -> str:
    """Queue the signal (or replace the queued one for its key); returns the signal's reason.
    Call under `queue_lock`, from signal processing."""
    profit = expected_profit(legs, signal.side)
    price = signal.price or ZERO
    entry = wait.existing
    if entry is not None:
        previous_signal_id = entry.signal_id
        updated = replace(as_queued(entry), price, expected_profit=profit)
        entry.entry_price = updated.entry_price
        entry.replacement_count = updated.replacement_count
        entry.expected_profit = updated.expected_profit
        entry.payload, entry.signal = signal.parsed, signal
        entry.group, entry.is_pyramid_continuation = group, group is not None
        entry.save()
        if previous_signal_id is not None:
            _signal_leaves(
                previous_signal_id,
                SignalStatus.PROCESSED,
                f"Replaced in the queue by a newer signal ({signal.pk}) for {signal.symbol} "
                f"{signal.timeframe}.",
            )
    else:
        entry = QueueEntry.objects.create(
            user_id=signal.user_id,
            account_id=signal.account_id,
            signal=signal,
            exchange=signal.exchange or signal.account.exchange,
            symbol=signal.symbol,
            timeframe=signal.timeframe,
            side=signal.side,
            group=group,
            is_pyramid_continuation=group is not None,
            entry_price=price,
            payload=signal.parsed,
            expected_profit=profit,
            current_price=price,
        )
    entries = queue_refresh(user_id=signal.user_id, routes=routes, status=status)
    position = next((e.rank for e in entries if e.pk == entry.pk), None)
    if wait.promote_now:
        promote_after_commit(signal.user_id)
    where = f"rank {position} of {len(entries)}"
    if wait.existing is not None:
        return f"{wait.cause}: replaced the queued signal (replacement {entry.replacement_count}), {where}."
    return f"{wait.cause}: queued at {where}."


# --- leaving the queue ----------------------------------------------------------------------------


def _signal_leaves(signal_id: Any, status: str, reason: str) -> None:
    signal = Signal.objects.select_for_update(of=("self",)).filter(pk=signal_id).first()
    if signal is None or signal.status != SignalStatus.QUEUED:
        return
    signal.status, signal.reason, signal.processed_at = status, reason[:2000], timezone.now()
    signal.save(update_fields=["status", "reason", "processed_at"])
    signal_event(signal)


def entry_close(
    entry: QueueEntry,
    *,
    status: str,
    reason: str,
    signal_status: str = SignalStatus.REJECTED,
    signal_reason: str | None = None,
) -> None:
    """The entry leaves the queue without trading (removed, cancelled, failed); so does its signal."""
    entry.status, entry.reason, entry.done_at = status, reason[:2000], timezone.now()
    entry.save(update_fields=["status", "reason", "done_at", "updated_at"])
    if entry.signal_id is not None:
        _signal_leaves(entry.signal_id, signal_status, signal_reason or reason)


def queue_cancel_for_key(*, signal: Signal, side: str) -> int:
    """An exit (or reverse) signal cancels the queued entries of its key. Returns how many."""
    queued = QueueEntry.objects.filter(
        user_id=signal.user_id,
        account_id=signal.account_id,
        symbol=signal.symbol,
        timeframe=signal.timeframe,
        side=side,
        status=QueueStatus.QUEUED,
    )
    if not queued.exists():
        return 0
    status = queue_lock(signal.user_id)
    entries = list(queued.select_for_update())
    intent = signal.intent_type or "exit"
    for entry in entries:
        entry_close(
            entry,
            status=QueueStatus.CANCELLED,
            reason=f"Cancelled by an {intent} signal ({signal.pk}).",
            signal_reason=f"Cancelled in the queue by an {intent} signal ({signal.pk}).",
        )
    queue_refresh(user_id=signal.user_id, routes=routes_for(signal.user), status=status)
    return len(entries)


CLEAR_REASONS = {
    "service_stopped": "Your trading service was stopped with close all: the queue was emptied.",
}


def queue_clear(*, user_id: Any, reason: str) -> int:
    """Cancel every queued entry of the user (e.g. "stop and close all"). Returns how many.
    `reason` is shown on each entry and signal; a known code (`service_stopped`) becomes a sentence."""
    from accounts.models import User

    reason = CLEAR_REASONS.get(reason, reason)
    with transaction.atomic():
        status = queue_lock(user_id)
        entries = list(
            QueueEntry.objects.select_for_update().filter(user_id=user_id, status=QueueStatus.QUEUED)
        )
        for entry in entries:
            entry_close(entry, status=QueueStatus.CANCELLED, reason=reason)
        if entries:
            user = User.objects.get(pk=user_id)
            queue_refresh(user_id=user_id, routes=routes_for(user), status=status)
    return len(entries)
