"""Reads of the NSE strategy's rows, always scoped to one trader (another trader's row is a 404),
and the candle chart of one symbol computed from the shared stored candles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from brokers.adapters.base import Candle
from brokers.adapters.registry import asset_class_of
from brokers.marketdata.days import NSE, candle_day
from brokers.marketdata.selectors import candles_for
from brokers.models import ExchangeConfig
from trading.equities.models import (
    AnalysisRun,
    EquitiesStrategy,
    Recommendation,
    StrategyDay,
    StrategyPosition,
    SymbolAnalysis,
)
from trading.equities.services.config import candle_source, candle_symbol, strategy_params
from trading.equities.strategy import indicators
from trading.positions.models import (
    LIVE_ORDER_STATUSES,
    NSE_EMA9,
    OPEN_GROUP_STATUSES,
    DCAOrder,
    OrderRole,
    PositionGroup,
)

EMA9_TARGET = "ema9_target"  # DCAOrder.reason of the strategy's resting EMA9 sell
CHART_DAYS = 250
MAX_CHART_DAYS = 1000


def equities_accounts(*, user: Any) -> list[ExchangeConfig]:
    """The trader's stock broker accounts (Kotak Neo, Kotak simulator, paper NSE)."""
    accounts = ExchangeConfig.objects.filter(user=user).order_by("exchange", "label")
    return [account for account in accounts if asset_class_of(account.exchange) == "equities"]


def analysis_runs(*, user: Any) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(user=user).order_by("-day", "-started_at")


def analysis_run(*, user: Any, run_id: Any) -> AnalysisRun | None:
    return analysis_runs(user=user).filter(pk=run_id).first()


def latest_analysis_run(*, user: Any) -> AnalysisRun | None:
    return analysis_runs(user=user).first()


def run_analyses(run: AnalysisRun) -> list[SymbolAnalysis]:
    """The run's symbols in scan.rank's order: tradeable first, combined score down, symbol."""
    return sorted(run.analyses.all(), key=lambda a: (not a.tradeable, -a.combined, a.symbol))


def run_recommendations(run: AnalysisRun) -> QuerySet[Recommendation]:
    return run.recommendations.order_by("rank", "symbol")


def recommendations(
    *, user: Any, day: date | None = None, status: str | None = None
) -> QuerySet[Recommendation]:
    rows = Recommendation.objects.filter(user=user)
    if day is not None:
        rows = rows.filter(day=day)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-day", "rank", "symbol")


def strategy_days(*, user: Any) -> QuerySet[StrategyDay]:
    return StrategyDay.objects.filter(user=user).order_by("-day")


def holdings(*, user: Any) -> QuerySet[PositionGroup]:
    """The open position groups the strategy holds, each with its strategy row and its live
    EMA9 sell (prefetched as `ema9_sells`)."""
    sells = DCAOrder.objects.filter(
        role=OrderRole.CLOSE, reason=EMA9_TARGET, status__in=LIVE_ORDER_STATUSES
    ).order_by("-created_at")
    return (
        PositionGroup.objects.filter(user=user, strategy=NSE_EMA9, status__in=OPEN_GROUP_STATUSES)
        .select_related("account")
        .prefetch_related(
            Prefetch("orders", queryset=sells, to_attr="ema9_sells"),
            Prefetch(
                "strategy_position",
                queryset=StrategyPosition.objects.all(),
            ),
        )
        .order_by("symbol", "opened_at")
    )


def strategy_position_of(group: PositionGroup) -> StrategyPosition | None:
    try:
        return group.strategy_position
    except StrategyPosition.DoesNotExist:
        return None


@dataclass(frozen=True)
class ChartPoint:
    time: date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    ema9: Decimal | None
    ema200: Decimal | None
    rsi: Decimal | None


@dataclass(frozen=True)
class Chart:
    symbol: str
    source: str
    candles: list[ChartPoint]


def symbol_chart(*, strategy: EquitiesStrategy, symbol: str, days: int = CHART_DAYS) -> Chart | None:
    """Daily candles of `symbol` from the trader's candle source with the exit EMA (EMA9), the
    trend EMA (EMA200) and RSI of the trader's rules; the indicators warm up over the whole stored
    history, then the last `days` are kept. None when nothing is stored."""
    params = strategy_params(strategy)
    source = candle_source(strategy)
    rows = candles_for(source=source, symbol=candle_symbol(source, symbol), interval="1d")
    bars = [
        Candle(
            opened_at=row.opened_at,
            open=row.open,
            high=row.high,
            low=row.low,
            close=row.close,
            volume=row.volume,
        )
        for row in rows
    ]
    if not bars:
        return None
    closes = [bar.close for bar in bars]
    ema_fast = indicators.ema(closes, params.exit_ema_period)
    ema_trend = indicators.ema(closes, params.trend_ema_period)
    rsi = indicators.rsi(closes, params.rsi_period)
    first = max(0, len(bars) - days)
    points = [
        ChartPoint(
            time=candle_day(bar.opened_at, NSE),
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            ema9=ema_fast[index],
            ema200=ema_trend[index],
            rsi=rsi[index],
        )
        for index, bar in enumerate(bars)
        if index >= first
    ]
    return Chart(symbol=symbol, source=source, candles=points)
