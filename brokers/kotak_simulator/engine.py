"""The order system: placing, modifying and cancelling orders, Kotak's risk checks (an order that
fails them is numbered, then rejected, as on the real system), fills, holdings and funds.
`timeline.py` moves time (opens, steps, square-off, close); every call runs under the app's lock."""

from __future__ import annotations

import itertools
from decimal import Decimal

from brokers.nse_calendar import NSECalendar

from .accounts import Account
from .market import Market, Quote
from .orders import (
    AMO_RECEIVED,
    BUY,
    CANCELLED,
    CNC,
    COMPLETE,
    MIS,
    OPEN,
    REJECTED,
    SELL,
    STOP_MARKET,
    TRIGGER_PENDING,
    Fill,
    Order,
)
from .symbols import scrip_index
from .validation import NewOrder, OrderRefused, Terms, read_new_order, read_terms
from .wire import ist, money, utc

HOLDINGS_RULE = (
    "RMS:Rule: Check holdings including pending sell orders exceeds for entity account-{ucc} "
    "across exchange across segment across product"
)
MARGIN_RULE = (
    "RMS:Margin Exceeds,Required:{required}, Available:{available} for entity account-{ucc} "
    "across exchange across segment across product"
)


class Engine:
    def __init__(self, market: Market, calendar: NSECalendar) -> None:
        self.market = market
        self.calendar = calendar
        self.index = scrip_index(tuple(q.spec for q in market.quotes.values()))
        self.accounts: dict[str, Account] = {}  # consumer key -> account
        self._numbers = itertools.count(1)
        self._fills = itertools.count(1)

    def account_by_ucc(self, ucc: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.ucc == ucc.upper()), None)

    def quote(self, order: Order) -> Quote:
        return self.market.quotes[order.spec.symbol]

    # --- placing --------------------------------------------------------------------------------
    def place(self, account: Account, data: dict[str, str], now_ms: int) -> Order:
        new = read_new_order(data, self.index)
        at = utc(now_ms)
        if new.amo and not self.calendar.amo_accepted(at):
            raise OrderRefused(1005, "AMO orders are not accepted at this time.")
        if not new.amo and not self.calendar.is_open(at):
            raise OrderRefused(1005, "Market is closed. Place an after market order (AMO).")
        day = ist(now_ms).date().isoformat()
        if new.tag and new.tag in account.tags.get(day, set()):
            raise OrderRefused(32, "error from core")  # Kotak wants tags unique per day
        order = self._new_order(account, new, now_ms)
        if new.tag:
            account.tags.setdefault(day, set()).add(new.tag)
        account.orders[order.number] = order
        self._record(order, now_ms)
        reason = self._risk(account, order)
        if reason:
            self._finish(order, REJECTED, now_ms, reason)
        elif not new.amo:
            self.match(account, order, now_ms, at_market=True)
            if order.live and order.validity == "IOC" and order.status == OPEN:
                self._finish(order, CANCELLED, now_ms)
        return order

    def _new_order(self, account: Account, new: NewOrder, now_ms: int) -> Order:
        serial = next(self._numbers)
        terms = new.terms
        status = AMO_RECEIVED if new.amo else TRIGGER_PENDING if terms.trigger else OPEN
        return Order(
            number=f"{ist(now_ms):%y%m%d}{serial:09d}",
            ucc=account.ucc,
            spec=new.spec,
            side=new.side,
            product=new.product,
            order_type=terms.order_type,
            validity=terms.validity,
            quantity=terms.quantity,
            price=terms.price,
            trigger=terms.trigger,
            amo=new.amo,
            tag=new.tag,
            gui_id=new.tag or _made_up_gui_id(account.ucc, now_ms, serial),
            created_ms=now_ms,
            exchange_id=f"11{serial:014d}",
            status=status,
            updated_ms=now_ms,
        )

    def _risk(self, account: Account, order: Order) -> str:
        """The RMS check: '' when the order may live (and then its cash is blocked)."""
        order.block = Decimal(0)
        if order.side == SELL and order.product == CNC:
            held = account.holdings.get(order.spec.symbol)
            free = (held.quantity if held else 0) - account.pending_cnc_sells(
                order.spec.symbol, besides=order
            )
            return "" if order.remaining <= free else HOLDINGS_RULE.format(ucc=account.ucc)
        if order.side == SELL:
            position = account.positions.get((order.spec.symbol, MIS))
            if position is not None and position.net >= order.remaining:
                return ""  # closing an intraday long needs no margin
        price = order.price or self.quote(order).price()
        required = price * order.remaining
        if required > account.available:
            return MARGIN_RULE.format(
                ucc=account.ucc, required=money(required), available=money(account.available)
            )
        order.block = required
        return ""

    # --- changing ---------------------------------------------------------------------------------
    def modify(self, account: Account, data: dict[str, str], now_ms: int) -> Order:
        order = account.orders.get(data.get("no", ""))
        if order is None:
            raise OrderRefused(1006, "Order not found")
        if not order.live:
            raise OrderRefused(1006, f"Order cannot be modified as it is already {order.status}.")
        old = (order.order_type, order.price, order.trigger, order.quantity, order.validity, order.block)
        terms = read_terms(data, order.spec, validity_field="vd", current=_terms_of(order))
        if terms.quantity <= order.filled:
            raise OrderRefused(1009, "Invalid Quantity")
        order.order_type, order.price, order.trigger = terms.order_type, terms.price, terms.trigger
        order.quantity, order.validity = terms.quantity, terms.validity
        reason = self._risk(account, order)
        if reason:
            order.order_type, order.price, order.trigger, order.quantity, order.validity, order.block = old
            raise OrderRefused(1005, reason)
        if order.status != AMO_RECEIVED:
            order.status = TRIGGER_PENDING if order.trigger else OPEN
        order.gui_id = _made_up_gui_id(account.ucc, now_ms, int(order.number[-9:]))  # as Kotak does
        order.updated_ms = now_ms
        self._record(order, now_ms)
        if order.status != AMO_RECEIVED:
            self.match(account, order, now_ms, at_market=True)
        return order

    def cancel(self, account: Account, number: str, now_ms: int) -> Order:
        order = account.orders.get(number)
        if order is None or not order.live:
            raise OrderRefused(1006, "Order already cancelled or not found.")
        order.gui_id = f"{order.tag or order.gui_id}-{now_ms // 1000}"  # as Kotak does
        self._finish(order, CANCELLED, now_ms)
        return order

    # --- matching ---------------------------------------------------------------------------------
    def match(self, account: Account, order: Order, now_ms: int, *, at_market: bool) -> None:
        """Trigger and fill `order` against the current price: at the market price when it has just
        reached the market (placement, modification, the open), else at its limit."""
        ltp = self.quote(order).price()
        if order.status == TRIGGER_PENDING and order.triggered_by(ltp):
            order.status = OPEN
            self._record(order, now_ms)
            at_market = at_market or order.order_type == STOP_MARKET
        if order.status != OPEN:
            return
        if order.is_market:
            self.fill(account, order, ltp, now_ms)
        elif order.crosses(ltp):
            self.fill(account, order, ltp if at_market else order.price, now_ms)

    def match_all(self, now_ms: int) -> None:
        for account in self.accounts.values():
            for order in account.live_orders():
                if order.status != AMO_RECEIVED:
                    self.match(account, order, now_ms, at_market=order.order_type == STOP_MARKET)

    def fill(self, account: Account, order: Order, price: Decimal, now_ms: int) -> None:
        qty = order.remaining
        cost = price * qty
        if order.side == BUY and cost > account.available + order.block:
            required, available = money(cost), money(account.available + order.block)
            reason = MARGIN_RULE.format(ucc=account.ucc, required=required, available=available)
            self._finish(order, REJECTED, now_ms, reason)
            return
        order.avg_price = (order.avg_price * order.filled + cost) / (order.filled + qty)
        order.filled += qty
        account.cash += -cost if order.side == BUY else cost
        account.settle(order, qty, price, now_ms)
        account.fills.append(Fill(order, f"{next(self._fills)}", qty, price, now_ms))
        self._finish(order, COMPLETE, now_ms)

    def _finish(self, order: Order, status: str, now_ms: int, reason: str = "") -> None:
        if status == CANCELLED:
            order.cancelled_qty = order.remaining
        order.status, order.reject_reason, order.block, order.updated_ms = status, reason, Decimal(0), now_ms
        self._record(order, now_ms)

    @staticmethod
    def _record(order: Order, now_ms: int) -> None:
        order.history.append({"status": order.status, "reason": order.reject_reason, "at_ms": now_ms})

    def square_off_mis(self, now_ms: int) -> None:
        """15:20 IST: open MIS orders cancelled, MIS positions closed at the market."""
        for account in self.accounts.values():
            for order in account.live_orders():
                if order.product == MIS and order.status != AMO_RECEIVED:
                    self._finish(order, CANCELLED, now_ms)
            for (symbol, product), position in list(account.positions.items()):
                if product == MIS and position.net:
                    data = {
                        "es": "nse_cm",
                        "ts": f"{symbol}-EQ",
                        "qt": str(abs(position.net)),
                        "pc": MIS,
                        "pt": "MKT",
                        "tt": SELL if position.net > 0 else BUY,
                        "rt": "DAY",
                    }
                    self.place(account, data, now_ms)

    def expire_day_orders(self, now_ms: int) -> None:
        for account in self.accounts.values():
            for order in account.live_orders():
                if order.status != AMO_RECEIVED:
                    self._finish(order, CANCELLED, now_ms)


def _terms_of(order: Order) -> Terms:
    return Terms(order.order_type, order.price, order.trigger, order.quantity, order.validity)


def _made_up_gui_id(ucc: str, now_ms: int, serial: int) -> str:
    return f"{now_ms // 1000}-{serial % 1_000_000:06d}-{ucc}-ADMINAPI"
