"""The positions list as the table reads it: what a closed and an open row carry (invested,
entry and exit price, PnL in quote and percent, duration, exit reason, units), sorting by each
column both ways on the server, paging past 100 rows, and a page's fixed query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.trading.factories import PositionGroupFactory, group_with_legs
from tests.trading.positions.deals import closed_deal
from trading.positions.models import GroupStatus

URL = "/api/v1/positions"

pytestmark = pytest.mark.django_db


def test_a_closed_row_keeps_its_entry_and_shows_exit_invested_and_realized_percent(api, trader):
    opened = timezone.now() - dt.timedelta(hours=3, minutes=12)
    deal = closed_deal(
        trader, buy="60000", sell="61000", quantity="0.01", opened_at=opened, closed_at=timezone.now()
    )
    row = api.get(URL, {"status": "closed"}).json()["results"][0]
    assert row["id"] == str(deal.id)
    assert (row["base_currency"], row["quote_currency"]) == ("BTC", "USDT")
    assert row["avg_entry"] == "60000"  # nothing held any more, and still the price it paid
    assert row["invested"] == "600"
    assert row["exit_price"] == "61000"
    assert row["current_price"] is None
    # 610 - 600 - (0.6 + 0.61) fees = 8.79 USDT, 1.465 % of 600 rounded half up.
    assert row["realized_pnl"] == "8.79"
    assert row["realized_pnl_percent"] == "1.47"
    assert row["fees"] == "1.21"
    assert (row["exit_reason"], row["exit_reason_label"]) == ("manual", "By hand")
    assert row["duration_seconds"] == pytest.approx(3 * 3600 + 12 * 60, abs=5)


def test_an_open_row_shows_its_current_price_and_a_running_duration(api, trader):
    PositionGroupFactory(
        user=trader,
        symbol="ETH/USDT",
        status=GroupStatus.ACTIVE,
        last_price=Decimal("3100.5"),
        avg_entry=Decimal(3000),
        total_invested=Decimal(300),
        bought_quantity=Decimal("0.1"),
        opened_at=timezone.now() - dt.timedelta(minutes=30),
    )
    row = api.get(URL).json()["results"][0]
    assert row["current_price"] == "3100.5"
    assert row["exit_price"] is None
    assert row["invested"] == "300"
    assert row["realized_pnl_percent"] == "0.00"
    assert row["quote_currency"] == "USDT"
    assert row["exit_reason"] == ""
    assert 30 * 60 - 5 <= row["duration_seconds"] <= 30 * 60 + 60


def test_nothing_bought_has_no_realized_percent(api, trader):
    PositionGroupFactory(user=trader)
    row = api.get(URL).json()["results"][0]
    assert row["realized_pnl_percent"] is None
    assert row["invested"] == "0"
    assert row["avg_entry"] is None


# --- sorting ---------------------------------------------------------------------------------------


@pytest.fixture
def varied(trader) -> None:
    """Rows whose every sort key differs (an open row has no closed_at: it sorts last both ways)."""
    now = timezone.now()
    closed_deal(
        trader,
        symbol="CCC/USDT",
        buy="100",
        sell="90",
        quantity="2",
        opened_at=now - dt.timedelta(hours=5),
        closed_at=now - dt.timedelta(hours=1),
    )
    closed_deal(
        trader,
        symbol="AAA/USDT",
        buy="50",
        sell="60",
        quantity="1",
        opened_at=now - dt.timedelta(hours=2),
        closed_at=now - dt.timedelta(minutes=30),
    )
    PositionGroupFactory(
        user=trader,
        symbol="BBB/USDT",
        status=GroupStatus.ACTIVE,
        opened_at=now - dt.timedelta(hours=9),
        total_invested=Decimal(1000),
        bought_quantity=Decimal(1),
        avg_entry=Decimal(1000),
        realized_pnl=Decimal("0.5"),
        unrealized_pnl=Decimal(-20),
        unrealized_pnl_percent=Decimal(-2),
    )
    PositionGroupFactory(
        user=trader, symbol="DDD/USDT", status=GroupStatus.PARTIALLY_FILLED,
        opened_at=now - dt.timedelta(hours=1),
        total_invested=Decimal(10), bought_quantity=Decimal(1), avg_entry=Decimal(10),
        unrealized_pnl=Decimal(3), unrealized_pnl_percent=Decimal(30),
    )  # fmt: skip


SORT_KEYS = {
    "opened_at": "opened_at",
    "closed_at": "closed_at",
    "symbol": "symbol",
    "status": "status",
    "invested": "invested",
    "realized_pnl": "realized_pnl",
    "realized_pnl_percent": "realized_pnl_percent",
    "unrealized_pnl": "unrealized_pnl",
    "unrealized_pnl_percent": "unrealized_pnl_percent",
    "duration": "duration_seconds",
}
NUMERIC = {"invested", "realized_pnl", "realized_pnl_percent", "unrealized_pnl", "unrealized_pnl_percent"}


def _expected(rows: list[dict[str, Any]], field: str, descending: bool) -> list[str]:
    """Values in order, ties by id in the same direction, empty values last either way."""

    def value(row: dict[str, Any]) -> Any:
        raw = row[field]
        return Decimal(raw) if field in NUMERIC else raw

    present = sorted(
        (r for r in rows if r[field] is not None), key=lambda r: (value(r), r["id"]), reverse=descending
    )
    empty = sorted((r for r in rows if r[field] is None), key=lambda r: r["id"], reverse=descending)
    return [r["id"] for r in present + empty]


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_the_list_sorts_by_each_column_both_ways(api, varied, key, descending):
    field = SORT_KEYS[key]
    response = api.get(URL, {"ordering": f"{'-' if descending else ''}{key}"})
    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    assert len(rows) == 4
    assert [r["id"] for r in rows] == _expected(rows, field, descending)
    assert len({r[field] for r in rows}) > 2  # the key really tells the rows apart


def test_an_unknown_sort_key_is_a_400_naming_the_field(api):
    response = api.get(URL, {"ordering": "-password"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_by_default_the_newest_opened_comes_first(api, varied):
    rows = api.get(URL).json()["results"]
    opened = [r["opened_at"] for r in rows]
    assert opened == sorted(opened, reverse=True)


# --- paging ----------------------------------------------------------------------------------------


def test_every_one_of_120_positions_is_reachable_page_by_page(api, trader):
    for n in range(120):
        PositionGroupFactory(user=trader, symbol=f"P{n:03d}/USDT")
    seen: list[str] = []
    for page in (1, 2, 3):
        body = api.get(URL, {"page": page, "page_size": 50, "ordering": "symbol"}).json()
        assert body["count"] == 120
        seen += [r["symbol"] for r in body["results"]]
    assert seen == [f"P{n:03d}/USDT" for n in range(120)]
    assert len(api.get(URL, {"page_size": 200}).json()["results"]) == 120


def test_a_page_of_fifty_rows_takes_a_handful_of_queries(api, trader, django_assert_max_num_queries):
    for n in range(25):
        group_with_legs(user=trader, symbol=f"Q{n}/USDT", filled=n % 3)
        closed_deal(trader, symbol=f"R{n}/USDT")
    # Authentication, the count, the page: whatever the row's new columns, no query per row.
    with django_assert_max_num_queries(4):
        response = api.get(URL, {"page_size": 50, "ordering": "-realized_pnl_percent"})
    assert len(response.json()["results"]) == 50
