"""The DCA ladder, pure: what a trader reads after each leg fills (3Commas' safety-order
table): deviation from the entry, the position so far, its average price, the take-profit on
that average and the rebound it needs. No Django; Decimal in, Decimal out, never a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .grid import HUNDRED, GridError, Side, aggregate_tp_price, as_decimal, check_side, plain


@dataclass(frozen=True)
class LadderStep:
    """What a trader reads after leg `level` fills (3Commas' safety-order table): how far the
    leg is from the entry, the position so far, its average price, the group take-profit on
    that average and how far price must come back from the leg to reach it."""

    level: int
    price: Decimal
    deviation_percent: Decimal  # signed move from the entry: negative below it
    cumulative_quantity: Decimal
    cumulative_notional: Decimal  # quote currency spent so far
    average_price: Decimal  # unrounded, like average_entry
    tp_price: Decimal  # aggregate_tp_price on the average, on the tick
    rebound_percent: Decimal  # favourable move from `price` to `tp_price`, >= 0


def ladder(
    *,
    entry: Decimal,
    fills: Sequence[tuple[Decimal, Decimal]],
    tp_aggregate_percent: Decimal,
    tick_size: Decimal,
    side: Side = "long",
) -> list[LadderStep]:
    """Each leg filled in turn, at its (price, quantity). 3Commas' example, one unit per leg at
    10000, 9800 and 9600 with a 1 % target: averages 10000, 9900, 9800 and targets 10100, 9999,
    9898, so the third leg needs a 3.1 % rebound. Not rounded except the targets (orders)."""
    check_side(side)
    entry = as_decimal("entry", entry)
    if entry <= 0:
        raise GridError(f"entry price must be positive, got {plain(entry)}")
    steps: list[LadderStep] = []
    cost = quantity = Decimal(0)
    for index, (price, qty) in enumerate(fills):
        cost += price * qty
        quantity += qty
        if quantity <= 0:
            raise GridError(f"leg {index}: no quantity to average")
        average = cost / quantity
        target = aggregate_tp_price(
            average_entry=average, tp_aggregate_percent=tp_aggregate_percent, tick_size=tick_size, side=side
        )
        move = target - price if side == "long" else price - target
        steps.append(
            LadderStep(
                level=index,
                price=price,
                deviation_percent=(price - entry) / entry * HUNDRED,
                cumulative_quantity=quantity,
                cumulative_notional=cost,
                average_price=average,
                tp_price=target,
                rebound_percent=move / price * HUNDRED,
            )
        )
    return steps


def max_deviation_percent(steps: Sequence[LadderStep]) -> Decimal:
    """How far against the position the grid keeps buying: 3Commas' "max price deviation
    covered" is the last leg's distance from the entry (positive)."""
    return max((abs(step.deviation_percent) for step in steps), default=Decimal(0))
