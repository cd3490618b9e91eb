"""Which backups retention deletes: pure, no Django.

Keep the newest backup of each of the last `daily` UTC days, of each of the last `weekly` ISO
weeks and of each of the last `monthly` calendar months (each period counts the current one);
everything else goes. The newest backup is never pruned however old it is (when backups stopped,
the last one stays), nor one dated after `now` (clock skew).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime
from uuid import UUID


def _day(d: date) -> Hashable:
    return d


def _iso_week(d: date) -> Hashable:
    year, week, _ = d.isocalendar()
    return (year, week)


def _month(d: date) -> Hashable:
    return (d.year, d.month)


def _recent_periods(
    now: date, key: Callable[[date], Hashable], step_back: Callable[[date], date], count: int
) -> set[Hashable]:
    periods: list[Hashable] = []
    cursor = now
    while len(periods) < count:
        period = key(cursor)
        if not periods or periods[-1] != period:
            periods.append(period)
        cursor = step_back(cursor)
    return set(periods)


def _previous_day(d: date) -> date:
    return date.fromordinal(d.toordinal() - 1)


def _previous_week(d: date) -> date:
    return date.fromordinal(d.toordinal() - 7)


def _previous_month(d: date) -> date:
    return date(d.year - (d.month == 1), 12 if d.month == 1 else d.month - 1, 1)


def to_prune(
    items: list[tuple[UUID, datetime]], *, now: datetime, daily: int, weekly: int, monthly: int
) -> set[UUID]:
    today = now.astimezone(UTC).date()
    rules = (
        (_day, _recent_periods(today, _day, _previous_day, daily)),
        (_iso_week, _recent_periods(today, _iso_week, _previous_week, weekly)),
        (_month, _recent_periods(today, _month, _previous_month, monthly)),
    )
    newest_first = sorted(items, key=lambda item: item[1], reverse=True)
    keep: set[UUID] = {newest_first[0][0]} if newest_first else set()
    for key, periods in rules:
        seen: set[Hashable] = set()
        for backup_id, created_at in newest_first:
            if created_at > now:
                keep.add(backup_id)
                continue
            period = key(created_at.astimezone(UTC).date())
            if period in periods and period not in seen:
                seen.add(period)
                keep.add(backup_id)
    return {backup_id for backup_id, _ in items} - keep
