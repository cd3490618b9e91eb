"""Quiet hours: pure wall-clock math in the user's time zone (no Django).

A window is `[start, end)` on the user's local clock; `start > end` crosses midnight (22:00-07:00),
`start == end` or a missing bound means no quiet hours. Deliveries to e-mail and Telegram that
fall inside are held and released at `quiet_hours_end`: the first instant whose local time is
outside the window. Daylight-saving changes are why this is not simply "today or tomorrow at
`end`": when the clocks jump past the end (spring forward) the window ends at the jump; when they
fall back, the end comes an hour later in UTC than the offset before the change would say.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAY = 86_400_000_000  # microseconds
_ONE_MICROSECOND = timedelta(microseconds=1)


def zone_for(name: str) -> ZoneInfo:
    """The IANA zone `name` (raises ZoneInfoNotFoundError or ValueError for a bad one)."""
    return ZoneInfo(name)


def window_contains(local: time, *, start: time | None, end: time | None) -> bool:
    """Whether a local wall time lies in the quiet window `[start, end)`."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # crosses midnight


def in_quiet_hours(at: datetime, *, start: time | None, end: time | None, tz: str) -> bool:
    """Whether the aware instant `at` falls inside the user's quiet hours."""
    if start is None or end is None or start == end:
        return False
    return window_contains(_wall(at, zone_for(tz)), start=start, end=end)


def quiet_hours_end(at: datetime, *, start: time | None, end: time | None, tz: str) -> datetime | None:
    """The first instant at or after `at` outside the quiet hours (UTC), or None when `at` is not
    inside them: when a held delivery goes out."""
    if start is None or end is None or not in_quiet_hours(at, start=start, end=end, tz=tz):
        return None
    zone = zone_for(tz)
    t = at.astimezone(UTC)
    # Each pass either reaches the end or stops at a change of UTC offset inside the window; two
    # changes within one window never happen in the tz database's zones, a few passes are plenty.
    for _ in range(6):
        local = _wall(t, zone)
        if not window_contains(local, start=start, end=end):
            return t
        candidate = t + _wall_distance(local, end)
        change = _offset_change(t, candidate, zone)
        if change is None:
            return candidate
        t = change  # the clocks moved: measure again from the local time right after the change
    return t  # not reached for real zones; still an instant after `at`


def _wall(at: datetime, zone: ZoneInfo) -> time:
    return at.astimezone(zone).time().replace(tzinfo=None)


def _microseconds(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _wall_distance(local: time, end: time) -> timedelta:
    """How far the wall clock has to run from `local` to reach `end` (wrapping past midnight);
    whole microseconds, so the instant reached reads exactly `end`."""
    distance = (_microseconds(end) - _microseconds(local)) % _DAY
    return timedelta(microseconds=distance or _DAY)


def _offset(at: datetime, zone: ZoneInfo) -> timedelta | None:
    return at.astimezone(zone).utcoffset()


def _offset_change(after: datetime, until: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant in (after, until] whose UTC offset differs from `after`'s, or None."""
    before = _offset(after, zone)
    if _offset(until, zone) == before:
        return None
    low, high = after, until  # offset(low) == before, offset(high) != before
    while high - low > _ONE_MICROSECOND:
        middle = low + (high - low) / 2
        if _offset(middle, zone) == before:
            low = middle
        else:
            high = middle
    return high
