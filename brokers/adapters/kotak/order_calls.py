"""Placing, changing, cancelling and reading orders on Kotak Neo."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from brokers.adapters.base import Market, OrderStatus, OrderType, Side, Trade
from brokers.adapters.equities import EquityOrder, Product
from brokers.errors import BrokerError, ExchangeUnavailable, InvalidOrder, OrderNotFound

from .answers import refusal_error
from .client import KotakClient
from .exactly_once import Attempt, AttemptBook, tag_for, tag_of
from .markets import NSE_CASH, nse_symbol
from .numbers import ist_time
from .orders import PRICE_TYPES, SIDES, is_amo, order_from_row, trade_from_row

logger = logging.getLogger(__name__)
PLACE_PATH = "quick/order/rule/ms/place"
MODIFY_PATH = "quick/order/vr/modify"
CANCEL_PATH = "quick/order/cancel"
HISTORY_PATH = "quick/order/history"
BOOK_PATH = "quick/user/orders"
TRADES_PATH = "quick/user/trades"
ORDER_SOURCE = "NEOTRADEAPI"  # what Kotak's SDK sends as `os`


class OrderCalls:
    def __init__(
        self,
        *,
        client: KotakClient,
        attempts: AttemptBook,
        exchange_id: str,
        timeout: float,
        now: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.attempts = attempts
        self.exchange_id = exchange_id
        self.timeout = timeout
        self.now = now
        self._owners: dict[str, str] = {}  # order id -> client order id, once known

    # --- place ----------------------------------------------------------------------------------
    def place(
        self,
        *,
        market: Market,
        token: str,
        side: Side,
        type: OrderType,
        quantity: Decimal,
        price: Decimal | None,
        product: Product,
        amo: bool,
        client_order_id: str,
    ) -> EquityOrder:
        """One request, never repeated here: on ExchangeUnavailable the caller looks the order
        up with `fetch_by_client_id` before any retry."""
        if quantity <= 0 or quantity != quantity.to_integral_value():
            raise InvalidOrder(
                f"Quantity must be a whole number of shares, not {quantity}", exchange=self.exchange_id
            )
        if type == OrderType.LIMIT and (price is None or price <= 0):
            raise InvalidOrder("A limit order needs a price", exchange=self.exchange_id)
        attempt = Attempt(
            client_order_id=client_order_id,
            tag=tag_for(client_order_id),
            exchange_symbol=market.exchange_symbol,
            side=SIDES[side],
            quantity=quantity,
            product=product.value,
            started_at=self.now(),
            timeout=self.timeout,
        )
        self.attempts.begin(attempt)
        answer = self.client.private(
            "POST", PLACE_PATH, jdata=_place_form(market, token, attempt, type, price, amo)
        )
        order_id = str(answer.get("nOrdNo") or "")
        if not order_id:
            raise ExchangeUnavailable(
                "Kotak Neo accepted the order without an order number; the outcome is unknown",
                exchange=self.exchange_id,
            )
        self.attempts.bind(attempt, order_id)
        self._owners[order_id] = client_order_id
        try:
            order = self.fetch(order_id)
        except (ExchangeUnavailable, OrderNotFound):
            logger.info("kotak order %s placed; its state will be read later", order_id)
            return _placed(
                order_id, client_order_id, market, side, type, quantity, price, product, amo, self.now()
            )
        if order.status == OrderStatus.REJECTED:
            # Kotak takes the request, then its risk checks refuse the order: the trader reads why.
            raise refusal_error(order.reject_reason or order.broker_status, exchange=self.exchange_id)
        return order

    # --- change ---------------------------------------------------------------------------------
    def modify(
        self, *, order_id: str, quantity: Decimal | None, price: Decimal | None, type: OrderType | None
    ) -> EquityOrder:
        row = self._resting_row(order_id, action="changed")
        if quantity is not None and (quantity <= 0 or quantity != quantity.to_integral_value()):
            raise InvalidOrder(
                f"Quantity must be a whole number of shares, not {quantity}", exchange=self.exchange_id
            )
        # Unchanged terms are sent as the order has them (a stop order stays a stop order).
        price_type = PRICE_TYPES[type] if type is not None else str(row.get("prcTp") or "L")
        kept_price = str(row.get("prc") or "0")
        form = {
            "tk": str(row.get("tok", "")),
            "mp": "0",
            "pc": str(row.get("prod", "")),
            "dd": "NA",
            "dq": "0",
            "vd": str(row.get("vldt") or "DAY"),
            "ts": str(row.get("trdSym", "")),
            "tt": str(row.get("trnsTp", "")),
            "pr": "0" if price_type in ("MKT", "SL-M") else str(price) if price is not None else kept_price,
            "pt": price_type,
            "fq": str(row.get("fldQty", "0")),
            "am": "YES" if is_amo(row) else "NO",
            "tp": str(row.get("trgPrc") or "0"),
            "qt": str(int(quantity)) if quantity is not None else str(row.get("qty", "")),
            "no": order_id,
            "es": str(row.get("exSeg") or NSE_CASH),
        }
        answer = self.client.private("POST", MODIFY_PATH, jdata=form)
        return self.fetch(str(answer.get("nOrdNo") or order_id))

    def cancel(self, order_id: str) -> EquityOrder:
        row = self._resting_row(order_id, action="cancelled")
        self.client.private("POST", CANCEL_PATH, jdata={"on": order_id, "am": "YES" if is_amo(row) else "NO"})
        return self.fetch(order_id)

    def _resting_row(self, order_id: str, *, action: str) -> dict[str, Any]:
        row = self._history_row(order_id)
        order = self._order(row)
        if order.is_done:
            raise InvalidOrder(
                f"Order {order_id} is {order.broker_status or order.status.value} and cannot be {action}",
                exchange=self.exchange_id,
            )
        return row

    # --- read -----------------------------------------------------------------------------------
    def fetch(self, order_id: str) -> EquityOrder:
        return self._order(self._history_row(order_id))

    def _history_row(self, order_id: str) -> dict[str, Any]:
        try:
            answer = self.client.private("POST", HISTORY_PATH, jdata={"nOrdNo": order_id})
        except InvalidOrder:
            raise OrderNotFound(f"Kotak Neo has no order {order_id}", exchange=self.exchange_id) from None
        rows = _rows(answer)
        if not rows:
            raise OrderNotFound(f"Kotak Neo has no order {order_id}", exchange=self.exchange_id)
        # The history lists the order's states; the latest is the order as it stands.
        return max(rows, key=_row_clock)

    def fetch_by_client_id(self, client_order_id: str) -> EquityOrder:
        rows = self._book_rows()
        attempt = self.attempts.get(client_order_id)
        if attempt is None:
            tag = tag_for(client_order_id)
            found = next((row for row in rows if tag_of(row) == tag), None)
        else:
            found = self.attempts.find(attempt, rows)
            if found is not None and not attempt.order_id:
                self.attempts.bind(attempt, str(found.get("nOrdNo")))
        if found is None:
            raise OrderNotFound(f"No Kotak Neo order for {client_order_id}", exchange=self.exchange_id)
        self._owners[str(found.get("nOrdNo"))] = client_order_id
        return self._order(found)

    def book(self) -> list[EquityOrder]:
        orders = [self._order(row) for row in self._book_rows()]
        orders.sort(key=lambda o: (o.created_at is not None, o.created_at, o.id), reverse=True)
        return orders

    def trades(self) -> list[Trade]:
        rows = _rows(self.client.private("GET", TRADES_PATH))
        trades = (trade_from_row(row, symbol=nse_symbol(_trading_symbol(row))) for row in rows)
        return [t for t in trades if t is not None]

    def _book_rows(self) -> list[dict[str, Any]]:
        return [row for row in _rows(self.client.private("GET", BOOK_PATH)) if row.get("nOrdNo")]

    def _order(self, row: dict[str, Any]) -> EquityOrder:
        return order_from_row(row, symbol=nse_symbol(_trading_symbol(row)), client_order_id=self._owner(row))

    def _owner(self, row: dict[str, Any]) -> str:
        order_id = str(row.get("nOrdNo", ""))
        if order_id not in self._owners:
            try:
                owner = self.attempts.owner(order_id)
            except BrokerError:
                owner = ""
            if not owner:
                return tag_of(row)
            self._owners[order_id] = owner
        return self._owners[order_id]


def _place_form(
    market: Market, token: str, attempt: Attempt, type: OrderType, price: Decimal | None, amo: bool
) -> dict[str, str]:
    return {
        "am": "YES" if amo else "NO",
        "dq": "0",
        "es": NSE_CASH,
        "mp": "0",
        "pc": attempt.product,
        "pf": "N",
        "pr": "0" if type == OrderType.MARKET else str(price),
        "pt": PRICE_TYPES[type],
        "qt": str(int(attempt.quantity)),
        "rt": "DAY",
        "tp": "0",
        "ts": market.exchange_symbol,
        "tt": attempt.side,
        "ig": attempt.tag,
        "tk": token,
        "os": ORDER_SOURCE,
    }


def _placed(
    order_id: str,
    client_order_id: str,
    market: Market,
    side: Side,
    type: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    product: Product,
    amo: bool,
    at: datetime,
) -> EquityOrder:
    """What we know of an order Kotak took when its state cannot be read right now."""
    return EquityOrder(
        id=order_id,
        client_order_id=client_order_id,
        symbol=market.symbol,
        side=side,
        type=type,
        status=OrderStatus.OPEN,
        amount=quantity,
        filled=Decimal(0),
        price=price if type == OrderType.LIMIT else None,
        average=None,
        created_at=at,
        updated_at=at,
        product=product,
        amo=amo,
    )


def _trading_symbol(row: dict[str, Any]) -> str:
    return str(row.get("trdSym") or row.get("sym") or "")


def _row_clock(row: dict[str, Any]) -> str:
    # Equal times keep Kotak's order (newest first): max() returns the first of equals.
    updated = ist_time(row.get("flDtTm")) or ist_time(row.get("hsUpTm")) or ist_time(row.get("ordDtTm"))
    return updated.isoformat() if updated else ""


def _rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    data = answer.get("data")
    return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
