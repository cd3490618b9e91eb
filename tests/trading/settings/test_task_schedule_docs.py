"""The trading configuration's page tells the truth about `interval_seconds`: what it says is
refused is refused, and what it says is accepted is accepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trading.settings.schedule_rules import MIN_INTERVAL_SECONDS

pytestmark = pytest.mark.django_db

URL = "/api/v1/trading-config"
PAGE = Path(__file__).resolve().parents[3] / "docs" / "user-guide" / "trading-config.md"


def _documented_range() -> tuple[int, int]:
    text = " ".join(PAGE.read_text().split())
    found = re.search(r"`interval_seconds` \(a whole number of seconds from (\d+), .*? to (\d+),", text)
    assert found, "trading-config.md no longer states the range of interval_seconds"
    return int(found.group(1)), int(found.group(2))


def test_the_page_states_the_minimum_the_api_enforces() -> None:
    low, high = _documented_range()
    assert (low, high) == (MIN_INTERVAL_SECONDS, 7 * 86400)


def test_the_documented_bounds_are_accepted_and_one_second_less_is_refused(api) -> None:
    low, high = _documented_range()
    for seconds in (low, high):
        entry = {"task": "reconcile", "interval_seconds": seconds}
        assert api.patch(URL, {"task_schedule": [entry]}, format="json").status_code == 200
    too_often = {"task": "reconcile", "interval_seconds": low - 1}
    refused = api.patch(URL, {"task_schedule": [too_often]}, format="json")
    assert refused.status_code == 400
    assert "interval_seconds must be at least 60." in " ".join(refused.json()["errors"]["task_schedule"])
    assert "interval_seconds must be at least 60." in PAGE.read_text()
