"""A simulator account: the credentials a trader logs in with, cash, holdings, today's positions,
orders and fills. Plain data; `engine.py` changes it under the app's lock."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from decimal import Decimal

import pyotp

from .orders import BUY, CNC, SELL, Fill, Order

DEFAULT_FUNDS = Decimal(500_000)
DEMO_HOLDINGS: dict[str, tuple[int, Decimal]] = {
    "RELIANCE": (10, Decimal(1400)),
    "INFY": (25, Decimal(1500)),
}


@dataclass(frozen=True, repr=False)
class KotakSimCredentials:
    """What a trader needs to log in to a simulator account (the repr shows no secret)."""

    consumer_key: str
    consumer_secret: str
    mobile_number: str
    ucc: str
    mpin: str
    totp_secret: str

    def __repr__(self) -> str:
        return f"KotakSimCredentials(ucc={self.ucc!r}, consumer_key=***)"


def new_credentials(**given: str) -> KotakSimCredentials:
    """Credentials with every field not given made up (Kotak's shapes: a 10-digit mobile number
    with +91, a 5-character UCC, a 6-digit MPIN, a base32 TOTP secret)."""
    digits, upper = string.digits, string.ascii_uppercase
    made = {
        "consumer_key": secrets.token_hex(16),
        "consumer_secret": secrets.token_hex(16),
        "mobile_number": "+919" + "".join(secrets.choice(digits) for _ in range(9)),
        "ucc": "".join(secrets.choice(upper) for _ in range(2))
        + "".join(secrets.choice(digits) for _ in range(3)),
        "mpin": "".join(secrets.choice(digits) for _ in range(6)),
        "totp_secret": pyotp.random_base32(),
    }
    made.update({k: v for k, v in given.items() if v})
    made["ucc"] = made["ucc"].upper()
    try:
        pyotp.TOTP(made["totp_secret"]).byte_secret()
    except ValueError:
        raise ValueError("totp_secret must be base32 of at least 112 bits (e.g. 32 characters)") from None
    return KotakSimCredentials(**made)


def same_mobile(stored: str, given: str) -> bool:
    def last10(text: str) -> str:
        return "".join(ch for ch in text if ch.isdigit())[-10:]

    return bool(given) and last10(stored) == last10(given)


@dataclass
class Holding:
    quantity: int
    average_price: Decimal


@dataclass
class Position:
    buy_qty: int = 0
    sell_qty: int = 0
    buy_amount: Decimal = Decimal(0)
    sell_amount: Decimal = Decimal(0)
    updated_ms: int = 0

    @property
    def net(self) -> int:
        return self.buy_qty - self.sell_qty


@dataclass
class Account:
    credentials: KotakSimCredentials
    cash: Decimal
    holdings: dict[str, Holding] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)  # (symbol, product)
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    tags: dict[str, set[str]] = field(default_factory=dict)  # IST day -> tags used

    @property
    def ucc(self) -> str:
        return self.credentials.ucc

    @property
    def blocked(self) -> Decimal:
        return sum((o.block for o in self.orders.values() if o.live), Decimal(0))

    @property
    def available(self) -> Decimal:
        return self.cash - self.blocked

    def pending_cnc_sells(self, symbol: str, *, besides: Order | None = None) -> int:
        return sum(
            o.remaining
            for o in self.orders.values()
            if o.live and o is not besides and o.side == SELL and o.product == CNC and o.spec.symbol == symbol
        )

    def live_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if o.live]

    def settle(self, order: Order, qty: int, price: Decimal, now_ms: int) -> None:
        """A fill's effect on today's position and, for delivery (CNC), on holdings."""
        symbol = order.spec.symbol
        position = self.positions.setdefault((symbol, order.product), Position())
        if order.side == BUY:
            position.buy_qty += qty
            position.buy_amount += price * qty
        else:
            position.sell_qty += qty
            position.sell_amount += price * qty
        position.updated_ms = now_ms
        if order.product != CNC:
            return
        held = self.holdings.get(symbol) or Holding(0, Decimal(0))
        if order.side == BUY:
            total = held.average_price * held.quantity + price * qty
            self.holdings[symbol] = Holding(held.quantity + qty, total / (held.quantity + qty))
        elif held.quantity > qty:
            self.holdings[symbol] = Holding(held.quantity - qty, held.average_price)
        else:
            self.holdings.pop(symbol, None)
