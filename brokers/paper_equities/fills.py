"""Prices, cash blocks and sellable shares of the paper equities ledger, pure: no Django.

Prices are the price source's last traded price: a market order fills there worsened by the
slippage and rounded to the tick against the trader (brokers/paper_math.py's `slipped_price`,
reused); a resting limit order fills at its own price once the last price crosses it.

Cash: a buy blocks its turnover plus its charges at the price it may pay, so a fill can never
take the account below zero; a fill releases the block and spends what the order really cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from brokers.adapters.base import OrderType, Side
from brokers.adapters.equities import Product
from brokers.paper_math import slipped_price

from .charges import Charges, ChargeTable, charges_for, to_paisa

AVERAGE_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)
_PRECISION = 60


@dataclass(frozen=True)
class Execution:
    """One whole fill: `turnover` is price x quantity to the paisa; the charges are on top."""

    side: Side
    product: Product
    price: Decimal
    quantity: Decimal
    turnover: Decimal
    charges: Charges

    @property
    def cash_out(self) -> Decimal:
        """For a buy: what leaves the cash balance."""
        return self.turnover + self.charges.total

    @property
    def cash_in(self) -> Decimal:
        """For a sell: what arrives on the cash balance (proceeds less charges; may be negative
        for a tiny sale whose fixed charges exceed it, which the caller must refuse)."""
        return self.turnover - self.charges.total


def execution_at(
    *, side: Side, product: Product, price: Decimal, quantity: Decimal, table: ChargeTable
) -> Execution:
    if price <= 0 or quantity <= 0:
        raise ValueError("an execution needs a positive price and quantity")
    with localcontext(prec=_PRECISION):
        turnover = to_paisa(price * quantity)
    charges = charges_for(side=side, product=product, price=price, quantity=quantity, table=table)
    return Execution(
        side=Side(side),
        product=Product(product),
        price=price,
        quantity=quantity,
        turnover=turnover,
        charges=charges,
    )


def is_crossed(side: Side, limit: Decimal, last: Decimal) -> bool:
    """Whether a limit order at `limit` trades at the last price: a buy when the market is at or
    below it, a sell when at or above."""
    return last <= limit if Side(side) == Side.BUY else last >= limit


def fill_price(
    side: Side, type: OrderType, *, last: Decimal, limit: Decimal | None, slippage_bps: Decimal, tick: Decimal
) -> Decimal | None:
    """Where an order that takes liquidity at `last` fills: a market order at `last` worsened by
    the slippage (on the tick, against the trader); a limit order the same but never beyond its
    limit, and only when the market has crossed it. None: the limit order rests."""
    if last <= 0:
        return None
    slipped = slipped_price(side, last, slippage_bps=slippage_bps, tick=tick)
    if OrderType(type) == OrderType.MARKET or limit is None:
        return slipped
    if not is_crossed(side, limit, last):
        return None
    return min(slipped, limit) if Side(side) == Side.BUY else max(slipped, limit)


def average_after_buy(*, quantity: Decimal, average: Decimal, bought: Decimal, price: Decimal) -> Decimal:
    """The holding's average buy price after buying `bought` more at `price` (charges excluded,
    as brokers show it), to 4 decimals."""
    total = quantity + bought
    if total <= 0:
        return ZERO
    with localcontext(prec=_PRECISION):
        value = (quantity * average + bought * price) / total
    return value.quantize(AVERAGE_QUANTUM, rounding=ROUND_HALF_UP)


def sellable(*, quantity: Decimal, bought_today: Decimal, blocked: Decimal) -> Decimal:
    """Delivery shares that may be sold now: all but today's buys (they settle T+1 and become
    sellable at the next trading day) and those already held by open sell orders."""
    return max(quantity - bought_today - blocked, ZERO)
