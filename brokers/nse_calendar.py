"""NSE trading days, hours, holidays and the after-market-order window, in Asia/Kolkata whatever
the server's zone. Used by the Kotak simulator, paper equities, the scheduler and the strategy.

Holidays come from pandas-market-calendars' `NSE` calendar (NSE's own list, curated from its
circulars; it holds the 2025 and 2026 holidays, the 15 Jan 2026 municipal-election closure
included). Muhurat trading (the one-hour Diwali evening session) is a special session there; for
us it is not a trading day: no regular session, AMOs wait for the next regular open.

The library knows holidays only as far as NSE has published them (through 2026 in the version
pinned); later years have weekends only until it is upgraded, or until an admin lists the new
year's holidays in `NSE_EXTRA_HOLIDAYS` (settings). `covers(year)` says which case applies.

All datetimes in and out are timezone-aware; answers are in UTC like the database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
MARKET_OPEN = time(9, 15)
MARKET_CLOSE = time(15, 30)
# Kotak Neo takes after-market orders for NSE cash from 15:45 until the next pre-open at 09:00
# (all day on weekends and holidays); they are sent to the exchange at the next open.
AMO_OPENS = time(15, 45)
AMO_CLOSES = time(9, 0)
# A session that opens this late is a Muhurat evening session, not a regular day.
_LATEST_REGULAR_OPEN = time(12, 0)
_CALENDAR_NAME = "NSE"


@dataclass(frozen=True)
class Session:
    day: date  # the trading day in India
    open: datetime  # UTC
    close: datetime  # UTC


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("NSE calendar times must be timezone-aware")
    return at


@functools.cache
def _library_calendar():  # type: ignore[no-untyped-def]
    import pandas_market_calendars as mcal

    return mcal.get_calendar(_CALENDAR_NAME)


@functools.cache
def _library_last_year() -> int:
    # The last year the library lists an NSE holiday for: beyond it, only weekends are known.
    import pandas as pd

    # numpy datetime64 values (no `.year`); the library's far-future sentinel dates are not published years.
    years = pd.DatetimeIndex(_library_calendar().holidays().holidays).year
    return int(years[years < 2100].max())


@functools.lru_cache(maxsize=32)
def _library_sessions(year: int) -> dict[date, Session]:
    schedule = _library_calendar().schedule(start_date=f"{year}-01-01", end_date=f"{year}-12-31")
    sessions: dict[date, Session] = {}
    for opened, closed in zip(schedule["market_open"], schedule["market_close"], strict=True):
        open_ist = opened.to_pydatetime().astimezone(IST)
        if open_ist.time() >= _LATEST_REGULAR_OPEN:
            continue  # Muhurat trading only
        sessions[open_ist.date()] = Session(
            day=open_ist.date(),
            open=opened.to_pydatetime().astimezone(UTC),
            close=closed.to_pydatetime().astimezone(UTC),
        )
    return sessions


class NSECalendar:
    """The NSE calendar, plus any holidays an admin adds (`extra_holidays`)."""

    def __init__(self, extra_holidays: Iterable[date] = ()) -> None:
        self.extra_holidays = frozenset(extra_holidays)

    # --- days ------------------------------------------------------------------------------------
    def covers(self, year: int) -> bool:
        """Whether the year's holidays are known (published in the library or added by an admin)."""
        return year <= _library_last_year() or any(d.year == year for d in self.extra_holidays)

    def session(self, day: date) -> Session | None:
        """The regular session of `day`, or None when the market does not open that day."""
        if day in self.extra_holidays:
            return None
        return _library_sessions(day.year).get(day)

    def is_trading_day(self, day: date) -> bool:
        return self.session(day) is not None

    def trading_days(self, start: date, end: date) -> list[date]:
        """Trading days from `start` to `end`, both included."""
        days = []
        day = start
        while day <= end:
            if self.is_trading_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def holidays(self, year: int) -> list[date]:
        """Weekdays of `year` without a regular session (Muhurat-only days included)."""
        day, out = date(year, 1, 1), []
        while day.year == year:
            if day.weekday() < 5 and not self.is_trading_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out

    def next_trading_day(self, day: date) -> date:
        """The first trading day strictly after `day`."""
        return self._session_beside(day, step=1).day

    def previous_trading_day(self, day: date) -> date:
        """The last trading day strictly before `day`."""
        return self._session_beside(day, step=-1).day

    def _session_beside(self, day: date, *, step: int) -> Session:
        # The nearest session after (step 1) or before (step -1) `day`, excluded.
        while True:
            day += timedelta(days=step)
            session = self.session(day)
            if session is not None:
                return session

    # --- moments ---------------------------------------------------------------------------------
    def today(self, at: datetime) -> date:
        """The date in India at `at`."""
        return _aware(at).astimezone(IST).date()

    def is_open(self, at: datetime) -> bool:
        """Whether the regular session is running at `at` (open included, close excluded)."""
        session = self.session(self.today(at))
        return session is not None and session.open <= at < session.close

    def next_open(self, at: datetime) -> datetime:
        """The first regular open strictly after `at` (UTC)."""
        day = self.today(at)
        session = self.session(day)
        if session is not None and session.open > at:
            return session.open
        return self._session_beside(day, step=1).open

    def last_close(self, at: datetime) -> datetime:
        """The latest regular close at or before `at` (UTC)."""
        day = self.today(at)
        session = self.session(day)
        if session is not None and session.close <= at:
            return session.close
        return self._session_beside(day, step=-1).close

    def amo_accepted(self, at: datetime) -> bool:
        """Whether an after-market order may be placed at `at`: from 15:45 to 09:00 the next day on
        trading days, all day when the market does not open."""
        local = _aware(at).astimezone(IST)
        if not self.is_trading_day(local.date()):
            return True
        return local.time() >= AMO_OPENS or local.time() < AMO_CLOSES

    def at_ist(self, day: date, clock: time) -> datetime:
        """`clock` on `day` in India, as an aware UTC datetime (for schedules and tests)."""
        return datetime.combine(day, clock, tzinfo=IST).astimezone(UTC)


# The admin's extra holidays (settings.NSE_EXTRA_HOLIDAYS), set by brokers.apps at start-up and
# whenever a test overrides the setting: this module stays free of Django.
_extra_holidays: tuple[date, ...] = ()


def configure(extra_holidays: Iterable[date]) -> None:
    global _extra_holidays
    _extra_holidays = tuple(sorted(set(extra_holidays)))


def nse_calendar() -> NSECalendar:
    """The calendar with the admin's extra holidays (`NSE_EXTRA_HOLIDAYS`)."""
    return _calendar_with(_extra_holidays)


@functools.lru_cache(maxsize=4)
def _calendar_with(extra: tuple[date, ...]) -> NSECalendar:
    return NSECalendar(extra)
