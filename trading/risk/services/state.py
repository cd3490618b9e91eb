"""What one risk cycle looks at: a user's live groups as trading/risk/decisions.py's `GroupState`s, marked
at a fresh price, with their timers moved on to now. Reads only; the cycle (cycle.py) and the
risk panel (risk/selectors.py) both build on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from trading.execution.prices import Source, prices_fetch, prices_observe, source_of
from trading.positions import accounting
from trading.positions.marks import latest_price
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderRole,
    OrderStatus,
    PositionGroup,
)
from trading.positions.services import group_market, orders_summary
from trading.risk import decisions as risk
from trading.settings.models import UserTradingConfig

ZERO = Decimal(0)
# The groups the engine looks at: something rests or is held, and no close is under way.
RISK_STATUSES = (GroupStatus.LIVE, GroupStatus.PARTIALLY_FILLED, GroupStatus.ACTIVE)


def risk_settings_for(config: UserTradingConfig) -> risk.RiskSettings:
    return risk.RiskSettings(
        required_pyramids_for_timer=config.required_pyramids_for_timer,
        post_full_wait_minutes=config.post_full_wait_minutes,
        loss_threshold_percent=config.loss_threshold_percent,
        max_winners_to_combine=config.max_winners_to_combine,
    )


def text(value: Decimal | None) -> str | None:
    """A decimal as the API and the records show it: "1.5", not "1.500000000000000000"."""
    return None if value is None else format(value.normalize(), "f")


# --- prices and states ----------------------------------------------------------------------------


def group_marks(groups: Sequence[PositionGroup]) -> dict[str, Decimal]:
    """A fresh price per group: one batched request per price source through the shared ticker
    cache, as the take-profit tick prices (execution/prices.py). A source that cannot answer leaves its
    groups out: they keep their last price. The fill monitor's range sees these prices too."""
    sources = {str(g.pk): source_of(g.exchange, g.account.price_source, g.account.mode) for g in groups}
    wanted: dict[Source, set[str]] = defaultdict(set)
    for group in groups:
        wanted[sources[str(group.pk)]].add(group.symbol)
    prices = prices_fetch(wanted)
    prices_observe(prices, restart=False)
    marks: dict[str, Decimal] = {}
    for group in groups:
        price = prices.get(sources[str(group.pk)], {}).get(group.symbol)
        if price:
            marks[str(group.pk)] = price
    return marks


@dataclass
class Snapshot:
    """A user's live groups as one cycle sees them."""

    groups: dict[str, PositionGroup]
    states: dict[str, risk.GroupState]  # timers as this cycle leaves them
    stored_timers: dict[str, datetime | None]  # timers as they were before
    busy: set[str] = field(default_factory=set)  # a close order in flight: out of this cycle
    take_profits: dict[str, list[str]] = field(default_factory=dict)  # resting take-profits

    def candidates(self, exclude: Iterable[str] = ()) -> list[risk.GroupState]:
        left_out = self.busy | set(exclude)
        return [state for gid, state in self.states.items() if gid not in left_out]


def group_state(group: PositionGroup, orders: Sequence[DCAOrder], price: Decimal | None) -> risk.GroupState:
    """One group for trading/risk/decisions.py, marked at `price` (when None, its symbol's latest
    tick price: a quiet group's own row is not rewritten every tick)."""
    legs = [o for o in orders if o.role == OrderRole.LEG]
    summary = orders_summary(orders)
    mark = price if price is not None else latest_price(group)
    amount, percent = (
        accounting.unrealized(summary, mark, short=group.side == "short") if mark else (ZERO, ZERO)
    )
    market = group_market(group)
    return risk.GroupState(
        id=str(group.pk),
        opened_at=group.opened_at,
        pyramid_count=group.pyramid_count,
        all_legs_filled=bool(legs) and all(o.status == OrderStatus.FILLED for o in legs),
        held=group.filled_quantity,
        avg_entry=group.avg_entry or ZERO,
        price=mark or ZERO,
        unrealized=amount,
        unrealized_percent=percent,
        timer_expires_at=group.risk_timer_expires_at,
        blocked=group.risk_blocked,
        skip_once=group.risk_skip_once,
        step_size=market.step_size,
        min_notional=market.min_notional,
        side="short" if group.side == "short" else "long",
    )


def snapshot_build(
    groups: Sequence[PositionGroup], marks: dict[str, Decimal], settings: risk.RiskSettings, now: datetime
) -> Snapshot:
    """States with their timers moved on to `now` (risk.timer_update); nothing is written."""
    orders: dict[str, list[DCAOrder]] = defaultdict(list)
    for order in DCAOrder.objects.filter(group__in=[g.pk for g in groups]):
        orders[str(order.group_id)].append(order)
    snapshot = Snapshot(groups={}, states={}, stored_timers={})
    for group in groups:
        gid = str(group.pk)
        state = group_state(group, orders[gid], marks.get(gid))
        snapshot.groups[gid] = group
        snapshot.stored_timers[gid] = group.risk_timer_expires_at
        snapshot.states[gid] = replace(state, timer_expires_at=risk.timer_update(state, settings, now))
        live = [o for o in orders[gid] if o.status in LIVE_ORDER_STATUSES]
        if any(o.role == OrderRole.CLOSE for o in live):
            snapshot.busy.add(gid)
        snapshot.take_profits[gid] = [str(o.pk) for o in live if o.role == OrderRole.TAKE_PROFIT]
    return snapshot


def why_nothing(snapshot: Snapshot, settings: risk.RiskSettings, now: datetime, left_out: set[str]) -> str:
    states = [s for gid, s in snapshot.states.items() if gid not in snapshot.busy | left_out]
    if not snapshot.states:
        return "You have no live positions."
    if not states:
        return "Every live position has a close under way."
    eligible = [s for s in states if risk.is_eligible(s, settings)]
    if not eligible:
        return (
            f"No position is eligible yet: it needs {settings.required_pyramids_for_timer} pyramid(s) "
            "and every leg filled."
        )
    out = [s for s in eligible if s.blocked or s.skip_once]
    waiting = [
        s
        for s in eligible
        if not (s.blocked or s.skip_once)
        and s.unrealized_percent <= settings.loss_threshold_percent
        and s.timer_expires_at is not None
        and s.timer_expires_at > now
    ]
    if waiting:
        return "A losing position's timer is still running."
    if out and len(out) == len(eligible):
        return "The eligible positions are blocked or skipped this cycle."
    return f"No eligible position is at or below {text(settings.loss_threshold_percent)} %."
