"""The paper equities ledger's moves: lock rows, hold and give back what an open order needs,
fill an order, end one. Used by engine.py (orders) and catch_up.py (time).

Every caller runs these inside a `transaction.atomic()` that has locked the account row first
(`lock_account`), then the holding or position rows they touch: the account lock serialises all
activity of one account, so two workers can never spend the same rupee or share.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings

from brokers.adapters.base import Side
from brokers.adapters.equities import Product
from brokers.errors import InsufficientFunds, InvalidOrder, OrderNotFound

from . import fills
from .charges import ChargeTable
from .models import (
    PaperEquityAccount,
    PaperEquityHolding,
    PaperEquityOrder,
    PaperEquityPosition,
    PaperEquityTrade,
)

EXCHANGE = "paper_nse"
# Intraday positions are closed at this time (IST) at the then price, and no new MIS order is
# taken after it: brokers square off between 15:15 and 15:25; 15:20 is the common choice.
MIS_SQUARE_OFF = time(15, 20)
Status = PaperEquityOrder.Status


def charge_table() -> ChargeTable:
    return ChargeTable.parse(settings.EQUITY_CHARGES)


# --- locking ------------------------------------------------------------------------------------


def lock_account(account: PaperEquityAccount) -> PaperEquityAccount:
    return PaperEquityAccount.objects.select_for_update().get(pk=account.pk)


def lock_holding(account: PaperEquityAccount, symbol: str) -> PaperEquityHolding:
    PaperEquityHolding.objects.get_or_create(account=account, symbol=symbol, defaults={"average_price": 0})
    return PaperEquityHolding.objects.select_for_update().get(account=account, symbol=symbol)


def lock_position(account: PaperEquityAccount, day: date, symbol: str, product: str) -> PaperEquityPosition:
    PaperEquityPosition.objects.get_or_create(
        account=account, trading_day=day, symbol=symbol, product=product
    )
    return PaperEquityPosition.objects.select_for_update().get(
        account=account, trading_day=day, symbol=symbol, product=product
    )


def unsettled(holding: PaperEquityHolding, day: date) -> int:
    """The shares not sellable on `day`: those bought that day (they settle T+1). Shares bought
    on an earlier trading day are sellable (an AMO placed tonight sells at tomorrow's open)."""
    return holding.bought_today if holding.bought_on is not None and holding.bought_on >= day else 0


def settle_holding_day(holding: PaperEquityHolding, day: date) -> None:
    """Forget the buys of days before `day`: they are ordinary settled shares now."""
    if holding.bought_on is not None and holding.bought_on < day:
        holding.bought_today = 0


# --- blocks: what an open order holds -----------------------------------------------------------


def block(
    account: PaperEquityAccount, order: PaperEquityOrder, *, basis: Decimal, table: ChargeTable
) -> None:
    """Hold what `order` may use: cash for a buy (turnover and charges at `basis`), shares for a
    sell (settled delivery shares for CNC, today's intraday buys for MIS)."""
    quantity = Decimal(order.quantity)
    if order.side == Side.BUY:
        needed = fills.execution_at(
            side=Side.BUY, product=Product(order.product), price=basis, quantity=quantity, table=table
        ).cash_out
        if needed > account.cash:
            raise InsufficientFunds(
                f"Insufficient funds: buying {order.quantity} {order.symbol} needs Rs {needed}, "
                f"Rs {account.cash} available",
                exchange=EXCHANGE,
            )
        account.cash -= needed
        account.blocked += needed
        account.save(update_fields=["cash", "blocked"])
        order.blocked_cash = needed
        return
    if order.product == Product.CNC:
        holding = lock_holding(account, order.symbol)
        waiting = unsettled(holding, order.trading_day)
        free = fills.sellable(
            quantity=Decimal(holding.quantity),
            bought_today=Decimal(waiting),
            blocked=Decimal(holding.sell_blocked),
        )
        if quantity > free:
            note = f" ({waiting} bought today settle T+1; sell them tomorrow)" if waiting else ""
            raise InvalidOrder(
                f"Not enough {order.symbol} in holdings: {free} sellable{note}, {order.quantity} asked",
                exchange=EXCHANGE,
            )
        holding.sell_blocked += order.quantity
        holding.save(update_fields=["sell_blocked"])
        return
    position = lock_position(account, order.trading_day, order.symbol, Product.MIS)
    open_quantity = position.buy_quantity - position.sell_quantity - position.sell_blocked
    if order.quantity > open_quantity:
        raise InvalidOrder(
            f"Paper intraday does not sell short: {open_quantity} {order.symbol} bought intraday "
            f"on {order.trading_day} can be sold, {order.quantity} asked",
            exchange=EXCHANGE,
        )
    position.sell_blocked += order.quantity
    position.save(update_fields=["sell_blocked"])


def release(account: PaperEquityAccount, order: PaperEquityOrder) -> None:
    """Give back exactly what `order` holds (it ends, or is modified and blocks again)."""
    if order.side == Side.BUY:
        account.cash += order.blocked_cash
        account.blocked -= order.blocked_cash
        account.save(update_fields=["cash", "blocked"])
        order.blocked_cash = Decimal(0)
    elif order.product == Product.CNC:
        holding = lock_holding(account, order.symbol)
        holding.sell_blocked -= order.quantity
        holding.save(update_fields=["sell_blocked"])
    else:
        position = lock_position(account, order.trading_day, order.symbol, Product.MIS)
        position.sell_blocked -= order.quantity
        position.save(update_fields=["sell_blocked"])


# --- filling ------------------------------------------------------------------------------------


def fill(
    account: PaperEquityAccount, order: PaperEquityOrder, *, price: Decimal, at: datetime, table: ChargeTable
) -> None:
    """Fill `order` whole at `price`: settle its block, move cash and shares, record the trade.
    Raises InsufficientFunds (nothing written) when the cash cannot pay, e.g. an AMO buy whose
    open gapped above what it blocked."""
    quantity = Decimal(order.quantity)
    execution = fills.execution_at(
        side=Side(order.side), product=Product(order.product), price=price, quantity=quantity, table=table
    )
    day = order.trading_day
    release(account, order)
    if order.side == Side.BUY:
        if execution.cash_out > account.cash:
            raise InsufficientFunds(
                f"Insufficient funds at the fill: {order.quantity} {order.symbol} at Rs {price} needs "
                f"Rs {execution.cash_out}, Rs {account.cash} available",
                exchange=EXCHANGE,
            )
        account.cash -= execution.cash_out
        if order.product == Product.CNC:
            holding = lock_holding(account, order.symbol)
            settle_holding_day(holding, day)
            holding.average_price = fills.average_after_buy(
                quantity=Decimal(holding.quantity),
                average=holding.average_price,
                bought=quantity,
                price=price,
            )
            holding.quantity += order.quantity
            holding.bought_today += order.quantity
            holding.bought_on = day
            holding.updated_at = at
            holding.save()
    else:
        if account.cash + execution.cash_in < 0:
            raise InsufficientFunds(
                f"The charges of this sale (Rs {execution.charges.total}) exceed its proceeds and the cash",
                exchange=EXCHANGE,
            )
        account.cash += execution.cash_in
        if order.product == Product.CNC:
            holding = lock_holding(account, order.symbol)
            settle_holding_day(holding, day)
            holding.quantity -= order.quantity
            holding.bought_today = min(holding.bought_today, holding.quantity)
            holding.updated_at = at
            holding.save()
    account.save(update_fields=["cash", "blocked"])

    position = lock_position(account, day, order.symbol, order.product)
    if order.side == Side.BUY:
        position.buy_quantity += order.quantity
        position.buy_amount += execution.turnover
    else:
        position.sell_quantity += order.quantity
        position.sell_amount += execution.turnover
    position.updated_at = at
    position.save()

    detail = execution.charges.as_dict()
    order.filled, order.average, order.status = order.quantity, price, Status.CLOSED
    order.charges, order.charges_detail, order.activated, order.updated_at = (
        execution.charges.total,
        detail,
        True,
        at,
    )
    order.save()
    PaperEquityTrade.objects.create(
        order=order,
        price=price,
        quantity=order.quantity,
        turnover=execution.turnover,
        charges=execution.charges.total,
        charges_detail=detail,
        trading_day=day,
        executed_at=at,
    )


def find_by_client_id(*, account: PaperEquityAccount, client_order_id: str) -> PaperEquityOrder | None:
    return PaperEquityOrder.objects.filter(account=account, client_order_id=client_order_id).first()


def end(
    account: PaperEquityAccount, order: PaperEquityOrder, *, status: str, now: datetime, reason: str = ""
) -> None:
    """Close an open order without a fill (canceled, expired, refused at the open)."""
    release(account, order)
    order.status, order.updated_at = status, now
    if reason:
        order.reject_reason = reason
    order.save()


def get_order(*, account: PaperEquityAccount, order_id: str, lock: bool = False) -> PaperEquityOrder:
    orders = PaperEquityOrder.objects.select_for_update() if lock else PaperEquityOrder.objects
    try:
        return orders.get(account=account, pk=uuid.UUID(str(order_id)))
    except (PaperEquityOrder.DoesNotExist, ValueError):
        raise OrderNotFound(f"order {order_id} not found", exchange=EXCHANGE) from None
