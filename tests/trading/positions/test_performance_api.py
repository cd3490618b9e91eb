"""The performance summary on a hand-computed example.

Three groups close over two days and one stays open:

    day D-2   A +30 (fees 1.2), C +10 (fees 0.4)  -> +40, cumulative  40
    day D-1   B -50 (fees 0.8)                    -> -50, cumulative -10
    day D     nothing                             ->   0, cumulative -10

win rate 2/3 = 66.67 %, max drawdown 50 from the peak of 40 = 125 %, best A, worst B; the open
group's -12.5 and another's +2.5 make unrealized -10."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.trading.factories import PositionGroupFactory
from trading.positions.models import GroupStatus
from trading.positions.selectors import performance_summary

URL = "/api/v1/performance"

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=dt.UTC)


def _closed(user, day: dt.date, realized: str, fees: str = "0", **fields) -> object:
    return PositionGroupFactory(
        user=user,
        status=GroupStatus.CLOSED,
        closed_at=fields.pop("closed_at", _at(day)),
        realized_pnl=Decimal(realized),
        fees=Decimal(fees),
        **fields,
    )


@pytest.fixture
def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


@pytest.fixture
def example(trader, other_trader, today):
    d2, d1 = today - dt.timedelta(days=2), today - dt.timedelta(days=1)
    groups = {
        "A": _closed(trader, d2, "30", "1.2", symbol="BTC/USDT"),
        "C": _closed(trader, d2, "10", "0.4", symbol="SOL/USDT", closed_at=_at(d2, 23, 59, 59)),
        "B": _closed(trader, d1, "-50", "0.8", symbol="ETH/USDT"),
        "open": PositionGroupFactory(
            user=trader,
            symbol="BTC/USDT",
            status=GroupStatus.PARTIALLY_FILLED,
            unrealized_pnl=Decimal("-12.5"),
            realized_pnl=Decimal(5),
        ),
        "open2": PositionGroupFactory(
            user=trader, symbol="ETH/USDT", status=GroupStatus.ACTIVE, unrealized_pnl=Decimal("2.5")
        ),
    }
    # None of these count: a failed group, one closed before the window, another user's, and a
    # group in another quote currency.
    PositionGroupFactory(user=trader, symbol="XRP/USDT", status=GroupStatus.FAILED, closed_at=_at(d1))
    _closed(trader, today - dt.timedelta(days=3), "999", symbol="ADA/USDT")
    _closed(other_trader, d1, "777")
    _closed(trader, d1, "1000", symbol="RELIANCE/INR")
    return groups


def test_the_summary_matches_the_hand_computed_example(api, example, today):
    response = api.get(URL, {"days": 3})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["currency"] == "USDT"
    assert body["currencies"] == ["INR", "USDT"]
    assert (body["days"], body["start"], body["end"]) == (3, str(today - dt.timedelta(days=2)), str(today))
    assert body["realized_by_day"] == [
        {"date": str(today - dt.timedelta(days=2)), "realized_pnl": "40", "fees": "1.6", "closed_groups": 2},
        {"date": str(today - dt.timedelta(days=1)), "realized_pnl": "-50", "fees": "0.8", "closed_groups": 1},
        {"date": str(today), "realized_pnl": "0", "fees": "0", "closed_groups": 0},
    ]
    assert [p["cumulative_realized"] for p in body["equity_curve"]] == ["40", "-10", "-10"]
    assert [p["date"] for p in body["equity_curve"]] == [d["date"] for d in body["realized_by_day"]]
    assert (body["realized_pnl"], body["fees"]) == ("-10", "2.4")
    assert (body["unrealized_pnl"], body["open_groups"], body["open_realized_pnl"]) == ("-10", 2, "5")
    assert (body["closed_groups"], body["wins"], body["losses"]) == (3, 2, 1)
    assert body["win_rate"] == "66.67"
    assert (body["max_drawdown"], body["max_drawdown_percent"]) == ("50", "125.00")
    assert body["best_group"]["id"] == str(example["A"].id)
    assert body["best_group"]["realized_pnl"] == "30"
    assert body["worst_group"]["id"] == str(example["B"].id)


def test_days_without_activity_are_zeros_so_the_axis_is_continuous(api, example, today):
    body = api.get(URL, {"days": 7}).json()
    dates = [row["date"] for row in body["realized_by_day"]]
    assert dates == [str(today - dt.timedelta(days=n)) for n in range(6, -1, -1)]
    quiet = [row for row in body["realized_by_day"] if row["closed_groups"] == 0]
    assert len(quiet) == 4  # D-3, D-2 and D-1 saw closes
    assert all(row["realized_pnl"] == "0" and row["fees"] == "0" for row in quiet)
    # D-3's ADA close is inside a 7-day window.
    assert body["realized_by_day"][3]["realized_pnl"] == "999"


def test_the_default_window_is_thirty_days(api, trader):
    body = api.get(URL).json()
    assert body["days"] == 30
    assert len(body["realized_by_day"]) == 30
    assert len(body["equity_curve"]) == 30


def test_another_quote_currency_is_reported_on_its_own(api, example):
    body = api.get(URL, {"days": 3, "currency": "inr"}).json()
    assert body["currency"] == "INR"
    assert (body["realized_pnl"], body["closed_groups"], body["win_rate"]) == ("1000", 1, "100.00")
    assert body["unrealized_pnl"] == "0"


def test_a_new_user_gets_an_empty_summary_in_usdt(api):
    body = api.get(URL, {"days": 2}).json()
    assert body["currency"] == "USDT"
    assert body["closed_groups"] == 0
    assert body["win_rate"] is None
    assert (body["max_drawdown"], body["max_drawdown_percent"]) == ("0", None)
    assert body["best_group"] is None and body["worst_group"] is None
    assert [row["realized_pnl"] for row in body["realized_by_day"]] == ["0", "0"]


def test_viewers_read_their_own_performance(client_for, viewer):
    assert client_for(viewer).get(URL).status_code == 200


@pytest.mark.parametrize("days", ["0", "367", "abc", "-3"])
def test_days_out_of_range_is_a_400(api, days):
    response = api.get(URL, {"days": days})
    assert response.status_code == 400
    assert "days" in response.json()["errors"]


def test_a_full_year_and_a_day_is_allowed(api):
    assert len(api.get(URL, {"days": 366}).json()["realized_by_day"]) == 366


def test_a_close_at_the_last_second_of_a_utc_day_counts_on_that_day(trader):
    day = dt.date(2024, 3, 10)
    _closed(trader, day, "5", closed_at=_at(day, 23, 59, 59))
    _closed(trader, day, "7", closed_at=_at(day + dt.timedelta(days=1), 0, 0, 0))
    summary = performance_summary(user=trader, days=2, today=day + dt.timedelta(days=1))
    assert [(row.date, row.realized_pnl) for row in summary.realized_by_day] == [
        (day, Decimal(5)),
        (day + dt.timedelta(days=1), Decimal(7)),
    ]


def test_a_loss_from_zero_has_a_drawdown_without_a_percent(trader):
    day = dt.date(2024, 3, 10)
    _closed(trader, day, "-8")
    summary = performance_summary(user=trader, days=1, today=day)
    assert summary.max_drawdown == Decimal(8)
    assert summary.max_drawdown_percent is None
    assert summary.win_rate == Decimal("0.00")
