"""The execution queue's ranking, pure: which queued signal is promoted when a pool slot frees.

No Django; Decimal only. The Django service and API build `QueuedSignal`s from queue rows and
act on what `pick_next` returns (trading-semantics.md, "Execution pool and queue").

Rules, in the default order (each can be switched off; at least one stays on):
1. `pyramid_continuation`: a continuation of a live group (same key) first;
2. `deepest_loss`: the most adverse move since the signal first: loss % =
   `(current_price - entry_price) / entry_price * 100` for a long, the sign mirrored for a short,
   so a negative value is always a move against the position. An unknown current price sorts
   after every known one;
3. `replacement_count`: highest first;
4. `expected_profit`: highest first (quote, from the grid's take-profit targets);
5. `fifo`: earliest `queued_at` first.

Ranking is deterministic: entries equal on every enabled rule keep the order `queued_at`, then
`id` (ids must be unique), whatever order they came in.

`priority_rule` of a ranked entry is the first enabled rule, in the configured order, that tells
it apart from the entry ranked just below it, i.e. the rule that placed it above the next one.
The last entry has no next one: its rule is the one that placed it below the entry just above it.
When no enabled rule tells the two apart (only the queued_at/id tie-break does) it is `"tie"`;
an entry alone in the queue gets `"alone"`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cmp_to_key
from typing import Final, Literal

Side = Literal["long", "short"]
SIDES: tuple[Side, ...] = ("long", "short")
RuleName = Literal["pyramid_continuation", "deepest_loss", "replacement_count", "expected_profit", "fifo"]
RULE_NAMES: tuple[RuleName, ...] = (
    "pyramid_continuation",
    "deepest_loss",
    "replacement_count",
    "expected_profit",
    "fifo",
)
TIE: Final = "tie"  # no enabled rule separates the entry from its neighbour
ALONE: Final = "alone"  # the only entry in the queue
PriorityRule = RuleName | Literal["tie", "alone"]

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class QueuedSignal:
    id: str
    key: tuple[str, ...]  # user, account, symbol, timeframe, side
    side: Side
    entry_price: Decimal
    current_price: Decimal | None
    replacement_count: int
    expected_profit: Decimal  # quote, from the grid's take-profit targets; may be 0
    queued_at: datetime  # timezone-aware
    is_pyramid_continuation: bool  # a live group exists for the same key

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"signal {self.id}: side must be 'long' or 'short', got {self.side!r}")
        if not self.entry_price.is_finite() or self.entry_price <= 0:
            raise ValueError(f"signal {self.id}: entry_price must be positive, got {self.entry_price}")
        if self.current_price is not None and (not self.current_price.is_finite() or self.current_price <= 0):
            raise ValueError(f"signal {self.id}: current_price must be positive, got {self.current_price}")
        if self.replacement_count < 0:
            raise ValueError(
                f"signal {self.id}: replacement_count must be >= 0, got {self.replacement_count}"
            )
        if not self.expected_profit.is_finite():
            raise ValueError(f"signal {self.id}: expected_profit must be finite, got {self.expected_profit}")
        if self.queued_at.tzinfo is None or self.queued_at.utcoffset() is None:
            raise ValueError(f"signal {self.id}: queued_at must be timezone-aware")

    @property
    def loss_percent(self) -> Decimal | None:
        """The move since the signal, in % of its entry price, signed for the position: negative
        means against it (price down for a long, up for a short). None without a current price."""
        if self.current_price is None:
            return None
        move = (self.current_price - self.entry_price) / self.entry_price * HUNDRED
        return move if self.side == "long" else -move


DEFAULT_RULES: tuple[tuple[RuleName, bool], ...] = tuple((name, True) for name in RULE_NAMES)


@dataclass(frozen=True)
class RuleConfig:
    """The rules in the order they apply, each on or off. A rule left out is off."""

    rules: tuple[tuple[str, bool], ...] = DEFAULT_RULES

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for item in self.rules:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bool)):
                raise ValueError(f"each rule must be a (name, enabled) pair, got {item!r}")
            name = item[0]
            if name not in RULE_NAMES:
                raise ValueError(f"unknown priority rule {name!r}; known: {', '.join(RULE_NAMES)}")
            if name in seen:
                raise ValueError(f"priority rule {name!r} appears more than once")
            seen.add(name)
        if not any(enabled for _, enabled in self.rules):
            raise ValueError("at least one priority rule must stay enabled")

    @property
    def enabled(self) -> tuple[RuleName, ...]:
        """The enabled rules, in the configured order."""
        return tuple(_RULE_BY_NAME[name] for name, enabled in self.rules if enabled)


_RULE_BY_NAME: dict[str, RuleName] = {name: name for name in RULE_NAMES}


@dataclass(frozen=True)
class RankedEntry:
    entry: QueuedSignal
    rank: int  # 1-based
    priority_rule: PriorityRule
    loss_percent: Decimal | None


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _by_pyramid(a: QueuedSignal, b: QueuedSignal) -> int:
    return int(b.is_pyramid_continuation) - int(a.is_pyramid_continuation)


def _by_loss(a: QueuedSignal, b: QueuedSignal) -> int:
    la, lb = a.loss_percent, b.loss_percent
    if la is None or lb is None:
        return int(la is None) - int(lb is None)
    return (la > lb) - (la < lb)


def _by_replacements(a: QueuedSignal, b: QueuedSignal) -> int:
    return _sign(b.replacement_count - a.replacement_count)


def _by_profit(a: QueuedSignal, b: QueuedSignal) -> int:
    return (a.expected_profit < b.expected_profit) - (a.expected_profit > b.expected_profit)


def _by_fifo(a: QueuedSignal, b: QueuedSignal) -> int:
    return (a.queued_at > b.queued_at) - (a.queued_at < b.queued_at)


Comparator = Callable[[QueuedSignal, QueuedSignal], int]
_COMPARATORS: dict[RuleName, Comparator] = {
    "pyramid_continuation": _by_pyramid,
    "deepest_loss": _by_loss,
    "replacement_count": _by_replacements,
    "expected_profit": _by_profit,
    "fifo": _by_fifo,
}


def _separating_rule(a: QueuedSignal, b: QueuedSignal, enabled: Sequence[RuleName]) -> RuleName | None:
    for name in enabled:
        if _COMPARATORS[name](a, b) != 0:
            return name
    return None


def rank(entries: Iterable[QueuedSignal], rules: RuleConfig | None = None) -> list[RankedEntry]:
    """The queue in promotion order (rank 1 first); see the module doc for `priority_rule`."""
    enabled = (rules or RuleConfig()).enabled
    items = list(entries)
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"queued signal ids must be unique; repeated: {', '.join(duplicates)}")

    def compare(a: QueuedSignal, b: QueuedSignal) -> int:
        rule = _separating_rule(a, b, enabled)
        if rule is not None:
            return _COMPARATORS[rule](a, b)
        fifo = _by_fifo(a, b)
        return fifo if fifo != 0 else (a.id > b.id) - (a.id < b.id)

    ordered = sorted(items, key=cmp_to_key(compare))
    ranked: list[RankedEntry] = []
    for index, item in enumerate(ordered):
        if len(ordered) == 1:
            rule: PriorityRule = ALONE
        else:
            neighbour = ordered[index + 1] if index + 1 < len(ordered) else ordered[index - 1]
            rule = _separating_rule(item, neighbour, enabled) or TIE
        ranked.append(
            RankedEntry(entry=item, rank=index + 1, priority_rule=rule, loss_percent=item.loss_percent)
        )
    return ranked


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP


def replace(
    queued: QueuedSignal,
    new_entry_price: Decimal,
    *,
    current_price: Decimal | _Keep | None = KEEP,
    expected_profit: Decimal | None = None,
) -> QueuedSignal:
    """A newer signal for the same key replaces the queued one: it keeps its id and its place
    in time (`queued_at`), counts one more replacement and takes the new entry price, and, when
    given, the new current price and expected profit (recomputed from the new payload)."""
    return dataclasses.replace(
        queued,
        entry_price=new_entry_price,
        replacement_count=queued.replacement_count + 1,
        current_price=queued.current_price if isinstance(current_price, _Keep) else current_price,
        expected_profit=queued.expected_profit if expected_profit is None else expected_profit,
    )


def pick_next(
    entries: Iterable[QueuedSignal],
    rules: RuleConfig | None,
    free_slots: int,
    pyramids_bypass_pool: bool = True,
) -> list[RankedEntry]:
    """The entries to promote now, in rank order. With `pyramids_bypass_pool` every pyramid
    continuation is promoted without taking a slot; the other entries (all of them when the
    flag is off) fill `free_slots` in rank order. A negative `free_slots` (the pool is over its
    limit after a force-add) counts as none. The daily circuit breaker is the caller's check:
    nothing is promoted while `circuit_breaker_tripped`."""
    slots = max(free_slots, 0)
    picked: list[RankedEntry] = []
    for ranked in rank(entries, rules):
        if pyramids_bypass_pool and ranked.entry.is_pyramid_continuation:
            picked.append(ranked)
        elif slots > 0:
            picked.append(ranked)
            slots -= 1
    return picked


def circuit_breaker_tripped(realized_today: Decimal, max_realized_loss: Decimal | None) -> bool:
    """True once the day's realized PnL has lost `max_realized_loss` (a positive quote amount)
    or more: `realized_today <= -max_realized_loss`. None means no limit."""
    if max_realized_loss is None:
        return False
    if not max_realized_loss.is_finite() or max_realized_loss <= 0:
        raise ValueError(f"max_realized_loss must be a positive amount or None, got {max_realized_loss}")
    return realized_today <= -max_realized_loss
