"""The market data API: any trader reads, only admins track, refresh and upload; bad input is a
4xx naming the field."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from auditlog.models import AuditLog
from brokers.marketdata.models import MarketCandle, TrackedSeries

from .conftest import daily_csv, nse_days

SERIES = "/api/v1/market-data/series"
CANDLES = "/api/v1/market-data/candles"
UPLOAD = "/api/v1/market-data/upload"
JANUARY_2025 = nse_days(date(2025, 1, 1), date(2025, 1, 31))


def upload(client, text: str, **fields: str):
    body = {"symbol": "RELIANCE", "interval": "1d", "calendar": "nse", **fields}
    body["file"] = SimpleUploadedFile("reliance.csv", text.encode(), content_type="text/csv")
    return client.post(UPLOAD, body, format="multipart")


@pytest.fixture
def reliance(admin_api) -> dict:
    days = [d for d in JANUARY_2025 if d != date(2025, 1, 10)]
    response = upload(admin_api, daily_csv(days))
    assert response.status_code == 201, response.json()
    return response.json()


def test_an_admin_uploads_a_csv_and_a_trader_reads_its_candles(reliance, api):
    assert reliance["stored"] == len(JANUARY_2025) - 1
    assert reliance["series"]["source"] == "csv"
    assert reliance["series"]["gaps"] == ["2025-01-10"]
    series = api.get(SERIES).json()["results"]
    assert [(s["symbol"], s["gap_count"], s["gaps"]) for s in series] == [("RELIANCE", 1, ["2025-01-10"])]
    candles = api.get(
        CANDLES, {"source": "csv", "symbol": "reliance", "start": "2025-01-01", "end": "2025-01-02"}
    )
    assert candles.status_code == 200
    body = candles.json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "opened_at": "2025-01-01T03:45:00Z",  # NSE trades on New Year's Day
        "open": "2872.45",
        "high": "2878.45",
        "low": "2867.45",
        "close": "2873.45",
        "volume": "100000",
    }


def test_a_bad_file_is_a_400_naming_each_line_and_stores_nothing(admin_api):
    text = "date,open,high,low,close,volume\n2025-01-02,100,101,99,100,5\n2025-01-03,100,90,99,100,5\n"
    response = upload(admin_api, text)
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["line 3: low 99 is above high 90"]
    assert not TrackedSeries.objects.exists()
    assert not MarketCandle.objects.exists()


def test_uploading_the_same_file_twice_stores_each_candle_once(admin_api, reliance):
    again = upload(admin_api, daily_csv([d for d in JANUARY_2025 if d != date(2025, 1, 10)]))
    assert again.status_code == 201
    assert MarketCandle.objects.count() == len(JANUARY_2025) - 1
    assert AuditLog.objects.filter(action="marketdata.upload").count() == 2


def test_traders_cannot_write(api):
    assert api.post(SERIES, {"source": "simulator", "symbol": "BTC/USDT"}).status_code == 403
    assert upload(api, daily_csv(JANUARY_2025)).status_code == 403
    assert api.post(f"{SERIES}/1/refresh").status_code == 403


def test_viewers_cannot_read(client_for, viewer):
    client = client_for(viewer)
    assert client.get(SERIES).status_code == 403
    assert client.get(CANDLES, {"source": "csv", "symbol": "X"}).status_code == 403


def test_anonymous_callers_are_refused(anon):
    assert anon.get(SERIES).status_code == 401


def test_an_admin_tracks_a_series_once(admin_api, running_simulator):
    created = admin_api.post(SERIES, {"source": "simulator", "symbol": "BTC/USDT", "interval": "1h"})
    assert created.status_code == 201, created.json()
    assert created.json()["calendar"] == "none"
    again = admin_api.post(SERIES, {"source": "simulator", "symbol": "btc/usdt", "interval": "1h"})
    assert again.status_code == 400
    assert "already tracked" in again.json()["errors"]["symbol"][0]
    assert AuditLog.objects.filter(action="marketdata.track").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "nosuchbroker", "symbol": "X"}, "source"),
        ({"source": "yfinance", "symbol": "RELIANCE.NS", "interval": "2d"}, "interval"),
        ({"source": "yfinance", "symbol": "bad symbol!"}, "symbol"),
        ({"source": "yfinance", "symbol": "RELIANCE.NS", "calendar": "nyse"}, "calendar"),
        ({"symbol": "RELIANCE.NS"}, "source"),
    ],
)
def test_bad_series_are_400_with_the_field(admin_api, body, field):
    response = admin_api.post(SERIES, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_indian_yfinance_symbol_is_checked_against_the_nse_calendar(admin_api):
    response = admin_api.post(SERIES, {"source": "yfinance", "symbol": "TCS.NS"})
    assert response.status_code == 201
    assert response.json()["calendar"] == "nse"


def test_an_admin_refreshes_a_series_and_sees_what_was_fetched(admin_api, running_simulator):
    series = admin_api.post(SERIES, {"source": "simulator", "symbol": "ETH/USDT", "interval": "1m"}).json()
    first = admin_api.post(f"{SERIES}/{series['id']}/refresh")
    assert first.status_code == 200, first.json()
    assert first.json()["since"] is None
    assert first.json()["stored"] == first.json()["fetched"] > 0
    second = admin_api.post(f"{SERIES}/{series['id']}/refresh").json()
    assert second["since"] is not None
    assert second["fetched"] <= 2
    assert second["series"]["last_refreshed"] is not None


def test_a_failing_provider_is_a_503_with_its_message(admin_api):
    series = admin_api.post(SERIES, {"source": "yfinance", "symbol": "INFY.NS"}).json()
    response = admin_api.post(f"{SERIES}/{series['id']}/refresh")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("yfinance")
    listed = admin_api.get(SERIES).json()["results"]
    assert listed[0]["last_error"] == response.json()["detail"]


def test_refreshing_a_missing_series_is_404(admin_api):
    assert admin_api.post(f"{SERIES}/999999/refresh").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"symbol": "RELIANCE"}, "source"),
        ({"source": "csv"}, "symbol"),
        ({"source": "csv", "symbol": "RELIANCE", "start": "yesterday"}, "start"),
        ({"source": "csv", "symbol": "RELIANCE", "start": "2025-02-01", "end": "2025-01-01"}, "end"),
        ({"source": "csv", "symbol": "RELIANCE", "interval": "7m"}, "interval"),
    ],
)
def test_bad_candle_queries_are_400_with_the_field(api, reliance, query, field):
    response = api.get(CANDLES, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_candles_of_an_untracked_series_are_404(api):
    assert api.get(CANDLES, {"source": "csv", "symbol": "NOTHING"}).status_code == 404


def test_the_endpoints_are_in_the_openapi_schema(admin_api):
    paths = admin_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for suffix in (
        "market-data/series",
        "market-data/candles",
        "market-data/upload",
        "market-data/series/{id}/refresh",
    ):
        assert any(path.endswith(suffix) for path in paths), suffix
