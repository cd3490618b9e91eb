"""Placing, modifying and cancelling orders on the paper equities ledger.

Each use case runs in one `transaction.atomic()` that first locks the account row
(`select_for_update`), which serialises all order activity of one account (so the client order
id check is race-free); the cash, share and fill moves are ledger.py's. Market data is fetched
by the caller before the transaction: no row is locked while waiting on the network. `now`
comes from the caller's clock, so tests can cross nights and holidays.

A refused order is kept in the order book with its reason, as a broker shows it, and the
refusal is raised (`InvalidOrder` / `InsufficientFunds`) after that row is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from brokers.adapters.base import Market, OrderType, Side
from brokers.adapters.equities import Product
from brokers.errors import BrokerError, InsufficientFunds, InvalidOrder
from brokers.nse_calendar import IST, nse_calendar

from . import fills
from .charges import ChargeTable
from .ledger import (
    EXCHANGE,
    MIS_SQUARE_OFF,
    Status,
    block,
    charge_table,
    end,
    fill,
    find_by_client_id,
    get_order,
    lock_account,
    release,
)
from .models import PaperEquityAccount, PaperEquityOrder


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: Side
    type: OrderType
    product: Product
    amo: bool
    quantity: Decimal
    price: Decimal | None
    client_order_id: str


# --- placing ------------------------------------------------------------------------------------


def _validate(request: OrderRequest, market: Market) -> None:
    if not market.active:
        raise InvalidOrder(f"{market.symbol} is not trading", exchange=EXCHANGE)
    quantity = request.quantity
    if quantity <= 0 or quantity != quantity.to_integral_value():
        raise InvalidOrder(f"Quantity must be a whole number of shares, not {quantity}", exchange=EXCHANGE)
    if request.type == OrderType.LIMIT:
        if request.price is None or request.price <= 0:
            raise InvalidOrder("A limit order needs a price above zero", exchange=EXCHANGE)
        if request.price % market.tick_size != 0:
            raise InvalidOrder(
                f"Price {request.price} is not a multiple of the tick size {market.tick_size}",
                exchange=EXCHANGE,
            )


def _session_rules(request: OrderRequest, now: datetime) -> date:
    """The session the order works in, or InvalidOrder when it cannot be placed now."""
    calendar = nse_calendar()
    local = now.astimezone(IST)
    next_open = calendar.next_open(now).astimezone(IST)
    opens = f"{next_open:%a %d %b %Y} 09:15 IST"
    if request.amo:
        if not calendar.amo_accepted(now):
            raise InvalidOrder(
                "After-market orders are taken from 15:45 to 09:00 IST and all day when the market is "
                "shut; place a regular order while the market is open",
                exchange=EXCHANGE,
            )
        return next_open.date()
    if not calendar.is_open(now):
        raise InvalidOrder(
            f"The NSE market is closed; it opens {opens}. Place an AMO to fill at the open.",
            exchange=EXCHANGE,
        )
    if request.product == Product.MIS and local.time() >= MIS_SQUARE_OFF:
        raise InvalidOrder(
            "Intraday (MIS) orders are not taken after the 15:20 IST square-off", exchange=EXCHANGE
        )
    return local.date()


def order_place(
    *,
    account: PaperEquityAccount,
    market: Market,
    last_price: Decimal,
    request: OrderRequest,
    now: datetime,
    table: ChargeTable | None = None,
) -> PaperEquityOrder:
    """Place `request` at the last price `last_price`. A regular market order fills at once; a
    limit order fills at once when the market has crossed it, else rests with its cash or shares
    blocked; an AMO waits for the next open. A retry with the same client order id returns the
    order placed first (or raises its refusal again)."""
    table = table or charge_table()
    if not request.client_order_id or len(request.client_order_id) > 64:
        raise InvalidOrder("client order id must be 1 to 64 characters", exchange=EXCHANGE)
    _validate(request, market)  # malformed requests are answered, not booked
    refusal: BrokerError | None = None
    with transaction.atomic():
        account = lock_account(account)
        existing = find_by_client_id(account=account, client_order_id=request.client_order_id)
        if existing is not None:
            if existing.status == Status.REJECTED:
                raise InvalidOrder(existing.reject_reason, exchange=EXCHANGE)
            return existing
        order = PaperEquityOrder(
            account=account,
            client_order_id=request.client_order_id,
            symbol=market.symbol,
            exchange_symbol=market.exchange_symbol,
            side=request.side,
            type=request.type,
            product=request.product,
            amo=request.amo,
            quantity=int(request.quantity),
            price=request.price if request.type == OrderType.LIMIT else None,
            tick_size=market.tick_size,
            trading_day=now.astimezone(IST).date(),
            created_at=now,
            updated_at=now,
        )
        try:
            with transaction.atomic():  # a savepoint: a refusal undoes every block taken
                _accept(account, order, request, market, last_price=last_price, now=now, table=table)
        except (InvalidOrder, InsufficientFunds) as exc:
            refusal = exc
            account.refresh_from_db()
            order.status, order.reject_reason, order.blocked_cash = Status.REJECTED, exc.message, Decimal(0)
            order.activated = False
            order.save()
    if refusal is not None:
        raise refusal
    return order


def _accept(
    account: PaperEquityAccount,
    order: PaperEquityOrder,
    request: OrderRequest,
    market: Market,
    *,
    last_price: Decimal,
    now: datetime,
    table: ChargeTable,
) -> None:
    order.trading_day = _session_rules(request, now)
    slippage = account.slippage_bps
    if last_price <= 0:
        raise InvalidOrder(f"No price for {market.symbol} to place an order at", exchange=EXCHANGE)
    price_now = fills.fill_price(
        Side(order.side),
        OrderType(order.type),
        last=last_price,
        limit=order.price,
        slippage_bps=slippage,
        tick=market.tick_size,
    )
    # A buy blocks at the price it may pay: its limit, or where a market order fills now.
    basis = (
        order.price
        if order.price is not None
        else (
            fills.fill_price(
                Side.BUY,
                OrderType.MARKET,
                last=last_price,
                limit=None,
                slippage_bps=slippage,
                tick=market.tick_size,
            )
            or last_price
        )
    )
    order.activated = not request.amo
    order.save()
    block(account, order, basis=basis, table=table)
    order.save(update_fields=["blocked_cash"])
    if order.activated and price_now is not None:
        fill(account, order, price=price_now, at=now, table=table)


def order_modify(
    *,
    account: PaperEquityAccount,
    order_id: str,
    last_price: Decimal,
    quantity: Decimal | None,
    price: Decimal | None,
    type: OrderType | None,
    now: datetime,
    table: ChargeTable | None = None,
) -> PaperEquityOrder:
    """Change an open order's quantity, price or type: its block is given back and taken again on
    the new terms (all or nothing), and it fills at once if the market now crosses it."""
    table = table or charge_table()
    with transaction.atomic():
        account = lock_account(account)
        order = get_order(account=account, order_id=order_id, lock=True)
        if order.status != Status.OPEN:
            raise InvalidOrder(
                f"Order {order.pk} is {order.status}; only open orders can be modified", exchange=EXCHANGE
            )
        if order.activated and not nse_calendar().is_open(now):
            raise InvalidOrder(
                "The NSE market is closed; this day order can no longer change", exchange=EXCHANGE
            )
        release(account, order)
        new_type = OrderType(type or order.type)
        new_price = price if price is not None else order.price
        if new_type == OrderType.MARKET:
            new_price = None
        elif new_price is None or new_price <= 0 or new_price % order.tick_size != 0:
            raise InvalidOrder(
                f"A limit price on the tick {order.tick_size} is needed, not {new_price}", exchange=EXCHANGE
            )
        if quantity is not None:
            if quantity <= 0 or quantity != quantity.to_integral_value():
                raise InvalidOrder(
                    f"Quantity must be a whole number of shares, not {quantity}", exchange=EXCHANGE
                )
            order.quantity = int(quantity)
        order.type, order.price, order.updated_at = new_type, new_price, now
        slippage, tick = account.slippage_bps, order.tick_size
        market_price = fills.fill_price(
            Side.BUY, OrderType.MARKET, last=last_price, limit=None, slippage_bps=slippage, tick=tick
        )
        basis = new_price if new_price is not None else (market_price or last_price)
        block(account, order, basis=basis, table=table)
        order.save()
        price_now = fills.fill_price(
            Side(order.side), new_type, last=last_price, limit=new_price, slippage_bps=slippage, tick=tick
        )
        if order.activated and price_now is not None:
            fill(account, order, price=price_now, at=now, table=table)
    return order


def order_cancel(*, account: PaperEquityAccount, order_id: str, now: datetime) -> PaperEquityOrder:
    """Cancel an open order and give back what it held. A done order is returned as it is."""
    with transaction.atomic():
        account = lock_account(account)
        order = get_order(account=account, order_id=order_id, lock=True)
        if order.status != Status.OPEN:
            return order
        end(account, order, status=Status.CANCELED, now=now)
    return order
