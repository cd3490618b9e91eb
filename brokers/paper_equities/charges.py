"""The Indian charges on one executed equity order, pure: no Django, Decimal in and out.

A contract note for an NSE cash trade lists, per order: brokerage, Securities Transaction Tax
(STT), the exchange's transaction charge, SEBI's turnover fee, GST (on brokerage + exchange
charge + SEBI fee) and stamp duty (buyer only). The rates differ between delivery (CNC) and
intraday (MIS) and come from a table (`EQUITY_CHARGES` in settings, parsed by `ChargeTable.parse`),
so an admin follows a rate change without a release. Sources: docs/user-guide/paper-equities.md.

Rounding: each component is rounded to the paisa, half up (0.005 -> 0.01), as contract notes
print them, and GST is 18 % of the *printed* brokerage + exchange + SEBI amounts. Computations run
in a wide Decimal context so no product is rounded before that final step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from brokers.adapters.base import Side
from brokers.adapters.equities import Product

PAISA = Decimal("0.01")
ZERO = Decimal(0)
_PRECISION = 60


class ChargeTableError(ValueError):
    """The settings table is missing a rate or holds something that is not a rate."""


def to_paisa(value: Decimal) -> Decimal:
    """`value` rounded to the paisa, half up, as contract notes print amounts."""
    return value.quantize(PAISA, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ProductRates:
    """The rates of one product, each a fraction of the order's turnover (0.001 is 0.1 %)."""

    brokerage_rate: Decimal
    brokerage_max: Decimal | None  # rupees per executed order; None: no cap
    stt_buy: Decimal
    stt_sell: Decimal
    exchange: Decimal
    sebi: Decimal
    stamp_buy: Decimal


@dataclass(frozen=True)
class ChargeTable:
    delivery: ProductRates  # CNC
    intraday: ProductRates  # MIS
    gst: Decimal  # on brokerage + exchange + SEBI

    def rates(self, product: Product) -> ProductRates:
        return self.delivery if Product(product) == Product.CNC else self.intraday

    @classmethod
    def parse(cls, table: Mapping[str, Any]) -> ChargeTable:
        """The table from settings: rates as strings (or ints), never floats, which would carry
        binary noise into every contract note."""
        return cls(
            delivery=_product_rates(table, Product.CNC),
            intraday=_product_rates(table, Product.MIS),
            gst=_rate(table, "GST", "GST"),
        )


def _rate(table: Mapping[str, Any], key: str, where: str) -> Decimal:
    raw = table.get(key)
    if isinstance(raw, float) or isinstance(raw, bool) or raw is None:
        raise ChargeTableError(f"EQUITY_CHARGES {where}: {raw!r} must be a string or an integer")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ChargeTableError(f"EQUITY_CHARGES {where}: {raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ChargeTableError(f"EQUITY_CHARGES {where}: {raw!r} must be zero or more")
    return value


def _optional_rate(table: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    return None if table.get(key) in (None, "") else _rate(table, key, where)


def _product_rates(table: Mapping[str, Any], product: Product) -> ProductRates:
    rows = table.get(product.value)
    if not isinstance(rows, Mapping):
        raise ChargeTableError(f"EQUITY_CHARGES has no {product.value} rates")

    def rate(key: str) -> Decimal:
        return _rate(rows, key, f"{product.value}.{key}")

    return ProductRates(
        brokerage_rate=rate("brokerage_rate"),
        brokerage_max=_optional_rate(rows, "brokerage_max", f"{product.value}.brokerage_max"),
        stt_buy=rate("stt_buy"),
        stt_sell=rate("stt_sell"),
        exchange=rate("exchange"),
        sebi=rate("sebi"),
        stamp_buy=rate("stamp_buy"),
    )


@dataclass(frozen=True)
class Charges:
    """What one executed order costs beyond its turnover, each line in rupees to the paisa."""

    brokerage: Decimal = ZERO
    stt: Decimal = ZERO
    exchange: Decimal = ZERO
    sebi: Decimal = ZERO
    gst: Decimal = ZERO
    stamp: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.brokerage + self.stt + self.exchange + self.sebi + self.gst + self.stamp

    def as_dict(self) -> dict[str, str]:
        """For the order row and the trader: every line, as strings."""
        lines = ("brokerage", "stt", "exchange", "sebi", "gst", "stamp")
        return {name: str(getattr(self, name)) for name in lines} | {"total": str(self.total)}


def charges_for(
    *, side: Side, product: Product, price: Decimal, quantity: Decimal, table: ChargeTable
) -> Charges:
    """The charges on an order of `quantity` shares executed at `price`."""
    if price < 0 or quantity < 0:
        raise ValueError("charges are computed on a non-negative price and quantity")
    rates = table.rates(product)
    buying = Side(side) == Side.BUY
    with localcontext(prec=_PRECISION):
        turnover = price * quantity
        brokerage = turnover * rates.brokerage_rate
        if rates.brokerage_max is not None:
            brokerage = min(brokerage, rates.brokerage_max)
        brokerage = to_paisa(brokerage)
        exchange = to_paisa(turnover * rates.exchange)
        sebi = to_paisa(turnover * rates.sebi)
        return Charges(
            brokerage=brokerage,
            stt=to_paisa(turnover * (rates.stt_buy if buying else rates.stt_sell)),
            exchange=exchange,
            sebi=sebi,
            gst=to_paisa((brokerage + exchange + sebi) * table.gst),
            stamp=to_paisa(turnover * rates.stamp_buy) if buying else ZERO,
        )
