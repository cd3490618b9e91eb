"""Reads of the paper equities ledger, answered in the adapter interface's types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Q, QuerySet

from brokers.adapters.base import OrderStatus, OrderType, Side, Trade
from brokers.adapters.equities import CURRENCY, EquityOrder, Funds, Holding, Position, Product
from brokers.nse_calendar import IST
from brokers.paper_math import plain

from . import fills
from .ledger import unsettled
from .models import (
    PaperEquityAccount,
    PaperEquityHolding,
    PaperEquityOrder,
    PaperEquityPosition,
    PaperEquityTrade,
)

# What a Kotak order book says for each state, so the trader reads the same words on paper.
_BROKER_STATUS = {
    PaperEquityOrder.Status.OPEN: "open",
    PaperEquityOrder.Status.CLOSED: "complete",
    PaperEquityOrder.Status.CANCELED: "cancelled",
    PaperEquityOrder.Status.REJECTED: "rejected",
    PaperEquityOrder.Status.EXPIRED: "lapsed",
}
ZERO = Decimal(0)


def _d(value: Decimal | None) -> Decimal:
    return plain(value) or ZERO


def to_equity_order(order: PaperEquityOrder) -> EquityOrder:
    waiting_amo = order.status == PaperEquityOrder.Status.OPEN and not order.activated
    return EquityOrder(
        id=str(order.pk),
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=Side(order.side),
        type=OrderType(order.type),
        status=OrderStatus(order.status),
        amount=Decimal(order.quantity),
        filled=Decimal(order.filled),
        price=plain(order.price),
        average=plain(order.average),
        fee=_d(order.charges),
        fee_asset=CURRENCY,
        created_at=order.created_at,
        updated_at=order.updated_at,
        product=Product(order.product),
        amo=order.amo,
        broker_status="after market order req received" if waiting_amo else _BROKER_STATUS[order.status],
        reject_reason=order.reject_reason,
    )


def to_trade(trade: PaperEquityTrade) -> Trade:
    return Trade(
        id=str(trade.pk),
        order_id=str(trade.order_id),
        symbol=trade.order.symbol,
        side=Side(trade.order.side),
        price=_d(trade.price),
        amount=Decimal(trade.quantity),
        fee=_d(trade.charges),
        fee_asset=CURRENCY,
        executed_at=trade.executed_at,
    )


def open_orders(*, account: PaperEquityAccount, symbol: str | None = None) -> QuerySet[PaperEquityOrder]:
    orders = PaperEquityOrder.objects.filter(account=account, status=PaperEquityOrder.Status.OPEN)
    return orders.filter(symbol=symbol) if symbol else orders


def day_orders(*, account: PaperEquityAccount, today: date) -> QuerySet[PaperEquityOrder]:
    """Today's order book: orders working today (AMOs placed last night included) and orders
    placed today (tonight's AMOs included), newest first."""
    midnight = datetime.combine(today, time(0), tzinfo=IST)
    return (
        PaperEquityOrder.objects.filter(account=account)
        .filter(Q(trading_day=today) | Q(created_at__gte=midnight))
        .order_by("-created_at", "-id")
    )


def trades_for(
    *, account: PaperEquityAccount, symbol: str, since: datetime | None = None, limit: int | None = None
) -> list[Trade]:
    trades = PaperEquityTrade.objects.select_related("order").filter(
        order__account=account, order__symbol=symbol
    )
    if since is not None:
        chosen = trades.filter(executed_at__gte=since).order_by("executed_at", "id")
        rows = list(chosen[:limit] if limit else chosen)
    elif limit:
        rows = list(trades.order_by("-executed_at", "-id")[:limit])[::-1]
    else:
        rows = list(trades.order_by("executed_at", "id"))
    return [to_trade(t) for t in rows]


def holdings(
    *, account: PaperEquityAccount, today: date, last_prices: Mapping[str, Decimal]
) -> list[Holding]:
    rows = PaperEquityHolding.objects.filter(account=account, quantity__gt=0)
    return [_holding(row, today, last_prices.get(row.symbol)) for row in rows]


def _holding(row: PaperEquityHolding, today: date, last: Decimal | None) -> Holding:
    return Holding(
        symbol=row.symbol,
        quantity=Decimal(row.quantity),
        sellable_quantity=fills.sellable(
            quantity=Decimal(row.quantity),
            bought_today=Decimal(unsettled(row, today)),
            blocked=Decimal(row.sell_blocked),
        ),
        average_price=_d(row.average_price),
        last_price=last,
    )


def holding_symbols(*, account: PaperEquityAccount) -> list[str]:
    return list(
        PaperEquityHolding.objects.filter(account=account, quantity__gt=0).values_list("symbol", flat=True)
    )


def positions(
    *, account: PaperEquityAccount, today: date, last_prices: Mapping[str, Decimal]
) -> list[Position]:
    rows = PaperEquityPosition.objects.filter(account=account, trading_day=today)
    return [
        Position(
            symbol=row.symbol,
            product=Product(row.product),
            buy_quantity=Decimal(row.buy_quantity),
            sell_quantity=Decimal(row.sell_quantity),
            buy_amount=_d(row.buy_amount),
            sell_amount=_d(row.sell_amount),
            last_price=last_prices.get(row.symbol),
        )
        for row in rows
    ]


def position_symbols(*, account: PaperEquityAccount, today: date) -> list[str]:
    rows = PaperEquityPosition.objects.filter(account=account, trading_day=today)
    return sorted(set(rows.values_list("symbol", flat=True)))


def funds(account: PaperEquityAccount) -> Funds:
    account.refresh_from_db(fields=["cash", "blocked"])
    return Funds(available_cash=_d(account.cash), used_margin=_d(account.blocked))
