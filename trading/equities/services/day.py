"""The strategy's watch and wrap-up: the hourly position monitor (alerts only) and the 18:00 end of
day (pending orders verified, trades made by hand at the broker reported, stale orders dropped,
the day's figures and summary).

Alerts go to the trader's service log (and its live stream), once a day per holding and kind.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from brokers.nse_calendar import IST
from trading.equities.models import (
    AnalysisRun,
    EquitiesStrategy,
    Recommendation,
    RecommendationStatus,
    StrategyDay,
    StrategyPosition,
)
from trading.equities.services.buys import _adapter, recommendations_sync, strategy_groups
from trading.equities.services.late_data import DAILY_BARS, QUOTES, market_data_late
from trading.equities.services.sells import _closes, _executions, _Seller, _tick
from trading.equities.strategy.indicators import ema, rsi
from trading.equities.strategy.rules import exit_price
from trading.execution.services.order_rows import enqueue_cancel
from trading.positions.models import LIVE_ORDER_STATUSES, NSE_EMA9, DCAOrder, Fill, GroupStatus, PositionGroup
from trading.runtime.journal import amount, trade_log

APPROACH_PCT = Decimal(2)
APPROACH_RSI = Decimal(45)
MOVE_PCT = Decimal(3)
PENDING_MAX_AGE = timedelta(hours=24)


def position_monitor(*, user_id: Any, now: datetime | None = None) -> dict[str, Any]:
    """Hourly: for each holding, whether its exit is reached or near, whether it offers an
    averaging level, and whether it moved 3 % or more since the last close. Nothing is traded."""
    now = now or timezone.now()
    strategy = EquitiesStrategy.objects.select_related("account").get(user_id=user_id)
    seller = _Seller(strategy, now)
    params = seller.params
    groups = [g for g in strategy_groups(user_id) if g.filled_quantity > 0]
    if not groups:
        return {"acted": False, "alerts": []}
    tickers = seller.adapter.fetch_tickers(sorted({g.symbol for g in groups}))
    today = now.astimezone(IST).date().isoformat()
    alerts: list[str] = []
    late: dict[str, dict[str, str]] = {DAILY_BARS: {}, QUOTES: {}}
    for group in groups:
        ticker = tickers.get(group.symbol)
        closes = _closes(seller.source, group.symbol, seller.day, params)
        if ticker is None:
            late[QUOTES][group.symbol] = ""
        if not closes:
            late[DAILY_BARS][group.symbol] = "no daily candles"
        if ticker is None or not closes:
            continue
        ltp = ticker.last
        previous_ema9 = ema(closes, params.exit_ema_period)[-1]
        live_rsi = rsi([*closes, ltp], params.rsi_period)[-1]
        found: dict[str, str] = {}
        if previous_ema9 is not None:
            target = exit_price(ltp, previous_ema9, _tick(group), params)
            if ltp >= target:
                found["exit_reached"] = (
                    f"{group.symbol} at {amount(ltp)} reached its EMA9 exit {amount(target)}"
                )
            elif ltp >= target * (1 - APPROACH_PCT / 100) or (
                live_rsi is not None and live_rsi > APPROACH_RSI
            ):
                found["approaching"] = (
                    f"{group.symbol} at {amount(ltp)} is approaching its exit (EMA9 {amount(target)}, "
                    f"RSI {_num(live_rsi)})"
                )
        if live_rsi is not None:
            deep = [
                level for level in params.reentry_levels if live_rsi < level and level < params.rsi_oversold
            ]
            if deep:
                found["averaging"] = (
                    f"{group.symbol}: RSI {_num(live_rsi)} is under {min(deep)}: an averaging opportunity"
                )
        change = (ltp / closes[-1] - 1) * 100
        if abs(change) >= MOVE_PCT:
            found["move"] = f"{group.symbol} moved {change:+.1f} % since the last close ({amount(ltp)})"
        position, _ = StrategyPosition.objects.get_or_create(
            group=group, defaults={"user_id": group.user_id, "symbol": group.symbol}
        )
        sent = dict(position.last_alerts or {})
        for kind, message in found.items():
            if sent.get(kind) == today:
                continue
            sent[kind] = today
            alerts.append(message)
            trade_log(user_id, f"NSE strategy alert: {message}.", level=logging.WARNING, symbol=group.symbol)
        if sent != position.last_alerts:
            position.last_alerts = sent
            position.save(update_fields=["last_alerts", "updated_at"])
    for cause, problems in late.items():
        market_data_late(
            user_id=user_id,
            cause=cause,
            problems=problems,
            now=now,
            close=seller.day.isoformat(),
            needed_by="the position monitor",
            link="/strategy/holdings",
        )
    return {"acted": bool(alerts), "alerts": alerts}


def _num(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def end_of_day(*, user_id: Any, now: datetime | None = None) -> dict[str, Any]:
    """18:00: the day's executions recorded, pending orders verified, buys still pending after
    24 h cancelled, holdings compared with the broker's, and the day's summary written."""
    now = now or timezone.now()
    day = now.astimezone(IST).date()
    strategy = EquitiesStrategy.objects.select_related("account").get(user_id=user_id)
    sold = _executions(strategy)
    dropped = _drop_stale(user_id, now)
    mismatches = _broker_differences(strategy)
    stats = _stats(user_id, day, sold=sold, dropped=dropped, mismatches=mismatches)
    summary = _summary(day, stats)
    StrategyDay.objects.update_or_create(
        user_id=user_id, day=day, defaults={"stats": stats, "summary": summary, "created_at": now}
    )
    trade_log(user_id, f"NSE strategy: {summary}", day=day.isoformat())
    return {"day": day.isoformat(), "summary": summary, **stats}


def _drop_stale(user_id: Any, now: datetime) -> list[str]:
    """Buys still waiting at the broker 24 h after they were placed are cancelled (a recommendation
    is for the next open only); planned recommendations of earlier closes expire."""
    dropped = []
    stale = Recommendation.objects.filter(
        user_id=user_id, status=RecommendationStatus.ORDERED, order__created_at__lt=now - PENDING_MAX_AGE
    ).select_related("order")
    for rec in stale:
        order = rec.order
        if order is not None and order.status in LIVE_ORDER_STATUSES and order.filled_quantity == 0:
            DCAOrder.objects.filter(pk=order.pk).update(cancel_requested=True, updated_at=now)
            enqueue_cancel(order)
            rec.status, rec.reason = RecommendationStatus.EXPIRED, "still pending after 24 h: cancelled"
            rec.save(update_fields=["status", "reason", "updated_at"])
            dropped.append(rec.symbol)
    Recommendation.objects.filter(
        user_id=user_id, status=RecommendationStatus.PLANNED, day__lt=now.astimezone(IST).date()
    ).update(status=RecommendationStatus.EXPIRED, reason="not bought before the next close", updated_at=now)
    return dropped


def _broker_differences(strategy: EquitiesStrategy) -> list[str]:
    """Holdings that differ between the broker and the strategy: shares bought or sold by hand.
    Reported, not traded: the trader decides."""
    held = {h.symbol: h.quantity for h in _adapter(strategy).fetch_holdings()}
    ours: dict[str, Decimal] = {}
    for group in strategy_groups(strategy.user_id).filter(account=strategy.account):
        ours[group.symbol] = ours.get(group.symbol, Decimal(0)) + group.filled_quantity
    out = []
    for symbol in sorted(set(held) | set(ours)):
        theirs, mine = held.get(symbol, Decimal(0)), ours.get(symbol, Decimal(0))
        if theirs < mine:
            out.append(f"{symbol}: the strategy holds {amount(mine)}, the broker {amount(theirs)}")
        elif theirs > mine and mine > 0:
            extra = amount(theirs - mine)
            out.append(f"{symbol}: the broker holds {amount(theirs)}, {extra} more than the strategy")
    return out


def _stats(user_id: Any, day: date, **found: Any) -> dict[str, Any]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=IST)
    end = start + timedelta(days=1)
    fills = Fill.objects.filter(
        user_id=user_id, order__group__strategy=NSE_EMA9, executed_at__gte=start, executed_at__lt=end
    )
    closed = PositionGroup.objects.filter(
        user_id=user_id, strategy=NSE_EMA9, status=GroupStatus.CLOSED, closed_at__gte=start, closed_at__lt=end
    )
    holdings = [g for g in strategy_groups(user_id) if g.filled_quantity > 0]
    run = AnalysisRun.objects.filter(user_id=user_id, day=day).first()
    recs = Recommendation.objects.filter(user_id=user_id, day=day)
    realized = closed.aggregate(total=Sum("realized_pnl"))["total"] or Decimal(0)
    unrealized = sum((g.unrealized_pnl for g in holdings), Decimal(0))
    recommendations_sync(user_id=user_id)
    return {
        "buys_filled": fills.filter(order__side="buy").count(),
        "sells_filled": fills.filter(order__side="sell").count(),
        "closed": sorted(closed.values_list("symbol", flat=True)),
        "closed_by_ema9": sorted(closed.filter(close_reason="ema9_target").values_list("symbol", flat=True)),
        "realized_pnl": str(realized),
        "holdings": len(holdings),
        "unrealized_pnl": str(unrealized),
        "analysed": len(run.symbols) if run else 0,
        "recommended": recs.count(),
        "ordered": recs.filter(
            status__in=[RecommendationStatus.ORDERED, RecommendationStatus.FILLED]
        ).count(),
        "failed": recs.filter(status=RecommendationStatus.FAILED).count(),
        "sold": found["sold"],
        "dropped": found["dropped"],
        "broker_differences": found["mismatches"],
    }


def _summary(day: date, stats: dict[str, Any]) -> str:
    parts = [
        f"{day.isoformat()}: {stats['buys_filled']} buy and {stats['sells_filled']} sell fills",
        f"{len(stats['closed'])} closed ({len(stats['closed_by_ema9'])} at the EMA9 target), "
        f"realized {amount(Decimal(stats['realized_pnl']))} INR",
        f"{stats['holdings']} holdings, unrealized {amount(Decimal(stats['unrealized_pnl']))} INR",
        f"{stats['analysed']} stocks analysed, {stats['recommended']} recommended, "
        f"{stats['ordered']} ordered, {stats['failed']} failed",
    ]
    if stats["dropped"]:
        parts.append(f"cancelled after 24 h: {', '.join(stats['dropped'])}")
    if stats["broker_differences"]:
        parts.append(f"differences with the broker: {'; '.join(stats['broker_differences'])}")
    return "; ".join(parts) + "."
