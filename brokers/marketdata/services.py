"""Market data use cases: track a series, refresh it from its provider, store candles once,
take a CSV upload, report gaps against the NSE calendar."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from auditlog.services import record
from brokers.adapters.base import Candle
from brokers.errors import BrokerError
from brokers.nse_calendar import nse_calendar

from . import selectors
from .csv_upload import CsvUploadError, candles_from_csv
from .days import candle_day
from .gaps import nse_gaps
from .models import CalendarKind, CandleInterval, MarketCandle, TrackedSeries
from .providers import CSV, YFINANCE, provider_for, source_is_known
from .providers.yahoo import is_indian

logger = logging.getLogger(__name__)

REFRESH_TASK = "brokers.marketdata.tasks.refresh_series"
MAX_STORED_GAPS = 1000  # the count is exact; the list shown is capped
_STORE_BATCH = 500
_PRICE_FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class RefreshResult:
    since: datetime | None  # what was asked of the provider: the last stored candle (or None)
    fetched: int  # candles the provider returned
    stored: int  # rows written (new, or the last candle updated)
    gaps: list[date] = field(default_factory=list)


def default_calendar(source: str, symbol: str) -> str:
    """NSE for Indian yfinance symbols and the Kotak brokers; no calendar otherwise."""
    indian = (source == YFINANCE and is_indian(symbol)) or source.startswith("kotak")
    return CalendarKind.NSE if indian else CalendarKind.NONE


def series_track(
    *,
    source: str,
    symbol: str,
    interval: str = CandleInterval.DAY_1,
    calendar: str | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> TrackedSeries:
    """Start keeping `source`'s `symbol` candles; the first refresh runs in the background."""
    source, symbol = source.strip().lower(), symbol.strip().upper()
    if not source_is_known(source):
        raise ValidationError({"source": [f"No market data source '{source}'."]})
    with transaction.atomic():
        if TrackedSeries.objects.filter(source=source, symbol=symbol, interval=interval).exists():
            raise ValidationError({"symbol": [f"{source} {symbol} {interval} is already tracked."]})
        series = TrackedSeries.objects.create(
            source=source,
            symbol=symbol,
            interval=interval,
            calendar=calendar or default_calendar(source, symbol),
        )
        record(
            action="marketdata.track",
            actor=actor,
            resource=series,
            changes={"series": str(series)},
            request=request,
        )
        if source != CSV:
            transaction.on_commit(lambda: _enqueue_refresh(series.pk))
    return series


def _enqueue_refresh(series_id: int) -> None:
    from config.tasks import task_named

    task_named(REFRESH_TASK).delay(series_id=series_id)


def candles_store(*, source: str, symbol: str, interval: str, candles: Sequence[Candle]) -> int:
    """Write candles once per (source, symbol, interval, opened_at): a candle already stored is
    overwritten with the newer answer (the day's last candle may have been partial). Idempotent."""
    rows = [
        MarketCandle(
            source=source,
            symbol=symbol,
            interval=interval,
            opened_at=c.opened_at,
            open=c.open,
            high=c.high,
            low=c.low,
            close=c.close,
            volume=c.volume,
        )
        for c in candles
    ]
    MarketCandle.objects.bulk_create(
        rows,
        batch_size=_STORE_BATCH,
        update_conflicts=True,
        unique_fields=("source", "symbol", "interval", "opened_at"),
        update_fields=_PRICE_FIELDS,
    )
    return len(rows)


def series_refresh(*, series: TrackedSeries, now: datetime | None = None) -> RefreshResult:
    """Fetch from the last stored candle on (it is fetched again: it may have been partial),
    store, and check gaps. A provider error is kept on the series and raised."""
    now = now or timezone.now()
    provider = provider_for(series.source)
    since, candles = None, []
    if provider is not None:
        since = selectors.last_candle_at(series)
        try:
            candles = provider.fetch(symbol=series.symbol, interval=series.interval, since=since)
        except BrokerError as exc:
            message = exc.message or type(exc).__name__
            TrackedSeries.objects.filter(pk=series.pk).update(last_error=message[:2000])
            series.last_error = message
            logger.warning("market data refresh failed: %s: %s", series, message)
            raise
    with transaction.atomic():
        stored = candles_store(
            source=series.source, symbol=series.symbol, interval=series.interval, candles=candles
        )
        gaps = series_gaps_update(series=series, now=now, save=False)
        series.last_refreshed, series.last_error = now, ""
        series.save(update_fields=("last_refreshed", "last_error", "gaps", "gap_count"))
    return RefreshResult(since=since, fetched=len(candles), stored=stored, gaps=gaps)


def series_gaps_update(
    *, series: TrackedSeries, now: datetime | None = None, save: bool = True
) -> list[date]:
    """NSE trading days a daily NSE series has no candle for, from its first candle to the
    latest closed session (to its last candle for uploads, which nothing extends). Stored on the
    series and logged as a warning."""
    if series.interval != CandleInterval.DAY_1 or series.calendar != CalendarKind.NSE:
        return []
    calendar = nse_calendar()
    opened = selectors.series_candles(series).values_list("opened_at", flat=True)
    days = [candle_day(at, series.calendar) for at in opened]
    until = (
        None
        if series.source == CSV
        else candle_day(calendar.last_close(now or timezone.now()), series.calendar)
    )
    report = nse_gaps(days=days, until=until, calendar=calendar)
    if report.uncovered_years:
        logger.warning(
            "NSE calendar has no holidays for %s: gaps of %s not checked there (set NSE_EXTRA_HOLIDAYS)",
            ", ".join(map(str, report.uncovered_years)),
            series,
        )
    if report.missing:
        logger.warning(
            "market data gaps: %s lacks %d NSE trading day(s), first %s, last %s",
            series,
            len(report.missing),
            report.missing[0],
            report.missing[-1],
        )
    series.gaps = [day.isoformat() for day in report.missing[:MAX_STORED_GAPS]]
    series.gap_count = len(report.missing)
    if save:
        series.save(update_fields=("gaps", "gap_count"))
    return report.missing


def csv_upload(
    *,
    data: bytes,
    symbol: str,
    interval: str = CandleInterval.DAY_1,
    calendar: str | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> tuple[TrackedSeries, int]:
    """Store an uploaded CSV as the `csv` source's `symbol` series (tracked if it was not).
    Raises ValidationError({"file": [line errors]}) and stores nothing when any line is bad."""
    symbol = symbol.strip().upper()
    series = TrackedSeries.objects.filter(source=CSV, symbol=symbol, interval=interval).first()
    kind = series.calendar if series is not None else calendar or CalendarKind.NONE
    try:
        candles = candles_from_csv(data, daily=interval == CandleInterval.DAY_1, calendar=kind)
    except CsvUploadError as exc:
        raise ValidationError({"file": exc.errors}) from None
    with transaction.atomic():
        series, _created = TrackedSeries.objects.get_or_create(
            source=CSV, symbol=symbol, interval=interval, defaults={"calendar": kind}
        )
        stored = candles_store(source=CSV, symbol=symbol, interval=interval, candles=candles)
        series_gaps_update(series=series, save=False)
        series.last_refreshed, series.last_error = timezone.now(), ""
        series.save(update_fields=("last_refreshed", "last_error", "gaps", "gap_count"))
        record(
            action="marketdata.upload",
            actor=actor,
            resource=series,
            changes={
                "candles": stored,
                "first": str(candles[0].opened_at),
                "last": str(candles[-1].opened_at),
            },
            request=request,
        )
    return series, stored
