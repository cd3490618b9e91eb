"""Quiet hours are pure wall-clock math in the user's zone: held deliveries go out at the first
instant outside the window, across midnight and across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.services.quiet import in_quiet_hours, quiet_hours_end, window_contains

# Zones with the awkward cases: half-hour offsets, 30-minute DST (Lord Howe), DST at midnight
# (Sao Paulo's past), a skipped day (Apia, 2011), and the ordinary European and American changes.
AWKWARD = (
    "UTC",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/New_York",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
)

zones = st.one_of(st.sampled_from(AWKWARD), st.timezone_keys())
# Naive bounds, as hypothesis wants them; the values drawn are aware (UTC).
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2037, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
minutes = st.builds(time, st.integers(0, 23), st.integers(0, 59))


def local(at: datetime, tz: str) -> time:
    return at.astimezone(ZoneInfo(tz)).time().replace(tzinfo=None)


@settings(max_examples=400, deadline=None)
@given(at=instants, start=minutes, end=minutes, tz=zones)
def test_a_held_delivery_goes_out_at_the_first_instant_outside_the_window(at, start, end, tz):
    quiet = in_quiet_hours(at, start=start, end=end, tz=tz)
    assert quiet == window_contains(local(at, tz), start=start, end=end)
    release = quiet_hours_end(at, start=start, end=end, tz=tz)
    if not quiet:
        assert release is None
        return
    assert release is not None
    assert release > at
    assert not in_quiet_hours(release, start=start, end=end, tz=tz)
    assert release - at <= timedelta(hours=25)
    # Nothing in between is outside the window: the release is not later than it has to be.
    for k in range(1, 12):
        between = at + (release - at) * k / 12
        if between < release:
            assert in_quiet_hours(between, start=start, end=end, tz=tz), between


@given(t=minutes, start=minutes, end=minutes)
def test_a_window_across_midnight_is_the_complement_of_the_day_between(t, start, end):
    if start > end:
        assert window_contains(t, start=start, end=end) == (not (end <= t < start))
    elif start < end:
        assert window_contains(t, start=start, end=end) == (start <= t < end)
    else:
        assert not window_contains(t, start=start, end=end)


def test_no_window_means_never_quiet():
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert not in_quiet_hours(at, start=None, end=None, tz="UTC")
    assert not in_quiet_hours(at, start=time(9), end=time(9), tz="UTC")
    assert quiet_hours_end(at, start=None, end=time(7), tz="UTC") is None


def test_night_in_kolkata_ends_at_seven_local():
    at = datetime(2024, 5, 1, 17, 0, tzinfo=UTC)  # 22:30 IST
    assert in_quiet_hours(at, start=time(22), end=time(7), tz="Asia/Kolkata")
    assert quiet_hours_end(at, start=time(22), end=time(7), tz="Asia/Kolkata") == datetime(
        2024, 5, 2, 1, 30, tzinfo=UTC
    )


def test_when_the_clocks_jump_past_the_end_the_window_ends_at_the_jump():
    # New York, 2024-03-10: 01:59:59 EST is followed by 03:00 EDT (07:00 UTC).
    at = datetime(2024, 3, 10, 6, 45, tzinfo=UTC)  # 01:45 EST
    end = quiet_hours_end(at, start=time(1, 30), end=time(2, 30), tz="America/New_York")
    assert end == datetime(2024, 3, 10, 7, 0, tzinfo=UTC)


def test_when_the_clocks_fall_back_the_night_lasts_an_hour_longer():
    # Berlin, 2024-10-27: 03:00 CEST becomes 02:00 CET.
    at = datetime(2024, 10, 26, 22, 30, tzinfo=UTC)  # 00:30 CEST
    end = quiet_hours_end(at, start=time(23), end=time(6), tz="Europe/Berlin")
    assert end == datetime(2024, 10, 27, 5, 0, tzinfo=UTC)  # 06:00 CET
