"""Reading a place or modify `jData` the way Kotak's order system checks it, before any risk
check: a refusal here creates no order and is answered `stat: Not_Ok` at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .orders import LIMIT, ORDER_TYPES, PRODUCTS, STOP_LIMIT, STOP_MARKET, VALIDITIES
from .symbols import SEGMENT, ScripSpec

TAG = re.compile(r"[A-Za-z0-9_-]{1,20}")


class OrderRefused(Exception):
    def __init__(self, st_code: int, message: str) -> None:
        super().__init__(message)
        self.st_code = st_code
        self.message = message


@dataclass(frozen=True)
class Terms:
    """What may change on an order: its type, price, trigger, quantity and validity."""

    order_type: str
    price: Decimal
    trigger: Decimal
    quantity: int
    validity: str


@dataclass(frozen=True)
class NewOrder:
    spec: ScripSpec
    side: str
    product: str
    amo: bool
    tag: str
    terms: Terms


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text or "0")
    except InvalidOperation:
        raise OrderRefused(1005, f"Invalid {what}") from None
    if not value.is_finite() or value < 0:
        raise OrderRefused(1005, f"Invalid {what}")
    return value


def _quantity(text: str) -> int:
    if not text or not text.strip().isdigit() or int(text) <= 0:
        raise OrderRefused(1009, "Invalid Quantity")
    return int(text)


def read_terms(
    data: dict[str, str], spec: ScripSpec, *, validity_field: str, current: Terms | None = None
) -> Terms:
    order_type = data.get("pt") or (current.order_type if current else "")
    if order_type not in ORDER_TYPES:
        raise OrderRefused(1005, "Invalid Order Type")
    validity = data.get(validity_field) or (current.validity if current else "DAY")
    if validity not in VALIDITIES:
        raise OrderRefused(1005, "Invalid Validity")
    quantity = _quantity(data["qt"]) if data.get("qt") or current is None else current.quantity
    price = _decimal(data.get("pr", ""), "Price")
    trigger = _decimal(data.get("tp", ""), "Trigger Price")
    if order_type in (LIMIT, STOP_LIMIT):
        if price <= 0:
            raise OrderRefused(1005, "Invalid Price")
    else:
        price = Decimal(0)  # a market order's price is the market's
    if order_type in (STOP_LIMIT, STOP_MARKET):
        if trigger <= 0:
            raise OrderRefused(1005, "Invalid Trigger Price")
    else:
        trigger = Decimal(0)
    for value in (price, trigger):
        if value and not spec.on_tick(value):
            raise OrderRefused(1005, f"Price is not in multiples of tick size {spec.tick}")
    return Terms(order_type, price, trigger, quantity, validity)


def read_new_order(data: dict[str, str], index: dict[str, ScripSpec]) -> NewOrder:
    if data.get("es", "") != SEGMENT:
        raise OrderRefused(1006, "Invalid Exchange")
    spec = index.get(data.get("ts", "").strip().upper())
    if spec is None or data.get("ts", "").strip().upper() != spec.trading_symbol:
        raise OrderRefused(1007, "Invalid Symbol")
    _quantity(data.get("qt", ""))
    product = data.get("pc", "")
    if product not in PRODUCTS:
        raise OrderRefused(1005, "Invalid Product")
    side = data.get("tt", "")
    if side not in ("B", "S"):
        raise OrderRefused(1005, "Invalid Transaction Type")
    amo = (data.get("am") or "NO").upper()
    if amo not in ("YES", "NO"):
        raise OrderRefused(1005, "Invalid AMO")
    tag = data.get("ig") or ""
    if tag and not TAG.fullmatch(tag):
        raise OrderRefused(1005, "Invalid Tag")
    terms = read_terms(data, spec, validity_field="rt")
    return NewOrder(spec, side, product, amo == "YES", tag, terms)
