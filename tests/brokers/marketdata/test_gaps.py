"""Missing NSE trading days in daily series: found, stored on the series, logged; never a
holiday or weekend, never a year the calendar does not know."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from brokers.marketdata import services
from brokers.marketdata.gaps import nse_gaps
from brokers.marketdata.models import CalendarKind, TrackedSeries
from brokers.nse_calendar import NSECalendar

from .conftest import daily_csv, nse_days

OCTOBER_2025 = nse_days(date(2025, 10, 1), date(2025, 10, 31))


def test_october_2025_skips_the_dussehra_and_diwali_holidays():
    assert date(2025, 10, 2) not in OCTOBER_2025
    assert date(2025, 10, 21) not in OCTOBER_2025  # Muhurat only
    assert date(2025, 10, 22) not in OCTOBER_2025
    assert len(OCTOBER_2025) == 20


def test_a_missing_trading_day_is_a_gap_and_holidays_are_not(db, caplog):
    days = [d for d in OCTOBER_2025 if d != date(2025, 10, 15)]
    with caplog.at_level(logging.WARNING):
        series, _ = services.csv_upload(
            data=daily_csv(days).encode(), symbol="RELIANCE", calendar=CalendarKind.NSE
        )
    assert series.gaps == ["2025-10-15"]
    assert series.gap_count == 1
    assert "lacks 1 NSE trading day(s), first 2025-10-15" in caplog.text


def test_uploading_the_missing_day_closes_the_gap(db):
    days = [d for d in OCTOBER_2025 if d != date(2025, 10, 15)]
    services.csv_upload(data=daily_csv(days).encode(), symbol="RELIANCE", calendar=CalendarKind.NSE)
    series, stored = services.csv_upload(
        data=daily_csv([date(2025, 10, 15)]).encode(), symbol="RELIANCE", calendar=CalendarKind.NSE
    )
    assert stored == 1
    assert series.gaps == []
    assert series.gap_count == 0


def test_a_series_without_a_calendar_is_not_checked(db):
    days = [d for d in OCTOBER_2025 if d != date(2025, 10, 15)]
    series, _ = services.csv_upload(data=daily_csv(days).encode(), symbol="AAPL", calendar=CalendarKind.NONE)
    assert series.gaps == []


def test_a_fetched_series_should_reach_the_last_closed_session(db):
    series = TrackedSeries.objects.create(
        source="yfinance", symbol="RELIANCE.NS", interval="1d", calendar=CalendarKind.NSE
    )
    from brokers.marketdata.csv_upload import candles_from_csv

    candles = candles_from_csv(
        daily_csv(nse_days(date(2025, 10, 20), date(2025, 10, 28))), daily=True, calendar="nse"
    )
    services.candles_store(source=series.source, symbol=series.symbol, interval="1d", candles=candles)
    # Friday 31 Oct 2025, 17:30 IST: the day's session has closed, three sessions lack a candle.
    missing = services.series_gaps_update(series=series, now=datetime(2025, 10, 31, 12, 0, tzinfo=UTC))
    assert missing == [date(2025, 10, 29), date(2025, 10, 30), date(2025, 10, 31)]
    # Before Friday's bell only Wednesday and Thursday are due.
    missing = services.series_gaps_update(series=series, now=datetime(2025, 10, 31, 3, 0, tzinfo=UTC))
    assert missing == [date(2025, 10, 29), date(2025, 10, 30)]
    series.refresh_from_db()
    assert series.gaps == ["2025-10-29", "2025-10-30"]


def test_days_of_a_year_the_calendar_does_not_know_are_not_reported():
    calendar = NSECalendar()
    have = [date(2026, 12, 30)]
    report = nse_gaps(days=have, until=date(2027, 1, 29), calendar=calendar)
    assert report.missing == [date(2026, 12, 31)]
    assert report.uncovered_years == [2027]
