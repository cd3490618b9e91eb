"""The records of the old service's files and the words they use, pure: one frozen dataclass
per kind of record, each with the line of its file it starts on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

TRADES_FILE = "trades_history.json"
PENDING_FILE = "pending_orders.json"
RECOMMENDED_FILE = "system_recommended_symbols.json"
PAPER_ORDERS_FILE = "orders.json"
PAPER_HOLDINGS_FILE = "holdings.json"
PAPER_TRANSACTIONS_FILE = "transactions.json"
KNOWN_FILES = (
    TRADES_FILE,
    PENDING_FILE,
    RECOMMENDED_FILE,
    PAPER_ORDERS_FILE,
    PAPER_HOLDINGS_FILE,
    PAPER_TRANSACTIONS_FILE,
)
PAPER_FILES = (PAPER_ORDERS_FILE, PAPER_HOLDINGS_FILE, PAPER_TRANSACTIONS_FILE)

# The kinds of record, in the order they are read and applied.
TRADE = "trade"
FAILED_ORDER = "failed_order"
PENDING_ORDER = "pending_order"
RECOMMENDED = "recommended_symbol"
PAPER_ORDER = "paper_order"
PAPER_HOLDING = "paper_holding"
PAPER_TRANSACTION = "paper_transaction"
KINDS = (TRADE, FAILED_ORDER, PENDING_ORDER, RECOMMENDED, PAPER_ORDER, PAPER_HOLDING, PAPER_TRANSACTION)
FILE_OF_KIND = {
    TRADE: TRADES_FILE,
    FAILED_ORDER: TRADES_FILE,
    PENDING_ORDER: PENDING_FILE,
    RECOMMENDED: RECOMMENDED_FILE,
    PAPER_ORDER: PAPER_ORDERS_FILE,
    PAPER_HOLDING: PAPER_HOLDINGS_FILE,
    PAPER_TRANSACTION: PAPER_TRANSACTIONS_FILE,
}

PNL_TOLERANCE = Decimal(1)  # rupees: the old service rounded its PnL
PAPER_ORDER_ID = re.compile(r"^PT(\d{8})(\d{4,})$")

# --- the records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReEntry:
    qty: int
    price: Decimal
    time: datetime
    rsi: Decimal | None
    level: int | None


@dataclass(frozen=True)
class Trade:
    line: int
    symbol: str
    placed_symbol: str
    ticker: str
    entry_price: Decimal
    entry_time: datetime
    rsi10: Decimal | None
    ema9: Decimal | None
    ema200: Decimal | None
    capital: Decimal
    qty: int  # of the first buy; each re-entry adds its own
    levels_taken: list[Any]
    status: str  # open | closed
    entry_type: str
    reentries: list[ReEntry]
    exit_price: Decimal | None
    exit_time: datetime | None
    exit_reason: str
    sell_order_id: str
    pnl: Decimal | None
    pnl_pct: Decimal | None

    @property
    def total_qty(self) -> int:
        return self.qty + sum(r.qty for r in self.reentries)

    @property
    def key(self) -> tuple[str, datetime, Decimal, int]:
        """What makes two trades the same: symbol, entry time, entry price, quantity."""
        return (self.symbol, self.entry_time, self.entry_price, self.qty)


@dataclass(frozen=True)
class FailedOrder:
    line: int
    symbol: str
    ticker: str
    qty: int
    price: Decimal | None
    reason: str
    failed_at: datetime
    verdict: str
    combined_score: Decimal | None
    target: Decimal | None
    stop: Decimal | None


@dataclass(frozen=True)
class PendingOrder:
    line: int
    order_id: str
    symbol: str
    ticker: str
    qty: int
    order_type: str  # market | limit
    variety: str
    price: Decimal | None
    placed_at: datetime
    status: str  # pending | filled | failed | cancelled (normalized)
    rejection_reason: str
    executed_qty: int


@dataclass(frozen=True)
class RecommendedSymbol:
    line: int
    symbol: str
    ticker: str
    verdict: str
    combined_score: Decimal
    close: Decimal
    qty: int
    target: Decimal | None
    stop: Decimal | None
    date: date


@dataclass(frozen=True)
class PaperOrder:
    line: int
    order_id: str
    symbol: str
    quantity: int
    order_type: str  # market | limit
    transaction_type: str  # buy | sell
    price: Decimal | None
    product_type: str  # CNC | MIS
    variety: str  # REGULAR | AMO
    exchange: str
    validity: str
    status: str  # open | executed | rejected | cancelled (normalized)
    placed_at: datetime
    executed_at: datetime | None
    executed_price: Decimal | None
    executed_quantity: int


@dataclass(frozen=True)
class PaperHolding:
    line: int
    symbol: str
    quantity: int
    average_price: Decimal
    current_price: Decimal | None
    cost_basis: Decimal | None
    market_value: Decimal | None
    pnl: Decimal | None
    pnl_percentage: Decimal | None


@dataclass(frozen=True)
class PaperTransaction:
    line: int
    order_id: str
    symbol: str
    transaction_type: str  # buy | sell
    quantity: int
    price: Decimal
    order_value: Decimal
    charges: Decimal
    timestamp: datetime


Record = Trade | FailedOrder | PendingOrder | RecommendedSymbol | PaperOrder | PaperHolding | PaperTransaction

# --- the accepted words --------------------------------------------------------------------------

TRADE_STATUS = {"OPEN": "open", "CLOSED": "closed"}
ORDER_TYPE = {"MARKET": "market", "MKT": "market", "LIMIT": "limit", "L": "limit"}
PENDING_STATUS = {
    "PENDING": "pending",
    "OPEN": "pending",
    "PLACED": "pending",
    "TRIGGER_PENDING": "pending",
    "AMO_REQ_RECEIVED": "pending",
    "COMPLETE": "filled",
    "EXECUTED": "filled",
    "FILLED": "filled",
    "REJECTED": "failed",
    "FAILED": "failed",
    "CANCELLED": "cancelled",
    "CANCELED": "cancelled",
    "EXPIRED": "cancelled",
}
SIDE = {"BUY": "buy", "B": "buy", "SELL": "sell", "S": "sell"}
PRODUCT = {"CNC": "CNC", "DELIVERY": "CNC", "MIS": "MIS", "INTRADAY": "MIS"}
VARIETY = {"REGULAR": "REGULAR", "AMO": "AMO"}
VALIDITY = {"DAY": "DAY", "IOC": "IOC"}
PAPER_STATUS = {
    "PENDING": "open",
    "OPEN": "open",
    "COMPLETE": "executed",
    "EXECUTED": "executed",
    "FILLED": "executed",
    "REJECTED": "rejected",
    "CANCELLED": "cancelled",
    "CANCELED": "cancelled",
    "EXPIRED": "cancelled",
}
