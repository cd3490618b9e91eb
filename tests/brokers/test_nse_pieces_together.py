"""The NSE pieces as a trader and an admin meet them together, against the Kotak simulator running
in this process over HTTP: a paper NSE account opened through the API and read on its account
page's endpoints, and the Kotak simulator's daily candles stored as a shared series with no false
gap on the NSE calendar."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brokers.marketdata.models import MarketCandle
from brokers.marketdata.services import series_refresh, series_track
from brokers.nse_calendar import NSECalendar
from tests.brokers.test_kotak_accounts import (  # noqa: F401  fixtures, used by name
    MARKET_OPEN_AT,
    _point_at_simulator,
    running_kotak_simulator,
)

pytestmark = pytest.mark.django_db
KEYS = "/api/v1/keys"


def test_a_paper_nse_account_opens_with_its_capital_and_an_empty_book(api):
    created = api.post(f"{KEYS}/paper_nse", {"mode": "testnet"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["price_source"] == "kotak_simulator"

    funds = api.get(f"{KEYS}/paper_nse/funds")
    assert funds.status_code == 200, funds.json()
    assert Decimal(funds.json()["available_cash"]) == Decimal(200_000)
    assert funds.json()["currency"] == "INR"
    assert api.get(f"{KEYS}/paper_nse/holdings").json() == []
    assert api.get(f"{KEYS}/paper_nse/orders").json() == []


@pytest.mark.parametrize(
    ("exchange", "price_source"),
    [
        ("paper_nse", "simulator"),
        ("paper_nse", "paper"),
        ("paper", "kotak_simulator"),
        ("paper", "paper_nse"),
    ],
)
def test_paper_accounts_take_prices_only_from_a_source_of_their_asset_class(api, exchange, price_source):
    refused = api.post(f"{KEYS}/{exchange}", {"mode": "testnet", "price_source": price_source}, format="json")
    assert refused.status_code == 400
    assert "price_source" in refused.json()["errors"]


def test_the_kotak_simulators_daily_candles_become_a_shared_series_without_false_gaps(admin_user):
    series = series_track(source="kotak_simulator", symbol="RELIANCE", actor=admin_user)
    assert series.calendar == "nse"  # the Kotak brokers' candles are checked against NSE's days

    result = series_refresh(series=series, now=MARKET_OPEN_AT)
    stored = MarketCandle.objects.filter(source="kotak_simulator", symbol="RELIANCE", interval="1d")
    opened = list(stored.values_list("opened_at", flat=True))
    assert result.stored == len(opened) > 20 and result.gaps == []
    calendar = NSECalendar()
    assert all(calendar.is_trading_day(calendar.today(at)) for at in opened)  # no weekend, no holiday
    assert max(opened) < MARKET_OPEN_AT  # only closed days: today's candle is not final yet

    again = series_refresh(series=series, now=MARKET_OPEN_AT)
    assert stored.count() == len(opened) and again.gaps == []  # a second refresh stores nothing new
