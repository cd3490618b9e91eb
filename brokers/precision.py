"""Exchange precision rules, pure: prices down to the tick, quantities down to the step, and the
minimum quantity and notional checks. Decimal in, Decimal out; never a float. Orders round down
(an order must never spend more than it was given); `ceil_to` is for levels a price must not
undercut (a sell target)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, Decimal


class PrecisionError(ValueError):
    """An order that cannot satisfy the market's rules; the message names the broken rule."""


def floor_to(value: Decimal, increment: Decimal) -> Decimal:
    """The largest multiple of `increment` that is <= `value` (value >= 0, increment > 0)."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    steps = (value / increment).to_integral_value(rounding=ROUND_DOWN)
    # quantize keeps the increment's exponent: 0.12300 with step 0.001 -> 0.123, not 0.12300.
    return (steps * increment).quantize(increment.normalize()) if steps else Decimal(0).quantize(increment)


def ceil_to(value: Decimal, increment: Decimal) -> Decimal:
    """The smallest multiple of `increment` that is >= `value` (increment > 0): for prices that
    must not be below a level, such as a sell target or a limit sell at the EMA."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    steps = (value / increment).to_integral_value(rounding=ROUND_CEILING)
    return (steps * increment).quantize(increment.normalize()) if steps else Decimal(0).quantize(increment)


def price_to_tick(price: Decimal, tick_size: Decimal) -> Decimal:
    return floor_to(price, tick_size)


def amount_to_step(amount: Decimal, step_size: Decimal) -> Decimal:
    return floor_to(amount, step_size)


def check_order(
    *,
    price: Decimal,
    amount: Decimal,
    tick_size: Decimal,
    step_size: Decimal,
    min_qty: Decimal,
    min_notional: Decimal,
) -> tuple[Decimal, Decimal]:
    """Round `price` and `amount` down to the market's increments and check the minimums.
    Returns (price, amount); raises PrecisionError naming the rule that fails."""
    if price <= 0:
        raise PrecisionError(f"price must be positive, got {price}")
    if amount <= 0:
        raise PrecisionError(f"quantity must be positive, got {amount}")
    rounded_price = price_to_tick(price, tick_size)
    rounded_amount = amount_to_step(amount, step_size)
    if rounded_price <= 0:
        raise PrecisionError(f"price {price} is below the tick size {tick_size}")
    if rounded_amount < min_qty or rounded_amount <= 0:
        raise PrecisionError(
            f"quantity {rounded_amount} (from {amount}, step {step_size}) is below the minimum {min_qty}"
        )
    notional = rounded_price * rounded_amount
    if notional < min_notional:
        raise PrecisionError(f"order value {notional} is below the minimum notional {min_notional}")
    return rounded_price, rounded_amount
