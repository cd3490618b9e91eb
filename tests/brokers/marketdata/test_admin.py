"""Market data in Django admin: the series with their gaps, the CSV upload form, refresh now."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from brokers.marketdata import services
from brokers.marketdata.models import MarketCandle, TrackedSeries

from .conftest import daily_csv, nse_days

UPLOAD = "/admin/brokers/trackedseries/upload/"


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


def test_the_series_list_shows_gaps_and_offers_the_upload(admin_browser):
    days = [d for d in nse_days(date(2025, 1, 1), date(2025, 1, 31)) if d != date(2025, 1, 10)]
    services.csv_upload(data=daily_csv(days).encode(), symbol="RELIANCE", calendar="nse")
    page = admin_browser.get("/admin/brokers/trackedseries/")
    assert page.status_code == 200
    assert "Upload CSV" in page.content.decode()
    series = TrackedSeries.objects.get()
    detail = admin_browser.get(f"/admin/brokers/trackedseries/{series.pk}/change/").content.decode()
    assert "2025-01-10" in detail
    assert admin_browser.get("/admin/brokers/marketcandle/").status_code == 200


def test_the_upload_form_lists_bad_lines_and_stores_nothing(admin_browser):
    bad = "date,open,high,low,close\n2025-01-02,100,101,99,100\n2025-01-03,100,90,99,100\n"
    page = admin_browser.post(
        UPLOAD,
        {
            "symbol": "TCS",
            "interval": "1d",
            "calendar": "nse",
            "file": SimpleUploadedFile("t.csv", bad.encode()),
        },
    )
    assert page.status_code == 200
    assert "line 3: low 99 is above high 90" in page.content.decode()
    assert not MarketCandle.objects.exists()


def test_the_upload_form_stores_a_good_file(admin_browser):
    good = daily_csv(nse_days(date(2025, 1, 1), date(2025, 1, 10)))
    response = admin_browser.post(
        UPLOAD,
        {
            "symbol": "TCS",
            "interval": "1d",
            "calendar": "nse",
            "file": SimpleUploadedFile("t.csv", good.encode()),
        },
    )
    assert response.status_code == 302
    assert MarketCandle.objects.filter(source="csv", symbol="TCS").count() == 8  # 1-3 and 6-10 Jan


def test_refresh_now_fetches_the_selected_series(admin_browser, running_simulator):
    series = services.series_track(source="simulator", symbol="BTC/USDT", interval="1m")
    response = admin_browser.post(
        "/admin/brokers/trackedseries/",
        {"action": "refresh_now", "_selected_action": [series.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "candle(s) stored" in response.content.decode()
    assert MarketCandle.objects.filter(source="simulator").exists()


def test_traders_cannot_open_the_upload_form(trader, password):
    browser = Client()
    browser.login(username=trader.email, password=password)
    assert browser.get(UPLOAD).status_code == 302  # to the admin login
