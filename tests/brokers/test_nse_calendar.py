"""The NSE calendar against the holiday lists NSE published for 2025 and 2026 (its yearly
trading-holiday circulars, plus the 15 Jan 2026 closure for the Maharashtra municipal elections
it added in January 2026), its hours in any server zone, the next open, the after-market-order
window and the holidays an admin adds."""

from __future__ import annotations

import os
import time as time_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ImproperlyConfigured

from brokers import nse_calendar as module
from brokers.nse_calendar import IST, NSECalendar, nse_calendar

HOLIDAYS_2025 = [
    date(2025, 2, 26),  # Mahashivratri
    date(2025, 3, 14),  # Holi
    date(2025, 3, 31),  # Id-Ul-Fitr (Ramadan Eid)
    date(2025, 4, 10),  # Shri Mahavir Jayanti
    date(2025, 4, 14),  # Dr. Baba Saheb Ambedkar Jayanti
    date(2025, 4, 18),  # Good Friday
    date(2025, 5, 1),  # Maharashtra Day
    date(2025, 8, 15),  # Independence Day
    date(2025, 8, 27),  # Ganesh Chaturthi
    date(2025, 10, 2),  # Mahatma Gandhi Jayanti / Dussehra
    date(2025, 10, 21),  # Diwali Laxmi Pujan: Muhurat session only, no regular session
    date(2025, 10, 22),  # Diwali Balipratipada
    date(2025, 11, 5),  # Prakash Gurpurb Sri Guru Nanak Dev
    date(2025, 12, 25),  # Christmas
]
HOLIDAYS_2026 = [
    date(2026, 1, 15),  # Municipal corporation elections in Maharashtra (added January 2026)
    date(2026, 1, 26),  # Republic Day
    date(2026, 3, 3),  # Holi
    date(2026, 3, 26),  # Shri Ram Navami
    date(2026, 3, 31),  # Shri Mahavir Jayanti
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 14),  # Dr. Baba Saheb Ambedkar Jayanti
    date(2026, 5, 1),  # Maharashtra Day
    date(2026, 5, 28),  # Bakri Id
    date(2026, 6, 26),  # Muharram
    date(2026, 9, 14),  # Ganesh Chaturthi
    date(2026, 10, 2),  # Mahatma Gandhi Jayanti
    date(2026, 10, 20),  # Dussehra
    date(2026, 11, 10),  # Diwali Balipratipada
    date(2026, 11, 24),  # Prakash Gurpurb Sri Guru Nanak Dev
    date(2026, 12, 25),  # Christmas
]


@pytest.fixture(params=["UTC", "Asia/Kolkata", "America/New_York", "Pacific/Kiritimati"])
def server_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run under another process time zone, with the library's cached schedules rebuilt in it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time_module.tzset()
    module._library_sessions.cache_clear()
    yield request.param
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time_module.tzset()
    module._library_sessions.cache_clear()


@pytest.fixture
def cal() -> NSECalendar:
    return NSECalendar()


def ist(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=IST)


@pytest.mark.parametrize(("year", "published"), [(2025, HOLIDAYS_2025), (2026, HOLIDAYS_2026)])
def test_weekday_holidays_are_exactly_those_nse_published(cal, year, published):
    assert cal.holidays(year) == published


@pytest.mark.parametrize("holiday", HOLIDAYS_2025 + HOLIDAYS_2026)
def test_the_market_never_opens_on_a_holiday(cal, holiday):
    assert cal.session(holiday) is None
    assert not cal.is_open(ist(holiday, 11))
    assert cal.amo_accepted(ist(holiday, 11))  # orders wait for the next open


def test_muhurat_evening_is_not_a_regular_session(cal):
    # NSE traded 13:45-14:45 IST on 21 Oct 2025; the calendar knows it, we do not trade it.
    assert not cal.is_open(ist(date(2025, 10, 21), 14))
    assert cal.next_open(ist(date(2025, 10, 20), 16)) == ist(date(2025, 10, 23), 9, 15)


def test_a_normal_year_has_every_other_weekday_open(cal):
    weekdays_2025 = sum(
        1 for d in range(365) if date.fromordinal(date(2025, 1, 1).toordinal() + d).weekday() < 5
    )
    assert len(cal.trading_days(date(2025, 1, 1), date(2025, 12, 31))) == weekdays_2025 - len(HOLIDAYS_2025)


def test_hours_are_0915_to_1530_ist_in_utc_whatever_the_server_zone(cal, server_zone):
    session = cal.session(date(2025, 1, 2))
    assert session is not None
    assert session.open == datetime(2025, 1, 2, 3, 45, tzinfo=UTC)
    assert session.close == datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
    day = date(2026, 1, 16)  # the day after the election closure
    assert not cal.is_open(ist(day, 9, 14, 59))
    assert cal.is_open(ist(day, 9, 15))
    assert cal.is_open(ist(day, 15, 29, 59))
    assert not cal.is_open(ist(day, 15, 30))
    assert cal.holidays(2026) == HOLIDAYS_2026


def test_a_moment_is_dated_in_india_not_in_utc(cal, server_zone):
    # 20:00 UTC on Friday 3 Jan 2025 is already Saturday 01:30 in India.
    assert cal.today(datetime(2025, 1, 3, 20, 0, tzinfo=UTC)) == date(2025, 1, 4)


def test_next_open_crosses_a_weekend(cal):
    friday_evening = ist(date(2025, 1, 3), 16)
    assert cal.next_open(friday_evening) == datetime(2025, 1, 6, 3, 45, tzinfo=UTC)  # Monday 09:15 IST


def test_next_open_crosses_a_holiday_and_a_weekend(cal):
    # Holi on Friday 14 Mar 2025: Thursday evening waits until Monday.
    assert cal.next_open(ist(date(2025, 3, 13), 15, 45)) == ist(date(2025, 3, 17), 9, 15)
    # The 15 Jan 2026 election closure: Wednesday evening waits until Friday.
    assert cal.next_open(ist(date(2026, 1, 14), 18)) == ist(date(2026, 1, 16), 9, 15)


def test_next_open_is_today_before_the_bell_and_tomorrow_from_it(cal):
    day = date(2025, 2, 25)
    assert cal.next_open(ist(day, 8, 0)) == ist(day, 9, 15)
    assert cal.next_open(ist(day, 9, 15)) == ist(date(2025, 2, 27), 9, 15)  # 26 Feb: Mahashivratri


def test_last_close_is_the_previous_session_before_the_bell(cal):
    assert cal.last_close(ist(date(2025, 3, 17), 9, 0)) == ist(date(2025, 3, 13), 15, 30)
    assert cal.last_close(ist(date(2025, 3, 17), 15, 30)) == ist(date(2025, 3, 17), 15, 30)


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (ist(date(2025, 1, 2), 15, 44, 59), False),  # the session is still closing
        (ist(date(2025, 1, 2), 15, 45), True),
        (ist(date(2025, 1, 2), 23, 0), True),
        (ist(date(2025, 1, 3), 8, 59, 59), True),
        (ist(date(2025, 1, 3), 9, 0), False),  # pre-open: normal orders only
        (ist(date(2025, 1, 3), 12, 0), False),
        (ist(date(2025, 1, 4), 12, 0), True),  # Saturday
        (ist(date(2025, 12, 25), 12, 0), True),  # Christmas
    ],
)
def test_after_market_orders_are_taken_from_1545_until_0900_and_all_day_when_closed(cal, moment, accepted):
    assert cal.amo_accepted(moment) is accepted


def test_naive_times_are_refused(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.is_open(datetime(2025, 1, 2, 10, 0))  # noqa: DTZ001  the point of the test


def test_the_library_covers_2025_and_2026_but_not_yet_2027(cal):
    assert cal.covers(2025)
    assert cal.covers(2026)
    assert not cal.covers(2027)


def test_an_admin_adds_next_years_holidays(cal):
    republic_day = date(2027, 1, 26)  # a Tuesday
    with_extra = NSECalendar([republic_day])
    assert cal.is_trading_day(republic_day)  # unknown to the library: weekends only
    assert with_extra.covers(2027)
    assert not with_extra.is_trading_day(republic_day)
    assert with_extra.next_open(ist(date(2027, 1, 25), 16)) == ist(date(2027, 1, 27), 9, 15)
    assert republic_day in with_extra.holidays(2027)


def test_a_sudden_closure_from_settings_closes_the_market(settings):
    settings.NSE_EXTRA_HOLIDAYS = (date(2026, 12, 31),)
    calendar = nse_calendar()
    assert not calendar.is_trading_day(date(2026, 12, 31))
    assert calendar.next_open(ist(date(2026, 12, 30), 16)) == ist(date(2027, 1, 1), 9, 15)


def test_extra_holidays_are_read_from_the_environment(monkeypatch):
    from config import settings as config_settings

    monkeypatch.setenv("NSE_EXTRA_HOLIDAYS", "2027-03-22, 2027-01-26")
    assert config_settings._iso_dates("NSE_EXTRA_HOLIDAYS") == (date(2027, 1, 26), date(2027, 3, 22))
    monkeypatch.setenv("NSE_EXTRA_HOLIDAYS", "2027-13-01")
    with pytest.raises(ImproperlyConfigured, match="NSE_EXTRA_HOLIDAYS"):
        config_settings._iso_dates("NSE_EXTRA_HOLIDAYS")


def test_weekend_special_sessions_are_unknown_to_the_library(cal):
    # Budget day, Saturday 1 Feb 2025, NSE held a full session; the library cannot hold weekend
    # sessions (docs/user-guide/market-data.md, "NSE calendar"), so the calendar says closed.
    assert not cal.is_trading_day(date(2025, 2, 1))
