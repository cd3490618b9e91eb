"""Reads of stored candles and tracked series (shared by all users: nothing to scope)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .models import MarketCandle, TrackedSeries


def tracked_series(
    *, source: str | None = None, symbol: str | None = None, active_only: bool = False
) -> QuerySet[TrackedSeries]:
    series = TrackedSeries.objects.all()
    if source:
        series = series.filter(source=source)
    if symbol:
        series = series.filter(symbol=symbol.strip().upper())
    if active_only:
        series = series.filter(is_active=True)
    return series


def series_candles(series: TrackedSeries) -> QuerySet[MarketCandle]:
    return candles_for(source=series.source, symbol=series.symbol, interval=series.interval)


def candles_for(
    *,
    source: str,
    symbol: str,
    interval: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[MarketCandle]:
    """Candles of one series, oldest first, opened within [start, end] when given."""
    candles = MarketCandle.objects.filter(source=source, symbol=symbol, interval=interval)
    if start is not None:
        candles = candles.filter(opened_at__gte=start)
    if end is not None:
        candles = candles.filter(opened_at__lte=end)
    return candles.order_by("opened_at")


def last_candle_at(series: TrackedSeries) -> datetime | None:
    return series_candles(series).order_by("-opened_at").values_list("opened_at", flat=True).first()
