"""The broker adapter interface: the only way `trading` reaches an exchange.

Everything is typed and in `Decimal`; symbols are unified (`BTC/USDT`). Methods raise only
`brokers.errors` exceptions. An adapter is built for one exchange account (or none, for public
market data) by `brokers.adapters.registry.adapter_for(...)` (or `public_adapter(...)`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(StrEnum):
    OPEN = "open"  # resting, possibly partly filled
    CLOSED = "closed"  # completely filled
    CANCELED = "canceled"  # canceled, possibly after a partial fill
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Market:
    symbol: str  # unified, BTC/USDT
    exchange_symbol: str  # the exchange's own id, BTCUSDT
    base: str
    quote: str
    tick_size: Decimal  # price increment
    step_size: Decimal  # quantity increment
    min_qty: Decimal
    min_notional: Decimal
    max_qty: Decimal | None = None
    active: bool = True


@dataclass(frozen=True)
class Ticker:
    symbol: str
    last: Decimal
    bid: Decimal | None
    ask: Decimal | None
    timestamp: datetime


@dataclass(frozen=True)
class Candle:
    opened_at: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True)
class Balance:
    asset: str
    free: Decimal
    used: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.used


@dataclass(frozen=True)
class Order:
    id: str
    client_order_id: str
    symbol: str
    side: Side
    type: OrderType
    status: OrderStatus
    amount: Decimal
    filled: Decimal
    price: Decimal | None  # the limit price; None for market orders
    average: Decimal | None  # average fill price
    fee: Decimal = Decimal(0)
    fee_asset: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled

    @property
    def is_done(self) -> bool:
        return self.status != OrderStatus.OPEN


@dataclass(frozen=True)
class Trade:
    id: str
    order_id: str
    symbol: str
    side: Side
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_asset: str
    executed_at: datetime

    @property
    def cost(self) -> Decimal:
        return self.price * self.amount


@dataclass(frozen=True)
class AccountCheck:
    """What validation learned about an account's key."""

    can_trade: bool
    can_withdraw: bool | None  # None when the exchange does not say
    balances: dict[str, Balance] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


class BrokerAdapter(ABC):
    """One exchange (and, for private calls, one account on it)."""

    exchange_id: str

    # --- public market data ---------------------------------------------------------------------
    @abstractmethod
    def load_markets(self, *, reload: bool = False) -> dict[str, Market]: ...

    def market(self, symbol: str) -> Market:
        """The market for `BTC/USDT` or `BTCUSDT`; raises BadSymbol."""
        from brokers.errors import BadSymbol
        from brokers.symbols import normalize_symbol

        markets = self.load_markets()
        unified = normalize_symbol(symbol, markets)
        if unified is None:
            raise BadSymbol(f"{self.exchange_id} has no market {symbol}", exchange=self.exchange_id)
        return markets[unified]

    @abstractmethod
    def fetch_ticker(self, symbol: str) -> Ticker: ...

    @abstractmethod
    def fetch_tickers(self, symbols: Iterable[str]) -> dict[str, Ticker]: ...

    @abstractmethod
    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1h", *, since: datetime | None = None, limit: int | None = None
    ) -> list[Candle]: ...

    # --- private: the account -------------------------------------------------------------------
    @abstractmethod
    def fetch_balance(self) -> dict[str, Balance]: ...

    @abstractmethod
    def check_account(self) -> AccountCheck:
        """Connect with the key, check trading permission (and whether withdrawals are on), fetch
        the balance. Raises AuthenticationFailed when the key is refused."""

    @abstractmethod
    def create_order(
        self,
        *,
        symbol: str,
        side: Side,
        type: OrderType,
        amount: Decimal,
        price: Decimal | None = None,
        client_order_id: str,
    ) -> Order: ...

    @abstractmethod
    def fetch_order(self, *, symbol: str, order_id: str) -> Order: ...

    @abstractmethod
    def fetch_order_by_client_id(self, *, symbol: str, client_order_id: str) -> Order: ...

    @abstractmethod
    def cancel_order(self, *, symbol: str, order_id: str) -> Order: ...

    @abstractmethod
    def fetch_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    @abstractmethod
    def fetch_my_trades(
        self, symbol: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[Trade]: ...

    def close(self) -> None:  # noqa: B027  optional hook: adapters with sessions release them
        """Release connections (optional)."""


__all__: Sequence[str] = (
    "AccountCheck",
    "Balance",
    "BrokerAdapter",
    "Candle",
    "Market",
    "Order",
    "OrderStatus",
    "OrderType",
    "Side",
    "Ticker",
    "Trade",
)
