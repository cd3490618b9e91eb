"""The strategy's buys: the 16:05 AMO buys of the day's recommendations (and the re-entries of
held stocks whose RSI fell through a level), and the 09:00 retry of those that failed.

A buy is an engine position group like a TradingView entry (`strategy` NSE_EMA9): a group, its
pyramid, one MARKET CNC after-market order (`amo`), placed exactly once by the engine's order
placement; the broker fills it at the next open and the engine's fill monitor records the fill.
The trader's `max_portfolio_size` is the strategy's own limit; the execution pool of TradingView
signals is not used. Funds are checked before an order is sent: a buy that the balance cannot
pay is kept `failed` with the amounts, for the 09:00 retry.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from brokers.adapters.cache import cached_adapter_for
from brokers.adapters.equities import EquitiesBrokerAdapter
from brokers.errors import BrokerError
from brokers.markets import market_to_json
from brokers.nse_calendar import nse_calendar
from trading.equities.models import (
    EquitiesStrategy,
    Recommendation,
    RecommendationStatus,
    StrategyPosition,
    SymbolAnalysis,
)
from trading.equities.services.analysis import close_to_analyse, rules_key
from trading.equities.services.config import candle_source, strategy_params
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import position_capital, position_quantity, reentry_level, reentry_reset
from trading.execution.services.order_rows import enqueue_cancel, new_order
from trading.execution.services.orders import place_after_commit
from trading.positions.events import position_event
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    NSE_EMA9,
    OPEN_GROUP_STATUSES,
    DCAOrder,
    GroupStatus,
    OrderRole,
    OrderStatus,
    PositionGroup,
    Pyramid,
)
from trading.runtime.journal import amount, trade_log

TIMEFRAME = "1d"
MAX_RETRIES = 3
ZERO = Decimal(0)


def strategy_groups(user_id: Any) -> Any:
    return PositionGroup.objects.filter(user_id=user_id, strategy=NSE_EMA9, status__in=OPEN_GROUP_STATUSES)


def recommendations_sync(*, user_id: Any) -> int:
    """Carry each ordered recommendation's order outcome onto it: filled, or failed with the
    broker's words (then the 09:00 retry takes it). Returns how many changed."""
    changed = 0
    ordered = Recommendation.objects.filter(
        user_id=user_id, status=RecommendationStatus.ORDERED
    ).select_related("order")
    for rec in ordered:
        order = rec.order
        if order is None:
            continue
        if order.status == OrderStatus.FILLED or (order.filled_quantity > 0 and not order.is_live):
            rec.status, rec.reason = RecommendationStatus.FILLED, ""
        elif order.status in (OrderStatus.FAILED, OrderStatus.CANCELLED) and order.filled_quantity == 0:
            rec.status = RecommendationStatus.FAILED
            rec.reason = order.last_error or f"the order was {order.status}"
        else:
            continue
        rec.save(update_fields=["status", "reason", "updated_at"])
        changed += 1
    return changed


def _adapter(strategy: EquitiesStrategy) -> EquitiesBrokerAdapter:
    adapter = cached_adapter_for(strategy.account)
    if not isinstance(adapter, EquitiesBrokerAdapter):
        raise BrokerError(
            f"{strategy.account.exchange} is not a stock broker", exchange=strategy.account.exchange
        )
    return adapter


class _Buyer:
    """One task's buys for one trader: capacity and cash counted down as orders are planned."""

    def __init__(self, strategy: EquitiesStrategy, now: datetime) -> None:
        self.strategy = strategy
        self.params = strategy_params(strategy)
        self.now = now
        self.adapter = _adapter(strategy)
        self.open = {g.symbol: g for g in strategy_groups(strategy.user_id).filter(account=strategy.account)}
        self.capacity = self.params.max_portfolio_size - len(self.open)
        self.cash = self.adapter.fetch_funds().available_cash
        self.amo = nse_calendar().amo_accepted(now)
        self.done: dict[str, list[str]] = {"ordered": [], "skipped": [], "failed": [], "replaced": []}

    def skip(self, rec: Recommendation, why: str, status: str = RecommendationStatus.SKIPPED) -> None:
        rec.status, rec.reason = status, why
        rec.attempts += 1 if status == RecommendationStatus.FAILED else 0
        rec.save(update_fields=["status", "reason", "attempts", "updated_at"])
        self.done["failed" if status == RecommendationStatus.FAILED else "skipped"].append(rec.symbol)
        trade_log(
            self.strategy.user_id,
            f"NSE strategy: {rec.symbol} not bought: {why}.",
            symbol=rec.symbol,
            recommendation_id=str(rec.pk),
        )

    def buy(self, rec: Recommendation) -> None:
        held = self.open.get(rec.symbol)
        pending = _pending_buy(held) if held is not None else None
        if held is not None and pending is None:
            self.skip(rec, "already held")
            return
        if held is None and self.capacity <= 0:
            size = self.params.max_portfolio_size
            self.skip(rec, f"the portfolio is full ({size} of {size} holdings)")
            return
        cost = rec.close * rec.quantity
        if cost > self.cash:
            self.skip(
                rec,
                f"insufficient funds: {amount(cost)} INR needed, {amount(self.cash)} available",
                RecommendationStatus.FAILED,
            )
            return
        with transaction.atomic():
            if pending is not None:  # yesterday's unfilled buy: cancel it, buy today's plan instead
                DCAOrder.objects.filter(pk=pending.pk).update(
                    cancel_requested=True, updated_at=timezone.now()
                )
                enqueue_cancel(pending)
                self.done["replaced"].append(rec.symbol)
            try:
                with transaction.atomic():
                    group, order = self._place(rec, held)
            except IntegrityError:  # another run opened this symbol a moment ago
                self.skip(rec, "already held")
                return
            rec.status, rec.reason, rec.group, rec.order = RecommendationStatus.ORDERED, "", group, order
            rec.attempts += 1
            rec.save(update_fields=["status", "reason", "group", "order", "attempts", "updated_at"])
        if held is None:
            self.capacity -= 1
            self.open[rec.symbol] = group
        self.cash -= cost
        self.done["ordered"].append(rec.symbol)

    def _place(self, rec: Recommendation, group: PositionGroup | None) -> tuple[PositionGroup, DCAOrder]:
        if group is None:
            market = self.adapter.market(rec.symbol)
            group = PositionGroup.objects.create(
                user_id=self.strategy.user_id,
                account=self.strategy.account,
                exchange=self.strategy.account.exchange,
                symbol=rec.symbol,
                timeframe=TIMEFRAME,
                side="long",
                strategy=NSE_EMA9,
                status=GroupStatus.WAITING,
                pyramid_count=1,
                max_pyramids=1 + len(self.params.reentry_levels),
                market_snapshot=market_to_json(market),
                config_snapshot={"strategy": NSE_EMA9, "params": self.params.to_mapping()},
                last_pyramid_at=self.now,
            )
            indicators = rec.analysis.indicators if rec.analysis else {}
            StrategyPosition.objects.create(
                group=group,
                user_id=self.strategy.user_id,
                symbol=rec.symbol,
                entry_rsi=_dec(indicators.get("rsi")),
                entry_ema9=_dec(indicators.get("ema9")),
                entry_ema200=_dec(indicators.get("ema200")),
                target=rec.target,
                stop=rec.stop,
            )
            position_event(group)
        return group, self.order(group, rec.quantity, rec.close, rec.capital, level=0, what=rec.verdict)

    def order(
        self, group: PositionGroup, quantity: int, price: Decimal, capital: Decimal, *, level: int, what: str
    ) -> DCAOrder:
        index = group.pyramids.count()
        pyramid = Pyramid.objects.create(
            group=group, index=index, entry_price=price, capital=capital, created_at=self.now
        )
        order = new_order(
            user_id=group.user_id,
            group=group,
            pyramid=pyramid,
            role=OrderRole.LEG,
            level=level,
            symbol=group.symbol,
            side="buy",
            order_type="market",
            amo=self.amo,
            price=None,
            quantity=Decimal(quantity),
        )
        order.save()
        place_after_commit([order])
        kind = "MARKET AMO CNC" if self.amo else "MARKET CNC"
        trade_log(
            group.user_id,
            f"NSE strategy: buying {quantity} {group.symbol} ({what}, {kind}, last close {amount(price)}).",
            symbol=group.symbol,
            group_id=str(group.pk),
            order_id=str(order.pk),
        )
        return order


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _pending_buy(group: PositionGroup) -> DCAOrder | None:
    """The group's buy still waiting at the broker with nothing bought yet (else None)."""
    if group.filled_quantity > 0:
        return None
    return (
        DCAOrder.objects.filter(group=group, role=OrderRole.LEG, side="buy", status__in=LIVE_ORDER_STATUSES)
        .order_by("-created_at")
        .first()
    )


def amo_buys(*, user_id: Any, now: datetime | None = None) -> dict[str, Any]:
    """The 16:05 task: an AMO buy for each planned recommendation of today's close, best first,
    up to the portfolio size; then the re-entries of held stocks."""
    now = now or timezone.now()
    strategy = EquitiesStrategy.objects.select_related("account").get(user_id=user_id)
    day = close_to_analyse(now)
    recommendations_sync(user_id=user_id)
    buyer = _Buyer(strategy, now)
    planned = Recommendation.objects.filter(
        user_id=user_id, day=day, status=RecommendationStatus.PLANNED
    ).select_related("analysis")
    for rec in planned.order_by("rank"):
        buyer.buy(rec)
    reentries = _reentries(buyer, day)
    return {
        "day": day.isoformat(),
        **buyer.done,
        "reentries": reentries,
        "capacity_left": max(buyer.capacity, 0),
    }


def _reentries(buyer: _Buyer, day: date) -> list[str]:
    """Average down a held stock whose RSI on this close fell under a level not yet taken, at most
    once a day; RSI back above the reset level frees the levels."""
    params: StrategyParams = buyer.params
    source = candle_source(buyer.strategy)
    key = rules_key(params)
    bought = []
    for symbol, group in buyer.open.items():
        if group.filled_quantity <= 0:
            continue
        position = StrategyPosition.objects.filter(group=group).first()
        analysis = SymbolAnalysis.objects.filter(source=source, symbol=symbol, day=day, rules_key=key).first()
        if position is None or analysis is None or analysis.indicators.get("rsi") is None:
            continue
        rsi = Decimal(str(analysis.indicators["rsi"]))
        if reentry_reset(rsi, params) and position.levels_taken:
            position.levels_taken = []
            position.save(update_fields=["levels_taken", "updated_at"])
            continue
        level = reentry_level(rsi, position.levels_taken, params)
        if level is None or position.last_reentry_on == day or analysis.avg_volume is None:
            continue
        quantity = position_quantity(analysis.close, analysis.avg_volume, params)
        if quantity <= 0 or analysis.close * quantity > buyer.cash:
            continue
        with transaction.atomic():
            buyer.order(
                group,
                quantity,
                analysis.close,
                analysis.close * quantity,
                level=len(position.levels_taken) + 1,
                what=f"re-entry at RSI {rsi:.1f} < {level}",
            )
            position.levels_taken = [*position.levels_taken, level]
            position.last_reentry_on = day
            position.save(update_fields=["levels_taken", "last_reentry_on", "updated_at"])
        buyer.cash -= analysis.close * quantity
        bought.append(symbol)
    return bought


def _resize(rec: Recommendation, params: StrategyParams) -> None:
    """Size the retry with today's settings: a trader who lowered their capital after a refusal
    for funds gets the smaller buy."""
    analysis = rec.analysis
    if analysis is None or analysis.avg_volume is None:
        return
    quantity = position_quantity(analysis.close, analysis.avg_volume, params)
    if quantity > 0 and quantity != rec.quantity:
        rec.quantity = quantity
        rec.capital = position_capital(analysis.close, analysis.avg_volume, params)
        rec.save(update_fields=["quantity", "capital", "updated_at"])


def premarket_retry(*, user_id: Any, now: datetime | None = None) -> dict[str, Any]:
    """The 09:00 task: retry the buys of the last close that failed (funds, a refusal), after
    checking again: capacity, not already held, no active order, the verdict still tradeable,
    the balance. Each is tried at most MAX_RETRIES times, then expired."""
    now = now or timezone.now()
    strategy = EquitiesStrategy.objects.select_related("account").get(user_id=user_id)
    day = close_to_analyse(now)
    recommendations_sync(user_id=user_id)
    failed = Recommendation.objects.filter(
        user_id=user_id, day=day, status=RecommendationStatus.FAILED
    ).select_related("analysis")
    if not failed.exists():
        return {"day": day.isoformat(), "retried": []}
    buyer = _Buyer(strategy, now)
    expired = []
    for rec in failed.order_by("rank"):
        if rec.attempts > MAX_RETRIES:
            rec.status, rec.reason = RecommendationStatus.EXPIRED, f"gave up after {rec.attempts} attempts"
            rec.save(update_fields=["status", "reason", "updated_at"])
            expired.append(rec.symbol)
            continue
        if rec.analysis is not None and not rec.analysis.tradeable:
            buyer.skip(rec, "its verdict no longer trades")
            continue
        _resize(rec, buyer.params)
        buyer.buy(rec)
    return {"day": day.isoformat(), "retried": buyer.done["ordered"], **buyer.done, "expired": expired}
