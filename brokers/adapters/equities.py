"""The equities extension of the adapter interface: what a stock broker (Kotak Neo, the Kotak
simulator, paper equities) offers beyond a crypto exchange.

Symbols are NSE symbols (`RELIANCE`); `Market.exchange_symbol` is the broker's trading symbol
(`RELIANCE-EQ`), `Market.quote` is `INR`, quantities are whole shares (`step_size` 1). An order
carries its product (CNC delivery, MIS intraday) and whether it is an after-market order (AMO),
which the exchange fills at the next open. Holdings are delivery shares (settled or T1);
positions are today's net trades per product; funds are the cash limits in INR.

`create_order` (the base method) places a CNC, non-AMO order, so the engine's generic code works
unchanged; the strategy calls `create_equity_order` to choose the product and AMO.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .base import BrokerAdapter, Order, OrderType, Side

CURRENCY = "INR"


class Product(StrEnum):
    CNC = "CNC"  # delivery: shares land in holdings
    MIS = "MIS"  # intraday: squared off the same day


@dataclass(frozen=True)
class EquityOrder(Order):
    product: Product = Product.CNC
    amo: bool = False
    # The broker's own words for the state and any refusal, shown to the trader as they are.
    broker_status: str = ""
    reject_reason: str = ""


@dataclass(frozen=True)
class Holding:
    symbol: str  # NSE symbol, RELIANCE
    quantity: Decimal  # all delivery shares, T1 included
    sellable_quantity: Decimal  # what may be sold today
    average_price: Decimal
    last_price: Decimal | None

    @property
    def market_value(self) -> Decimal | None:
        return None if self.last_price is None else self.quantity * self.last_price

    @property
    def unrealized_pnl(self) -> Decimal | None:
        return None if self.last_price is None else (self.last_price - self.average_price) * self.quantity


@dataclass(frozen=True)
class Position:
    symbol: str
    product: Product
    buy_quantity: Decimal
    sell_quantity: Decimal
    buy_amount: Decimal  # INR paid for today's buys
    sell_amount: Decimal  # INR received for today's sells
    last_price: Decimal | None = None

    @property
    def net_quantity(self) -> Decimal:
        return self.buy_quantity - self.sell_quantity


@dataclass(frozen=True)
class Funds:
    available_cash: Decimal  # what new orders may use
    used_margin: Decimal  # held by open orders and today's trades
    collateral: Decimal = Decimal(0)
    currency: str = CURRENCY

    @property
    def total(self) -> Decimal:
        return self.available_cash + self.used_margin


class EquitiesBrokerAdapter(BrokerAdapter):
    """A stock broker account. Errors are `brokers.errors` as for every adapter: a rejection is
    `InvalidOrder`/`InsufficientFunds` with the broker's message; a timeout or 5xx is
    `ExchangeUnavailable` (outcome unknown: look the order up before any retry)."""

    currency = CURRENCY

    @abstractmethod
    def create_equity_order(
        self,
        *,
        symbol: str,
        side: Side,
        type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
        product: Product = Product.CNC,
        amo: bool = False,
        client_order_id: str,
    ) -> EquityOrder: ...

    def create_order(
        self,
        *,
        symbol: str,
        side: Side,
        type: OrderType,
        amount: Decimal,
        price: Decimal | None = None,
        client_order_id: str,
    ) -> Order:
        return self.create_equity_order(
            symbol=symbol, side=side, type=type, quantity=amount, price=price, client_order_id=client_order_id
        )

    @abstractmethod
    def modify_order(
        self,
        *,
        symbol: str,
        order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        type: OrderType | None = None,
    ) -> EquityOrder:
        """Change a resting order's price, quantity or type; raises InvalidOrder when it is done."""

    @abstractmethod
    def fetch_orders(self) -> list[EquityOrder]:
        """Today's order book: every order of the day, whatever its state, newest first."""

    @abstractmethod
    def fetch_holdings(self) -> list[Holding]: ...

    @abstractmethod
    def fetch_positions(self) -> list[Position]: ...

    @abstractmethod
    def fetch_funds(self) -> Funds: ...


__all__ = [
    "CURRENCY",
    "EquitiesBrokerAdapter",
    "EquityOrder",
    "Funds",
    "Holding",
    "Position",
    "Product",
]
