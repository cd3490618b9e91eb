"""Take-profit targets, trailing, stop loss and the cancel-beyond rule, pure.

Long and short mirror each other: for a short, "above" means below. Triggers compare the last
price; they are not order prices, so nothing here rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from trading.positions.accounting import stop_loss_level

HUNDRED = Decimal(100)
Side = Literal["long", "short"]
Action = Literal["none", "arm", "track", "exit"]


def _beyond(price: Decimal, level: Decimal, side: Side) -> bool:
    """True when `price` is at or past `level` in the profitable direction."""
    return price >= level if side == "long" else price <= level


@dataclass(frozen=True)
class TrailState:
    active: bool
    peak: Decimal | None  # the best price since the target was reached


@dataclass(frozen=True)
class TargetDecision:
    action: Action  # arm: target reached, trailing starts; track: new peak; exit: close now
    state: TrailState


def check_target(
    *,
    price: Decimal,
    target: Decimal,
    state: TrailState,
    trailing_deviation_percent: Decimal | None,
    side: Side = "long",
) -> TargetDecision:
    """Without trailing, reaching the target exits. With trailing, reaching it arms a peak
    tracker and the exit comes when price falls back `deviation` % from the peak."""
    if not trailing_deviation_percent:
        if _beyond(price, target, side):
            return TargetDecision("exit", state)
        return TargetDecision("none", state)
    if not state.active:
        if not _beyond(price, target, side):
            return TargetDecision("none", state)
        return TargetDecision("arm", TrailState(True, price))
    peak = state.peak if state.peak is not None else price
    better = price > peak if side == "long" else price < peak
    if better:
        return TargetDecision("track", TrailState(True, price))
    direction = -1 if side == "long" else 1
    trigger = peak * (1 + direction * trailing_deviation_percent / HUNDRED)
    if _beyond(trigger, price, side):  # long: price <= trigger
        return TargetDecision("exit", state)
    return TargetDecision("none", state)


def stop_loss_hit(
    *, price: Decimal, avg_entry: Decimal, stop_loss_percent: Decimal, side: Side = "long"
) -> bool:
    """The optional stop: price at or beyond `stop_loss_percent` % against the average entry."""
    level = stop_loss_level(avg_entry=avg_entry, stop_loss_percent=stop_loss_percent, short=side == "short")
    return price <= level if side == "long" else price >= level


def beyond_cancel_level(
    *, price: Decimal, entry: Decimal, cancel_dca_beyond_percent: Decimal, side: Side = "long"
) -> bool:
    """cancel_dca_beyond_percent: price ran this far in our favour from the entry, so the
    unfilled safety orders below are unlikely to fill and only tie up funds."""
    direction = 1 if side == "long" else -1
    return _beyond(price, entry * (1 + direction * cancel_dca_beyond_percent / HUNDRED), side)
