"""Writing a plan's rows, inside the apply's transaction. Every row created is appended to `rows`
as [app_label.model, pk], parents before children, so a rollback deletes exactly these.

A trade becomes the rows the engine itself would have written for it (a group, its pyramid, its
filled AMO buys and sell, their fills), and the group's numbers come from the engine's own
accounting (trading/positions/accounting.py), not from the file's figures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models

from brokers.adapters.base import Market
from brokers.kotak_simulator.symbols import TICK_SMALL, scrip_index
from brokers.markets import market_to_json
from brokers.paper_equities.models import (
    PaperEquityAccount,
    PaperEquityHolding,
    PaperEquityOrder,
    PaperEquityTrade,
)
from trading.equities.models import Recommendation, StrategyPosition
from trading.positions import accounting
from trading.positions.models import (
    NSE_EMA9,
    DCAOrder,
    Fill,
    GroupStatus,
    OrderRole,
    OrderStatus,
    PositionGroup,
    Pyramid,
)
from trading.positions.services import orders_summary

from . import formats as f
from .fields import india_day
from .planning import SIDE, TIMEFRAME, RecommendationRow

RUPEE = Decimal("0.01")
PRICE = Decimal("0.0001")
SCRIPS = scrip_index()


class Rows:
    """The rows one batch created, in order, and its client order id counter."""

    def __init__(self, batch_id: Any) -> None:
        self.batch_id = str(batch_id)
        self.prefix = f"lg{batch_id.hex[:10]}"
        self.created: list[list[Any]] = []
        self.orders = 0

    def add(self, row: models.Model) -> Any:
        self.created.append([row._meta.label_lower, str(row.pk)])
        return row

    def client_order_id(self) -> str:
        self.orders += 1
        return f"{self.prefix}{self.orders:06d}"  # 18 characters, fixed per batch and position


def tick_of(symbol: str) -> Decimal:
    spec = SCRIPS.get(symbol)
    return spec.tick if spec is not None else TICK_SMALL


def nse_market(symbol: str) -> dict[str, Any]:
    """The market rules a group keeps (whole shares, the NSE tick)."""
    market = Market(
        symbol=symbol,
        exchange_symbol=f"{symbol}-EQ",
        base=symbol,
        quote="INR",
        tick_size=tick_of(symbol),
        step_size=Decimal(1),
        min_qty=Decimal(1),
        min_notional=Decimal(0),
    )
    return market_to_json(market)


# --- trades --------------------------------------------------------------------------------------


def _filled_order(
    rows: Rows,
    *,
    group: PositionGroup,
    pyramid: Pyramid,
    role: str,
    level: int,
    side: str,
    qty: int,
    price: Decimal,
    at: Any,
    order_type: str,
    amo: bool,
    reason: str = "",
    exchange_order_id: str = "",
) -> DCAOrder:
    order = rows.add(
        DCAOrder.objects.create(
            user_id=group.user_id,
            group=group,
            pyramid=pyramid,
            role=role,
            level=level,
            symbol=group.symbol,
            side=side,
            order_type=order_type,
            amo=amo,
            price=price if order_type == "limit" else None,
            quantity=Decimal(qty),
            client_order_id=rows.client_order_id(),
            exchange_order_id=exchange_order_id,
            status=OrderStatus.FILLED,
            filled_quantity=Decimal(qty),
            avg_fill_price=price,
            reason=reason,
            created_at=at,
            submitted_at=at,
            acknowledged_at=at,
        )
    )
    rows.add(
        Fill.objects.create(
            user_id=group.user_id,
            order=order,
            trade_id=f"legacy-{order.client_order_id}",
            price=price,
            quantity=Decimal(qty),
            executed_at=at,
        )
    )
    return order


def write_trade(rows: Rows, *, user: Any, account: Any, trade: f.Trade) -> PositionGroup:
    closed = trade.status == "closed"
    group = rows.add(
        PositionGroup.objects.create(
            user=user,
            account=account,
            exchange=account.exchange,
            symbol=trade.symbol,
            timeframe=TIMEFRAME,
            side=SIDE,
            strategy=NSE_EMA9,
            status=GroupStatus.CLOSED if closed else GroupStatus.ACTIVE,
            market_snapshot=nse_market(trade.symbol),
            config_snapshot={"strategy": NSE_EMA9, "legacy_import": rows.batch_id},
            pyramid_count=1,
            close_reason=trade.exit_reason if closed else "",
            opened_at=trade.entry_time,
            closed_at=trade.exit_time if closed else None,
        )
    )
    pyramid = rows.add(
        Pyramid.objects.create(
            group=group,
            index=0,
            entry_price=trade.entry_price,
            capital=trade.capital,
            created_at=trade.entry_time,
            closed_at=trade.exit_time if closed else None,
        )
    )
    buy = {"group": group, "pyramid": pyramid, "role": OrderRole.LEG, "side": "buy", "order_type": "market"}
    legs = [
        _filled_order(
            rows, **buy, level=0, qty=trade.qty, price=trade.entry_price, at=trade.entry_time, amo=True
        )
    ]
    for level, again in enumerate(trade.reentries, start=1):
        legs.append(
            _filled_order(rows, **buy, level=level, qty=again.qty, price=again.price, at=again.time, amo=True)
        )
    orders = list(legs)
    if closed and trade.exit_price is not None:
        sell = _filled_order(
            rows,
            group=group,
            pyramid=pyramid,
            role=OrderRole.CLOSE,
            level=0,
            side="sell",
            qty=trade.total_qty,
            price=trade.exit_price,
            at=trade.exit_time,
            order_type="limit",  # the old service sold with a LIMIT at the EMA9
            amo=False,
            reason=trade.exit_reason,
            exchange_order_id=trade.sell_order_id,
        )
        # The sell closes every leg, shared as the engine shares a group close.
        shares = accounting.allocate(sell.filled_quantity, {leg.pk: leg.filled_quantity for leg in legs})
        for leg in legs:
            leg.closed_quantity = shares.get(leg.pk, Decimal(0))
            leg.save(update_fields=["closed_quantity", "updated_at"])
        orders.append(sell)
    _set_numbers(group, orders)
    rows.add(
        StrategyPosition.objects.create(
            group=group,
            user=user,
            symbol=trade.symbol,
            entry_rsi=trade.rsi10,
            entry_ema9=trade.ema9,
            entry_ema200=trade.ema200,
            levels_taken=trade.levels_taken,
            last_reentry_on=india_day(trade.reentries[-1].time) if trade.reentries else None,
        )
    )
    return group


def _set_numbers(group: PositionGroup, orders: list[DCAOrder]) -> None:
    """The group's position from its orders, as trading.positions.services.group_refresh computes
    it (without its events, logs and hooks: an import is history, not news)."""
    summary = orders_summary(orders)
    group.bought_quantity = summary.bought
    group.filled_quantity = summary.held
    group.avg_entry = summary.avg_entry
    group.cost_basis = summary.cost_basis
    group.total_invested = summary.invested
    group.fees = summary.fees
    group.realized_pnl = summary.realized
    group.save()


# --- recommendations -----------------------------------------------------------------------------


def write_recommendation(rows: Rows, *, user: Any, row: RecommendationRow) -> Recommendation:
    return rows.add(
        Recommendation.objects.create(
            user=user,
            day=row.day,
            symbol=row.symbol,
            verdict=row.verdict,
            combined=row.combined,
            close=row.close,
            quantity=row.quantity,
            capital=row.capital,
            target=row.target,
            stop=row.stop,
            status=row.status,
            reason=row.reason,
        )
    )


# --- the paper ledger ----------------------------------------------------------------------------

PAPER_STATUS = {
    "open": PaperEquityOrder.Status.EXPIRED,  # never live: the paper engine would fill it now
    "executed": PaperEquityOrder.Status.CLOSED,
    "rejected": PaperEquityOrder.Status.REJECTED,
    "cancelled": PaperEquityOrder.Status.CANCELED,
}


def write_paper_order(rows: Rows, *, ledger: PaperEquityAccount, order: f.PaperOrder) -> PaperEquityOrder:
    status = PAPER_STATUS[order.status]
    filled = order.executed_quantity if order.status == "executed" else 0
    if status == PaperEquityOrder.Status.CLOSED and filled < order.quantity:
        status = PaperEquityOrder.Status.CANCELED  # partly filled, the rest never will be
    note = {
        "open": "Open in the old service when it was imported; not placed again.",
        "rejected": "Rejected in the old service.",
    }.get(order.status, "")
    price = order.price.quantize(PRICE, ROUND_HALF_UP) if order.price else None
    average = order.executed_price.quantize(PRICE, ROUND_HALF_UP) if order.executed_price and filled else None
    return rows.add(
        PaperEquityOrder.objects.create(
            account=ledger,
            client_order_id=order.order_id,
            symbol=order.symbol,
            exchange_symbol=f"{order.symbol}-EQ",
            side=order.transaction_type,
            type=order.order_type,
            product=order.product_type,
            amo=order.variety == "AMO",
            quantity=order.quantity,
            price=price,
            tick_size=tick_of(order.symbol),
            status=status,
            filled=filled,
            average=average,
            reject_reason=note,
            trading_day=india_day(order.placed_at),
            activated=True,
            created_at=order.placed_at,
            updated_at=order.executed_at or order.placed_at,
        )
    )


def write_paper_trade(
    rows: Rows, *, ledger: PaperEquityAccount, tx: f.PaperTransaction, orders: dict[str, PaperEquityOrder]
) -> PaperEquityTrade:
    order = orders.get(tx.order_id) or PaperEquityOrder.objects.get(
        account=ledger, client_order_id=tx.order_id
    )
    charges = tx.charges.quantize(RUPEE, ROUND_HALF_UP)
    trade = rows.add(
        PaperEquityTrade.objects.create(
            order=order,
            price=tx.price.quantize(PRICE, ROUND_HALF_UP),
            quantity=tx.quantity,
            turnover=tx.order_value.quantize(RUPEE, ROUND_HALF_UP),
            charges=charges,
            charges_detail={"total": str(charges), "source": "old service"},
            trading_day=india_day(tx.timestamp),
            executed_at=tx.timestamp,
        )
    )
    if tx.order_id in orders:  # an order of this batch carries the charges of its fills
        order.charges += charges
        order.save(update_fields=["charges"])
    return trade


def write_paper_holding(
    rows: Rows, *, ledger: PaperEquityAccount, holding: f.PaperHolding
) -> PaperEquityHolding:
    return rows.add(
        PaperEquityHolding.objects.create(
            account=ledger,
            symbol=holding.symbol,
            quantity=holding.quantity,
            average_price=holding.average_price.quantize(PRICE, ROUND_HALF_UP),
        )
    )
