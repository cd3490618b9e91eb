"""Position accounting, pure: what a group holds, at what average entry, and what it realized.

Everything is recomputed from order rows (legs bought, exits sold), so applying the same
exchange update twice can never count money twice. Rules (trading-semantics.md):
- a leg's sellable quantity is what filled less fees the exchange took in the base asset, less
  what exits already sold of it;
- exits that close several legs (a group or pyramid close) are allocated to those legs in
  proportion to what each still holds (average-cost accounting), so the average entry of what
  remains is unchanged by a partial close and a per-leg close moves it as a trader expects;
- realized PnL = sell proceeds - cost of the quantity sold - the fees of both sides of it.
  Once everything is sold this is exactly "sum of sells - sum of buys - all fees".
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TypeVar

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Shares are cut at the database's precision, so they add up exactly to what was sold.
SHARE_QUANTUM = Decimal("1e-18")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class LegFill:
    filled: Decimal  # base bought
    avg_price: Decimal | None
    fees: Decimal  # quote, all fees of the buy (a base fee converted at the fill price)
    base_fees: Decimal  # the part of the fee paid in base: bought but never ours
    closed: Decimal  # base already sold by exits

    @property
    def net(self) -> Decimal:
        return max(self.filled - self.base_fees, ZERO)

    @property
    def remaining(self) -> Decimal:
        return max(self.net - self.closed, ZERO)


@dataclass(frozen=True)
class ExitFill:
    filled: Decimal  # base sold
    avg_price: Decimal | None
    fees: Decimal  # quote


@dataclass(frozen=True)
class Summary:
    bought: Decimal
    held: Decimal
    avg_entry: Decimal | None  # of what is held now
    cost_basis: Decimal  # entry cost of what is held now
    invested: Decimal  # quote spent on all buys
    fees: Decimal
    realized: Decimal
    open_fees: Decimal  # buy fees attributable to what is still held


def allocate(quantity: Decimal, remaining: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Split a sold `quantity` over legs in proportion to what each still holds. Never gives a
    leg more than it holds; the last leg takes the rounding remainder. Sums to
    min(quantity, total held)."""
    holders = [(key, qty) for key, qty in remaining.items() if qty > 0]
    total = sum((qty for _, qty in holders), ZERO)
    if quantity <= 0 or total <= 0:
        return {}
    quantity = min(quantity, total)
    shares: dict[K, Decimal] = {}
    left = quantity
    for index, (key, qty) in enumerate(holders):
        proportional = (quantity * qty / total).quantize(SHARE_QUANTUM, rounding=ROUND_DOWN)
        share = left if index == len(holders) - 1 else min(qty, proportional, left)
        share = min(share, qty)
        shares[key] = share
        left -= share
    if left > 0:  # the proportional shares rounded low: give the rest to whoever still has room
        for key, qty in holders:
            room = qty - shares[key]
            take = min(room, left)
            shares[key] += take
            left -= take
    return shares


def summarize(legs: Sequence[LegFill], exits: Sequence[ExitFill]) -> Summary:
    bought = invested = fees = cost_of_sold = buy_fees_sold = open_fees = cost_basis = held = ZERO
    for leg in legs:
        if leg.filled <= 0 or leg.avg_price is None:
            continue
        bought += leg.filled
        invested += leg.filled * leg.avg_price
        fees += leg.fees
        cost_of_sold += leg.closed * leg.avg_price
        fraction_sold = min(leg.closed / leg.net, Decimal(1)) if leg.net > 0 else Decimal(1)
        buy_fees_sold += leg.fees * fraction_sold
        open_fees += leg.fees * (1 - fraction_sold)
        held += leg.remaining
        cost_basis += leg.remaining * leg.avg_price
    proceeds = exit_fees = ZERO
    for sold in exits:
        if sold.filled > 0 and sold.avg_price is not None:
            proceeds += sold.filled * sold.avg_price
        exit_fees += sold.fees
    fees += exit_fees
    realized = proceeds - cost_of_sold - buy_fees_sold - exit_fees
    return Summary(
        bought=bought,
        held=held,
        avg_entry=cost_basis / held if held > 0 else None,
        cost_basis=cost_basis,
        invested=invested,
        fees=fees,
        realized=realized,
        open_fees=open_fees,
    )


def unrealized(summary: Summary, mark: Decimal, *, short: bool = False) -> tuple[Decimal, Decimal]:
    """(amount, percent of cost) of what is held if sold at `mark`, after the buy fees already
    paid on it; (0, 0) when nothing is held."""
    if summary.held <= 0 or summary.cost_basis <= 0:
        return ZERO, ZERO
    value = summary.held * mark
    move = summary.cost_basis - value if short else value - summary.cost_basis
    amount = move - summary.open_fees
    return amount, amount / summary.cost_basis * HUNDRED


def stop_loss_level(*, avg_entry: Decimal, stop_loss_percent: Decimal, short: bool = False) -> Decimal:
    """Where the optional stop fires: `stop_loss_percent` % against the average entry (below it
    for a long, above it for a short). The take-profit tick and the position's chart read it."""
    direction = 1 if short else -1
    return avg_entry * (1 + direction * stop_loss_percent / HUNDRED)
