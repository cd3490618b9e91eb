"""The risk engine's decisions, pure: timers, which group is the loser, and which winners pay for
closing it. No Django; Decimal in, Decimal out. The service that loads groups, persists timers
and sends orders sits on top of this (trading-semantics.md, "Risk engine").

Rules:
- a group is **eligible** when `pyramid_count >= required_pyramids_for_timer` and all its legs
  are filled; an eligible group without a timer gets one: `now + post_full_wait_minutes`;
- a running timer **resets** to a full wait from now whenever the loss % is above
  `loss_threshold_percent`, so a timer only expires when every check during its wait saw the
  loss at or below the threshold;
- a group stops being eligible (a pyramid added, a leg reopened) -> no timer;
- a **loser** has an expired timer (`expires <= now`), a loss % at or below the threshold, an
  actual loss in quote (`unrealized < 0`, which matters only if a threshold >= 0 is configured),
  something held, and is neither blocked nor marked skip-once;
- each cycle picks the single worst loser: most negative loss %, then largest loss in quote,
  then oldest `opened_at`, then smallest id (only so the choice is deterministic);
- `required = |loser.unrealized|`. Winners are the *other* groups with `unrealized > 0` that are
  neither blocked nor skip-once (skip-once keeps a group out of the engine for the cycle in both
  roles), ranked by unrealized profit in quote (desc; ties: oldest, then id). The top
  `max_winners_to_combine` are considered, in order; a considered winner that ends up skipped
  does not let a lower-ranked one in;
- each winner closes `min(required_left, profit) / per-unit profit` (per unit: `price -
  avg_entry`, mirrored for a short) rounded DOWN to its step and capped at what it holds, so it
  never realizes more than needed nor more than its profit; it is skipped when that quantity is
  0 or its value is below the market's minimum notional; `required_left` falls by what it
  realizes; once `required_left` is 0 the remaining winners are left alone;
- the loser is then closed in full (its whole held quantity), whatever was covered: the
  semantics close it unconditionally; `fully_covered` tells the caller and the risk panel
  whether the winners paid for all of it. With no winners at all the plan has no winner closes
  and the loser still closes (the engine is also the stop-loss of last resort);
- no loser this cycle -> `plan_cycle` returns None.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from brokers.precision import floor_to
from trading.dca.grid import SIDES, Side, winner_close_quantity

ZERO = Decimal(0)


@dataclass(frozen=True)
class GroupState:
    id: str
    opened_at: datetime
    pyramid_count: int
    all_legs_filled: bool
    held: Decimal  # base
    avg_entry: Decimal
    price: Decimal  # current mark
    unrealized: Decimal  # quote, after fees
    unrealized_percent: Decimal
    timer_expires_at: datetime | None
    blocked: bool
    skip_once: bool
    step_size: Decimal
    min_notional: Decimal
    side: Side = "long"

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"group {self.id}: side must be 'long' or 'short', got {self.side!r}")
        if self.step_size <= 0:
            raise ValueError(f"group {self.id}: step_size must be positive, got {self.step_size}")


@dataclass(frozen=True)
class RiskSettings:
    required_pyramids_for_timer: int = 3
    post_full_wait_minutes: int = 15
    loss_threshold_percent: Decimal = Decimal("-1.5")
    max_winners_to_combine: int = 3

    def __post_init__(self) -> None:
        for name in ("required_pyramids_for_timer", "post_full_wait_minutes", "max_winners_to_combine"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")


@dataclass(frozen=True)
class WinnerClose:
    id: str
    quantity: Decimal  # base, on the winner's step
    price: Decimal  # the mark the plan was computed at
    expected_realized: Decimal  # quote: quantity * per-unit profit


@dataclass(frozen=True)
class RiskPlan:
    loser_id: str
    winners: tuple[WinnerClose, ...]
    loser_quantity: Decimal  # the loser's whole held quantity
    required: Decimal  # |loser.unrealized|
    covered: Decimal  # sum of the winners' expected realized
    fully_covered: bool


def is_eligible(group: GroupState, settings: RiskSettings) -> bool:
    return group.all_legs_filled and group.pyramid_count >= settings.required_pyramids_for_timer


def timer_update(group: GroupState, settings: RiskSettings, now: datetime) -> datetime | None:
    """The group's timer after this cycle (persist it as `risk_timer_expires`)."""
    if not is_eligible(group, settings):
        return None
    if group.timer_expires_at is None:
        return now + timedelta(minutes=settings.post_full_wait_minutes)
    if group.unrealized_percent > settings.loss_threshold_percent:
        # Recovered: the countdown starts over (a full wait from now), rather than clearing and
        # restarting on the next cycle, which would flip the risk panel every other cycle.
        return now + timedelta(minutes=settings.post_full_wait_minutes)
    return group.timer_expires_at


def is_loser(group: GroupState, settings: RiskSettings, now: datetime) -> bool:
    return (
        not group.blocked
        and not group.skip_once
        and group.held > 0
        and group.unrealized < 0
        and group.timer_expires_at is not None
        and group.timer_expires_at <= now
        and group.unrealized_percent <= settings.loss_threshold_percent
    )


def pick_loser(groups: Iterable[GroupState], settings: RiskSettings, now: datetime) -> GroupState | None:
    """The single worst loser, or None."""
    losers = [group for group in groups if is_loser(group, settings, now)]
    if not losers:
        return None
    return min(losers, key=lambda g: (g.unrealized_percent, g.unrealized, g.opened_at, g.id))


def _per_unit_profit(group: GroupState) -> Decimal:
    return group.price - group.avg_entry if group.side == "long" else group.avg_entry - group.price


def rank_winners(loser: GroupState, groups: Iterable[GroupState], settings: RiskSettings) -> list[GroupState]:
    """The winners that will be considered, best first (at most `max_winners_to_combine`)."""
    candidates = [
        group
        for group in groups
        if group.id != loser.id and group.unrealized > 0 and not group.blocked and not group.skip_once
    ]
    candidates.sort(key=lambda g: (-g.unrealized, g.opened_at, g.id))
    return candidates[: settings.max_winners_to_combine]


def plan_offset(loser: GroupState, winners: Sequence[GroupState], settings: RiskSettings) -> RiskPlan:
    """Which winners close how much to pay for closing `loser` in full. `winners` may be all of
    the user's groups: the loser itself, losing, blocked and skip-once groups are left out."""
    required = abs(loser.unrealized)
    left = required
    closes: list[WinnerClose] = []
    for winner in rank_winners(loser, winners, settings):
        if left <= 0:
            break
        quantity = winner_close_quantity(
            required=left,
            winner_profit=winner.unrealized,
            current_price=winner.price,
            average_entry=winner.avg_entry,
            step_size=winner.step_size,
            side=winner.side,
        )
        quantity = min(quantity, floor_to(max(winner.held, ZERO), winner.step_size))
        if quantity <= 0 or quantity * winner.price < winner.min_notional:
            continue
        realized = quantity * _per_unit_profit(winner)
        closes.append(WinnerClose(winner.id, quantity, winner.price, realized))
        left -= realized
    covered = sum((close.expected_realized for close in closes), ZERO)
    return RiskPlan(
        loser_id=loser.id,
        winners=tuple(closes),
        loser_quantity=loser.held,
        required=required,
        covered=covered,
        fully_covered=covered >= required,
    )


def plan_cycle(groups: Sequence[GroupState], settings: RiskSettings, now: datetime) -> RiskPlan | None:
    """One cycle over a user's groups (timers already updated): the plan, or None without a loser."""
    loser = pick_loser(groups, settings, now)
    return None if loser is None else plan_offset(loser, groups, settings)
