"""Missing trading days in a daily series: pure, no Django.

A gap is an NSE trading day between a series' first candle and the last day it should have,
without a candle. Holidays and weekends are never gaps; neither are years the calendar does not
cover (their holidays are unknown, so every holiday would look missing): those are reported
separately so an admin can add the year's holidays (NSE_EXTRA_HOLIDAYS).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from brokers.nse_calendar import NSECalendar


@dataclass(frozen=True)
class GapReport:
    missing: list[date] = field(default_factory=list)
    uncovered_years: list[int] = field(default_factory=list)


def nse_gaps(*, days: Iterable[date], until: date | None, calendar: NSECalendar) -> GapReport:
    """Trading days from the first of `days` to `until` (default: the last of `days`) that have
    no candle."""
    have = set(days)
    if not have:
        return GapReport()
    start = min(have)
    end = max(have) if until is None else until
    uncovered = [year for year in range(start.year, end.year + 1) if not calendar.covers(year)]
    missing = [
        day for day in calendar.trading_days(start, end) if day not in have and day.year not in uncovered
    ]
    return GapReport(missing=missing, uncovered_years=uncovered)
