"""Orders and fills as the simulator keeps them; `rows.py` renders them in Kotak's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .symbols import ScripSpec

OPEN = "open"
TRIGGER_PENDING = "trigger pending"
AMO_RECEIVED = "after market order req received"
COMPLETE = "complete"
CANCELLED = "cancelled"
REJECTED = "rejected"
LIVE = frozenset({OPEN, TRIGGER_PENDING, AMO_RECEIVED})

BUY, SELL = "B", "S"
CNC, MIS = "CNC", "MIS"
MARKET, LIMIT, STOP_LIMIT, STOP_MARKET = "MKT", "L", "SL", "SL-M"
ORDER_TYPES = (MARKET, LIMIT, STOP_LIMIT, STOP_MARKET)
PRODUCTS = (CNC, MIS)
VALIDITIES = ("DAY", "IOC")


@dataclass
class Order:
    number: str
    ucc: str
    spec: ScripSpec
    side: str
    product: str
    order_type: str
    validity: str
    quantity: int
    price: Decimal
    trigger: Decimal
    amo: bool
    tag: str
    gui_id: str
    created_ms: int
    exchange_id: str
    status: str = OPEN
    reject_reason: str = ""
    filled: int = 0
    avg_price: Decimal = Decimal(0)
    cancelled_qty: int = 0
    updated_ms: int = 0
    block: Decimal = Decimal(0)  # cash this order holds back while live
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled

    @property
    def is_market(self) -> bool:
        """A market order, or a stop-market order once triggered."""
        return self.order_type == MARKET or (self.order_type == STOP_MARKET and self.status == OPEN)

    def crosses(self, ticks_price: Decimal) -> bool:
        """Whether a limit price is reached by the market at `ticks_price`."""
        return ticks_price <= self.price if self.side == BUY else ticks_price >= self.price

    def triggered_by(self, price: Decimal) -> bool:
        return price >= self.trigger if self.side == BUY else price <= self.trigger


@dataclass(frozen=True)
class Fill:
    order: Order
    fill_id: str
    quantity: int
    price: Decimal
    at_ms: int
