"""Does a take-profit tick have anything to do for a group at this price? Pure.

The batched take-profit pass (services/marks.py) asks this for every open group. A group for
which nothing fires only gets its mark (last price, unrealized PnL) in a bulk update; the others
go through the full, locked `services.evaluate.group_evaluate`. So `evaluate` must say "fires"
whenever the full path would change anything but the mark: a stop loss, a cancel-beyond level,
a target reached (aggregate, per pyramid, hybrid), a trailing state that arms, tracks or exits
(group, pyramid or leg), a target or status that the full path would rewrite. Saying "fires" too
often only costs time; saying "marked" wrongly would skip an exit, so every rule below mirrors
one branch of `group_evaluate` (and of `group_refresh`, which it calls).

The mark itself is computed as `group_refresh` does: `accounting.summarize` over the legs, then
`accounting.unrealized` at the price.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from brokers.precision import floor_to
from trading.dca.grid import aggregate_tp_price
from trading.positions import accounting
from trading.takeprofit.targets import TrailState, beyond_cancel_level, check_target, stop_loss_hit

Side = Literal["long", "short"]
ZERO = Decimal(0)


@dataclass(frozen=True)
class Rules:
    """The market rules `is_dust` needs (from the group's market snapshot)."""

    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal


@dataclass(frozen=True)
class Leg:
    """One leg order of the group: filled, live, or both."""

    pyramid: Hashable | None
    filled: Decimal
    avg_price: Decimal | None
    fees: Decimal
    base_fees: Decimal
    closed: Decimal
    live: bool  # pending, submitting, open or partially filled
    resting: bool  # open or partially filled
    cancellable: bool  # live, nothing filled, a safety order (level > 0), no cancel asked yet
    tp_price: Decimal | None = None
    trailing: bool = False  # tp_status == trailing
    tp_peak: Decimal | None = None
    has_live_exit: bool = False  # a take-profit or close of this leg is live


@dataclass(frozen=True)
class Exit:
    """A live exit order (take-profit or close)."""

    role: Literal["take_profit", "close"]
    pyramid: Hashable | None
    price: Decimal | None


@dataclass(frozen=True)
class PyramidState:
    id: Hashable
    entry_price: Decimal
    closed: bool
    tp_target_price: Decimal | None
    trailing_active: bool
    trailing_peak: Decimal | None


@dataclass(frozen=True)
class GroupState:
    side: Side
    status: str  # live, partially_filled or active
    tp_mode: str  # per_leg, aggregate, hybrid, pyramid_aggregate
    tp_aggregate_percent: Decimal
    trailing_deviation_percent: Decimal | None
    stop_loss_percent: Decimal | None
    cancel_dca_beyond_percent: Decimal | None
    tp_target_price: Decimal | None
    trailing_active: bool
    trailing_peak: Decimal | None
    last_leg_exit_at: datetime | None
    last_evaluated_at: datetime | None
    rules: Rules
    legs: Sequence[Leg] = ()
    exits: Sequence[Exit] = ()
    pyramids: Sequence[PyramidState] = ()


@dataclass(frozen=True)
class Verdict:
    fires: str | None  # why the full path must run; None: only the mark changes
    unrealized_pnl: Decimal
    unrealized_pnl_percent: Decimal

    @property
    def marked(self) -> bool:
        return self.fires is None


def is_dust(quantity: Decimal, rules: Rules, price: Decimal | None) -> bool:
    """positions.services.is_dust: below the step, the minimum quantity or the minimum notional."""
    sellable = floor_to(quantity, rules.step_size) if quantity > 0 else ZERO
    if sellable <= 0 or sellable < rules.min_qty:
        return True
    return price is not None and sellable * price < rules.min_notional


def next_status(group: GroupState, summary: accounting.Summary, price: Decimal) -> str | None:
    """The status `group_refresh` gives an evaluated group at this price (None: closed or failed,
    which only the full path decides)."""
    live_legs = any(leg.live for leg in group.legs)
    if summary.bought == 0:
        if live_legs:
            return "live" if any(leg.resting for leg in group.legs) else "waiting"
        return None
    holds = not is_dust(summary.held, group.rules, price)
    if not holds and not live_legs and not group.exits:
        return "closed"
    return "partially_filled" if live_legs else "active"


def leg_fill(leg: Leg) -> accounting.LegFill:
    return accounting.LegFill(leg.filled, leg.avg_price, leg.fees, leg.base_fees, leg.closed)


def _reached(price: Decimal, level: Decimal, side: Side) -> bool:
    return price >= level if side == "long" else price <= level


def evaluate(group: GroupState, price: Decimal) -> Verdict:
    """The group at `price`: its mark, and whether (and why) the full evaluation must run."""
    summary = accounting.summarize([leg_fill(leg) for leg in group.legs], [])
    amount, percent = accounting.unrealized(summary, price, short=group.side == "short")

    def verdict(fires: str | None) -> Verdict:
        return Verdict(fires, amount, percent)

    side, deviation = group.side, group.trailing_deviation_percent
    if next_status(group, summary, price) != group.status:
        return verdict("status")
    held, average = summary.held, summary.avg_entry
    target = group.tp_target_price
    if average is not None and group.tp_mode in ("aggregate", "hybrid"):
        target = aggregate_tp_price(
            average_entry=average,
            tp_aggregate_percent=group.tp_aggregate_percent,
            tick_size=group.rules.tick_size,
            side=side,
        )
        if target != group.tp_target_price:
            return verdict("target_moved")  # group_refresh would store the new target
    if group.stop_loss_percent and average and held > 0:
        if stop_loss_hit(
            price=price, avg_entry=average, stop_loss_percent=group.stop_loss_percent, side=side
        ):
            return verdict("stop_loss")
    if group.cancel_dca_beyond_percent:
        for pyramid in group.pyramids:
            if any(
                leg.cancellable and leg.pyramid == pyramid.id for leg in group.legs
            ) and beyond_cancel_level(
                price=price,
                entry=pyramid.entry_price,
                cancel_dca_beyond_percent=group.cancel_dca_beyond_percent,
                side=side,
            ):
                return verdict("cancel_beyond")
    if held <= 0:
        return verdict(None)
    if group.tp_mode == "pyramid_aggregate":
        return verdict(_pyramid_fires(group, price))
    if group.tp_mode in ("per_leg", "hybrid") and deviation:
        for leg in group.legs:
            if leg.filled <= 0 or leg.tp_price is None:
                continue
            if leg.filled - leg.base_fees - leg.closed <= 0 or leg.has_live_exit:
                continue
            decision = check_target(
                price=price,
                target=leg.tp_price,
                state=TrailState(leg.trailing, leg.tp_peak),
                trailing_deviation_percent=deviation,
                side=side,
            )
            if decision.action != "none":
                return verdict("leg_trailing")
    if group.tp_mode == "per_leg":
        return verdict(None)
    if group.tp_mode == "hybrid":
        exited = group.last_leg_exit_at
        if exited is not None and (group.last_evaluated_at is None or exited >= group.last_evaluated_at):
            return verdict("leg_exit_since")
        for order in group.exits:
            if order.role == "take_profit" and order.price is not None and _reached(price, order.price, side):
                return verdict("leg_target_resting")
    if target is None:
        return verdict(None)
    decision = check_target(
        price=price,
        target=target,
        state=TrailState(group.trailing_active, group.trailing_peak),
        trailing_deviation_percent=deviation,
        side=side,
    )
    return verdict(None if decision.action == "none" else "take_profit")


def _pyramid_fires(group: GroupState, price: Decimal) -> str | None:
    for pyramid in group.pyramids:
        if pyramid.closed:
            continue
        legs = [leg_fill(leg) for leg in group.legs if leg.pyramid == pyramid.id and leg.filled > 0]
        average = accounting.summarize(legs, []).avg_entry
        if average is None:
            continue
        if any(order.role == "close" and order.pyramid == pyramid.id for order in group.exits):
            continue
        target = aggregate_tp_price(
            average_entry=average,
            tp_aggregate_percent=group.tp_aggregate_percent,
            tick_size=group.rules.tick_size,
            side=group.side,
        )
        if target != pyramid.tp_target_price:
            return "pyramid_target_moved"
        decision = check_target(
            price=price,
            target=target,
            state=TrailState(pyramid.trailing_active, pyramid.trailing_peak),
            trailing_deviation_percent=group.trailing_deviation_percent,
            side=group.side,
        )
        if decision.action != "none":
            return "pyramid_take_profit"
    return None
