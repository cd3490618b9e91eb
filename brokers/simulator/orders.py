"""Orders and fills as the engine keeps them (Binance's vocabulary: BUY/SELL, NEW, FILLED...)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
    LIMIT_MAKER = "LIMIT_MAKER"  # post-only: refused if it would trade at once


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class Status(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"  # market/IOC/FOK remainder that could not trade


OPEN_STATUSES = frozenset({Status.NEW, Status.PARTIALLY_FILLED})


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: Side
    type: OrderType
    client_order_id: str
    quantity: Decimal | None = None
    quote_order_qty: Decimal | None = None  # market orders only: spend/receive this much quote
    price: Decimal | None = None
    time_in_force: TimeInForce | None = None


@dataclass(frozen=True)
class Fill:
    trade_id: int
    order_id: int
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_maker: bool


@dataclass
class Order:
    order_id: int
    api_key: str
    symbol: str
    client_order_id: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce | None
    price: Decimal  # 0 for market orders, as Binance reports them
    orig_qty: Decimal
    orig_quote_qty: Decimal
    created_ms: int
    maker_fee: Decimal
    taker_fee: Decimal
    updated_ms: int = 0
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    status: Status = Status.NEW
    lock_asset: str = ""
    locked: Decimal = ZERO  # what is still reserved for the unfilled part
    fills: list[Fill] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    def snapshot(self) -> Order:
        """A copy that the HTTP layer can format outside the engine's lock."""
        return replace(self, fills=list(self.fills))
