"""The paper broker's money math, pure: no Django, Decimal in and out.

One account holds, per asset, a `Holding` (free, locked). An order first *reserves* what it may
spend (quote for buys: cost plus the highest fee it could pay; base for sells), then a fill
*settles* against that reservation and returns what was not used. Every operation either keeps
free and locked non-negative or raises, so a ledger built from these functions can never go below
zero, whatever the order of calls.

Rounding always favours the house: a buyer's cost and every fee round up, a seller's proceeds
round down, to `QUANTUM` = 1e-8, the precision exchanges keep balances in (Binance rounds fees and
costs to 8 decimals too). Why not the 18 decimals the columns hold: SQLite, the embedded
database, keeps only 15 significant digits of a decimal, so 8 decimals keep every balance below
10 million exact on both databases. Computations run in a wide Decimal context so that no
product is silently rounded to Python's default 28 digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_UP, Decimal, localcontext

from brokers.adapters.base import Side, Ticker

ACCOUNTING_DECIMALS = 8
QUANTUM = Decimal(1).scaleb(-ACCOUNTING_DECIMALS)
BPS = Decimal(10_000)
ZERO = Decimal(0)
# Wider than any product of two numeric(36, 18) values, so multiplication is exact.
_PRECISION = 80


class LedgerError(ValueError):
    """A ledger operation that would take free or locked funds below zero."""


class InsufficientBalance(LedgerError):
    """Not enough free funds to reserve for an order."""

    def __init__(self, *, needed: Decimal, available: Decimal) -> None:
        super().__init__(f"needs {needed}, {available} free")
        self.needed = needed
        self.available = available


def _up(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_UP)


def _down(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Holding:
    """One asset of one account: `free` can be spent, `locked` is reserved by open orders."""

    free: Decimal = ZERO
    locked: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        with localcontext(prec=_PRECISION):
            return self.free + self.locked

    def lock(self, amount: Decimal) -> Holding:
        if amount < 0:
            raise LedgerError(f"cannot lock a negative amount {amount}")
        if amount > self.free:
            raise InsufficientBalance(needed=amount, available=self.free)
        with localcontext(prec=_PRECISION):
            return Holding(self.free - amount, self.locked + amount)

    def release(self, amount: Decimal) -> Holding:
        """Return locked funds to free (a cancel, or the unused part of a reservation)."""
        if amount < 0 or amount > self.locked:
            raise LedgerError(f"cannot release {amount} of {self.locked} locked")
        with localcontext(prec=_PRECISION):
            return Holding(self.free + amount, self.locked - amount)

    def spend_locked(self, amount: Decimal) -> Holding:
        if amount < 0 or amount > self.locked:
            raise LedgerError(f"cannot spend {amount} of {self.locked} locked")
        with localcontext(prec=_PRECISION):
            return Holding(self.free, self.locked - amount)

    def credit(self, amount: Decimal) -> Holding:
        if amount < 0:
            raise LedgerError(f"cannot credit a negative amount {amount}")
        with localcontext(prec=_PRECISION):
            return Holding(self.free + amount, self.locked)


def plain(value: Decimal | None) -> Decimal | None:
    """0.001000000000000000 from the database reads as 0.001 (and 10 stays 10, not 1E+1)."""
    if value is None:
        return None
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def fee_for(notional: Decimal, rate: Decimal) -> Decimal:
    """The fee on `notional` at `rate` (a fraction: 0.001 is 0.1 %), rounded up."""
    if notional < 0 or rate < 0:
        raise LedgerError("fees are charged on non-negative values at non-negative rates")
    with localcontext(prec=_PRECISION):
        return _up(notional * rate)


def buy_cost(price: Decimal, amount: Decimal) -> Decimal:
    with localcontext(prec=_PRECISION):
        return _up(price * amount)


def sell_proceeds(price: Decimal, amount: Decimal) -> Decimal:
    with localcontext(prec=_PRECISION):
        return _down(price * amount)


def reservation(side: Side, *, price: Decimal, amount: Decimal, fee_rate: Decimal) -> Decimal:
    """What an order locks: for a buy, the quote it may spend at `price` including the fee at
    `fee_rate` (the highest rate it could pay); for a sell, the base amount."""
    if side == Side.BUY:
        cost = buy_cost(price, amount)
        with localcontext(prec=_PRECISION):
            return cost + fee_for(cost, fee_rate)
    return amount


@dataclass(frozen=True)
class Fill:
    """One execution. `cost` is price x amount in quote (rounded for the house); the fee is in
    quote as well."""

    side: Side
    price: Decimal
    amount: Decimal
    cost: Decimal
    fee: Decimal

    @property
    def quote_spent(self) -> Decimal:
        """For a buy, what leaves the quote balance."""
        with localcontext(prec=_PRECISION):
            return self.cost + self.fee

    @property
    def quote_received(self) -> Decimal:
        """For a sell, what arrives on the quote balance."""
        with localcontext(prec=_PRECISION):
            return self.cost - self.fee


def fill_at(side: Side, *, price: Decimal, amount: Decimal, fee_rate: Decimal) -> Fill:
    if price <= 0 or amount <= 0:
        raise LedgerError("a fill needs a positive price and amount")
    if not ZERO <= fee_rate < 1:
        raise LedgerError(f"fee rate {fee_rate} must be in [0, 1)")
    cost = buy_cost(price, amount) if side == Side.BUY else sell_proceeds(price, amount)
    return Fill(side=side, price=price, amount=amount, cost=cost, fee=fee_for(cost, fee_rate))


def settle(fill: Fill, *, reserved: Decimal, quote: Holding, base: Holding) -> tuple[Holding, Holding]:
    """Apply a whole fill of an order that reserved `reserved`: the reservation leaves `locked`,
    what the fill did not use returns to `free`, and the bought or sold side is credited.
    Returns the new (quote, base)."""
    if fill.side == Side.BUY:
        spent = fill.quote_spent
        if spent > reserved:
            raise LedgerError(f"fill costs {spent}, more than the {reserved} reserved")
        with localcontext(prec=_PRECISION):
            unused = reserved - spent
        return quote.spend_locked(reserved).credit(unused), base.credit(fill.amount)
    if fill.amount != reserved:
        raise LedgerError(f"sell fill of {fill.amount} does not match the {reserved} reserved")
    return quote.credit(fill.quote_received), base.spend_locked(reserved)


# --- prices ---------------------------------------------------------------------------------------


def ceil_to(value: Decimal, increment: Decimal) -> Decimal:
    """The smallest multiple of `increment` that is >= `value`."""
    with localcontext(prec=_PRECISION):
        steps = (value / increment).to_integral_value(rounding=ROUND_CEILING)
        return (steps * increment).quantize(increment.normalize())


def floor_tick(value: Decimal, increment: Decimal) -> Decimal:
    with localcontext(prec=_PRECISION):
        steps = (value / increment).to_integral_value(rounding=ROUND_FLOOR)
        return (steps * increment).quantize(increment.normalize())


def reference_price(side: Side, ticker: Ticker) -> Decimal:
    """What a taker pays: the ask for buys, the bid for sells, the last price when the book side
    is missing (some venues and the simulator's quiet markets report only `last`)."""
    quote = ticker.ask if side == Side.BUY else ticker.bid
    return quote if quote is not None and quote > 0 else ticker.last


def slipped_price(side: Side, reference: Decimal, *, slippage_bps: Decimal, tick: Decimal) -> Decimal:
    """`reference` worsened by the slippage and rounded to the tick against the trader (up for
    buys, down for sells): a market order never fills better than the book."""
    with localcontext(prec=_PRECISION):
        factor = slippage_bps / BPS
        if side == Side.BUY:
            return ceil_to(reference * (1 + factor), tick)
        return floor_tick(reference * (1 - factor), tick)


def is_crossed(side: Side, limit: Decimal, ticker: Ticker) -> bool:
    """Whether a resting limit order at `limit` would trade now: a buy when the ask is at or below
    it, a sell when the bid is at or above it."""
    market = reference_price(side, ticker)
    return market <= limit if side == Side.BUY else market >= limit


def marketable_fill_price(
    side: Side, limit: Decimal, ticker: Ticker, *, slippage_bps: Decimal, tick: Decimal
) -> Decimal | None:
    """The price a new limit order fills at right away, or None when it rests. A marketable limit
    order takes liquidity like a market order, slippage included, but never beyond its limit."""
    if not is_crossed(side, limit, ticker):
        return None
    slipped = slipped_price(side, reference_price(side, ticker), slippage_bps=slippage_bps, tick=tick)
    return min(slipped, limit) if side == Side.BUY else max(slipped, limit)
