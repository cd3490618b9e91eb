"""The pure retention rule: which backups go, property-tested."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ops.backups.retention import to_prune

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ages = st.lists(st.integers(min_value=0, max_value=800 * 24 * 60), max_size=60)
counts = st.integers(min_value=0, max_value=40)


def _items(minutes_ago: list[int]) -> list[tuple[uuid.UUID, datetime]]:
    return [(uuid.uuid4(), NOW - timedelta(minutes=m)) for m in minutes_ago]


@given(ages, counts, counts, counts)
def test_only_given_backups_are_pruned_and_at_most_one_a_period_is_kept(
    minutes_ago: list[int], daily: int, weekly: int, monthly: int
) -> None:
    items = _items(minutes_ago)
    pruned = to_prune(items, now=NOW, daily=daily, weekly=weekly, monthly=monthly)
    kept = {i for i, _ in items} - pruned
    assert pruned <= {i for i, _ in items}
    assert len(kept) <= max(1, daily + weekly + monthly) if items else not kept


@given(ages, counts, counts, counts)
def test_the_newest_backup_is_always_kept(
    minutes_ago: list[int], daily: int, weekly: int, monthly: int
) -> None:
    # Even with nothing in any window (backups stopped long ago), the last one stays.
    items = _items(minutes_ago)
    pruned = to_prune(items, now=NOW, daily=daily, weekly=weekly, monthly=monthly)
    if items:
        newest = max(items, key=lambda item: item[1])[0]
        assert newest not in pruned


@given(ages, counts, counts, counts)
def test_pruning_again_prunes_nothing_more(
    minutes_ago: list[int], daily: int, weekly: int, monthly: int
) -> None:
    items = _items(minutes_ago)
    pruned = to_prune(items, now=NOW, daily=daily, weekly=weekly, monthly=monthly)
    survivors = [item for item in items if item[0] not in pruned]
    assert to_prune(survivors, now=NOW, daily=daily, weekly=weekly, monthly=monthly) == set()


@given(ages, counts)
def test_each_of_the_last_days_keeps_its_newest_backup(minutes_ago: list[int], daily: int) -> None:
    items = _items(minutes_ago)
    pruned = to_prune(items, now=NOW, daily=daily, weekly=0, monthly=0)
    by_day: dict[object, list[tuple[uuid.UUID, datetime]]] = {}
    for item in items:
        by_day.setdefault(item[1].date(), []).append(item)
    for day, members in by_day.items():
        newest = max(members, key=lambda item: item[1])[0]
        recent = (NOW.date() - day).days < daily
        if items and newest == max(items, key=lambda item: item[1])[0]:
            recent = True  # the newest of all is always kept
        assert (newest not in pruned) == recent
        assert all(i in pruned for i, _ in members if i != newest)


def test_a_backup_from_the_future_is_kept() -> None:
    future = (uuid.uuid4(), NOW + timedelta(hours=1))
    assert to_prune([future], now=NOW, daily=0, weekly=0, monthly=0) == set()


def test_iso_weeks_and_months_count_the_current_one() -> None:
    # Sunday 6 Dec 2026 is in ISO week 49; a backup on Monday 30 Nov is in the same week.
    monday, last_sunday = NOW - timedelta(days=6), NOW - timedelta(days=7)
    items = [(uuid.uuid4(), monday), (uuid.uuid4(), last_sunday)]
    assert to_prune(items, now=NOW, daily=0, weekly=1, monthly=0) == {items[1][0]}
    # 30 Nov and 29 Nov are both in November, not in the current month: only the newest stays.
    assert to_prune(items, now=NOW, daily=0, weekly=0, monthly=1) == {items[1][0]}
