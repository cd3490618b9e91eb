"""The dashboard's cards: realized and unrealized apart, today's profit (UTC) and completed
deals, per quote currency, with the clock frozen at 2026-12-06 10:00 UTC.

    USDT  closed today 00:30 +12, today 09:00 -2, yesterday 23:59 +100, 40 days ago +500 (out of
          the 30-day window); open: unrealized +7 and -3
          -> realized (30 d) 110, completed 3, profit today 10 from 2 deals, unrealized 4 from 2
    BTC   closed today +0.5, open unrealized -0.1 -> kept apart, never added to USDT
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.trading.factories import PositionGroupFactory
from trading.positions.models import GroupStatus

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.replace(hour=0, minute=0)


@pytest.fixture(autouse=True)
def _frozen_clock():
    # The whole test, the login's token included: a token issued at the real time would not be
    # valid yet (or no longer) at NOW.
    with time_machine.travel(NOW, tick=False):
        yield


def _closed(user, at: dt.datetime, realized: str, symbol: str = "BTC/USDT"):
    return PositionGroupFactory(
        user=user,
        symbol=symbol,
        status=GroupStatus.CLOSED,
        closed_at=at,
        realized_pnl=Decimal(realized),
        bought_quantity=Decimal(1),
    )


def _open(user, unrealized: str, symbol: str, timeframe: str):
    return PositionGroupFactory(
        user=user,
        symbol=symbol,
        timeframe=timeframe,
        status=GroupStatus.ACTIVE,
        unrealized_pnl=Decimal(unrealized),
        realized_pnl=Decimal(1),  # a partial close: realized, but not a completed deal
    )


@pytest.fixture
def dashboard(api, trader, other_trader):
    _closed(trader, TODAY + dt.timedelta(minutes=30), "12")
    _closed(trader, TODAY + dt.timedelta(hours=9), "-2", symbol="ETH/USDT")
    _closed(trader, TODAY - dt.timedelta(seconds=1), "100")
    _closed(trader, TODAY - dt.timedelta(days=40), "500")
    _open(trader, "7", "BTC/USDT", "1h")
    _open(trader, "-3", "ETH/USDT", "1h")
    _closed(trader, TODAY + dt.timedelta(hours=1), "0.5", symbol="ETH/BTC")
    _open(trader, "-0.1", "ETH/BTC", "4h")
    _closed(other_trader, TODAY + dt.timedelta(hours=1), "999")  # never anyone else's
    response = api.get("/api/v1/performance", {"days": 30})
    assert response.status_code == 200, response.json()
    return response.json()


def test_today_and_the_window_are_apart_and_realized_is_apart_from_unrealized(dashboard):
    assert dashboard["currency"] == "USDT"
    assert dashboard["today_start"] == "2026-12-06T00:00:00Z"
    assert dashboard["profit_today"] == "10"
    assert dashboard["completed_today"] == 2
    usdt = next(row for row in dashboard["by_currency"] if row["currency"] == "USDT")
    assert usdt == {
        "currency": "USDT",
        "realized_pnl": "110",
        "completed_deals": 3,
        "unrealized_pnl": "4",
        "open_groups": 2,
        "profit_today": "10",
        "completed_today": 2,
    }
    # The curve the card sits beside is the same realized money.
    assert dashboard["realized_pnl"] == usdt["realized_pnl"]
    assert dashboard["equity_curve"][-1]["cumulative_realized"] == "110"


def test_each_quote_currency_has_its_own_totals(dashboard):
    assert [row["currency"] for row in dashboard["by_currency"]] == ["BTC", "USDT"]
    btc = dashboard["by_currency"][0]
    assert (btc["realized_pnl"], btc["profit_today"], btc["unrealized_pnl"]) == ("0.5", "0.5", "-0.1")


def test_a_deal_closed_a_second_before_midnight_utc_is_yesterdays(api, trader):
    _closed(trader, TODAY - dt.timedelta(seconds=1), "5")
    body = api.get("/api/v1/performance").json()
    assert (body["profit_today"], body["completed_today"]) == ("0", 0)
    assert body["by_currency"][0]["completed_deals"] == 1
