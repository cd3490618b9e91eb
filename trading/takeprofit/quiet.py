"""The price range in which a take-profit tick only marks a group, and the mark as a line. Pure.

Every rule in `triggers.evaluate` fires on one side of a price level (a target, a stop, a
trailing peak, a cancel-beyond level, the price below which the holding is dust) or not at all
whatever the price (a target to rewrite, a leg exit to account for). So the prices at which a
group is only marked form one interval: if `evaluate` marks the group at two prices, it marks
it at every price between them (property-tested in tests/trading/takeprofit/test_quiet.py). We find
the interval's ends by bisection with `evaluate` itself as the oracle, so the band can never
disagree with the rules, and verify both ends.

While a group's state is unchanged, a tick whose price lies inside the band needs no Python at
all: the mark is linear in the price (`quantity * price + offset`, percent of `cost`), which the
database computes for every such group in one UPDATE (services/marks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from trading.positions import accounting
from trading.takeprofit.triggers import GroupState, evaluate, leg_fill

ZERO = Decimal(0)
REACH = Decimal("0.5")  # look this far (a fraction of the price) each way; beyond: evaluate again
STEPS = 14  # bisection steps per side: the band's ends are found to ~0.003 % of the price


@dataclass(frozen=True)
class Quiet:
    low: Decimal  # at every price in [low, high] nothing but the mark changes
    high: Decimal
    quantity: Decimal  # unrealized PnL = quantity * price + offset (quantity < 0 for a short)
    offset: Decimal
    cost: Decimal  # unrealized percent = PnL * 100 / cost (0 when nothing is held)


def mark_line(group: GroupState) -> tuple[Decimal, Decimal, Decimal]:
    """(quantity, offset, cost) with `accounting.unrealized(summary, p) == (q * p + o, ... / c)`."""
    summary = accounting.summarize([leg_fill(leg) for leg in group.legs], [])
    if summary.held <= 0 or summary.cost_basis <= 0:
        return ZERO, ZERO, ZERO
    if group.side == "short":
        return -summary.held, summary.cost_basis - summary.open_fees, summary.cost_basis
    return summary.held, -summary.cost_basis - summary.open_fees, summary.cost_basis


def quiet_band(group: GroupState, price: Decimal) -> Quiet | None:
    """The band around `price` where `evaluate` only marks the group (None: something fires at
    `price` itself). Its ends lie on the market's tick grid, inside the verified interval."""
    if price <= 0 or not evaluate(group, price).marked:
        return None
    tick = group.rules.tick_size if group.rules.tick_size > 0 else Decimal("1e-18")
    far_low = _on_grid(price * (1 - REACH), tick, ROUND_CEILING)
    far_high = _on_grid(price * (1 + REACH), tick, ROUND_FLOOR)
    low = _edge(group, price, far_low, tick) if far_low < price else price
    high = _edge(group, price, far_high, tick) if far_high > price else price
    quantity, offset, cost = mark_line(group)
    return Quiet(low, high, quantity, offset, cost)


def _edge(group: GroupState, quiet: Decimal, far: Decimal, tick: Decimal) -> Decimal:
    """The farthest price towards `far` (on the grid) at which `evaluate` was seen to only mark
    the group; `quiet` is such a price."""
    if far > 0 and evaluate(group, far).marked:
        return far
    rounding = ROUND_FLOOR if far > quiet else ROUND_CEILING  # mid-points lean towards `quiet`
    for _ in range(STEPS):
        middle = _on_grid((quiet + far) / 2, tick, rounding)
        if middle in (quiet, far) or middle <= 0:
            break
        if evaluate(group, middle).marked:
            quiet = middle
        else:
            far = middle
    return quiet


def _on_grid(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (value / tick).to_integral_value(rounding=rounding) * tick
