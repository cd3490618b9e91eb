"""Binance's symbol filters (PRICE_FILTER, LOT_SIZE, NOTIONAL), checked in Binance's order.

Pure: Decimal in, `BinanceError(-1013, "Filter failure: ...")` out."""

from __future__ import annotations

from decimal import Decimal

from .errors import BinanceError, filter_failure, too_precise
from .markets import MarketSpec, is_multiple

MAX_DECIMALS = 8  # baseAssetPrecision / quotePrecision of every market here


def check_precision(value: Decimal, name: str) -> None:
    """More decimals than the asset has is -1111, before any filter runs."""
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise too_precise(name)


def check_price(spec: MarketSpec, price: Decimal) -> None:
    if price <= 0:
        raise BinanceError(-1013, "Invalid price.")
    if (
        price < spec.min_price
        or price > spec.max_price
        or not is_multiple(price - spec.min_price, spec.tick_size)
    ):
        raise filter_failure("PRICE_FILTER")


def check_quantity(spec: MarketSpec, quantity: Decimal) -> None:
    if quantity <= 0:
        raise BinanceError(-1013, "Invalid quantity.")
    if (
        quantity < spec.min_qty
        or quantity > spec.max_qty
        or not is_multiple(quantity - spec.min_qty, spec.step_size)
    ):
        raise filter_failure("LOT_SIZE")


def check_notional(spec: MarketSpec, notional: Decimal) -> None:
    if notional < spec.min_notional or notional > spec.max_notional:
        raise filter_failure("NOTIONAL")


def check_limit_order(spec: MarketSpec, *, price: Decimal, quantity: Decimal) -> None:
    check_price(spec, price)
    check_quantity(spec, quantity)
    check_notional(spec, price * quantity)


def check_market_order(spec: MarketSpec, *, quantity: Decimal, reference_price: Decimal) -> None:
    """Market orders have no price: NOTIONAL applies to the price they would trade at
    (Binance uses an average price; the simulator's current price is that average)."""
    check_quantity(spec, quantity)
    check_notional(spec, reference_price * quantity)
