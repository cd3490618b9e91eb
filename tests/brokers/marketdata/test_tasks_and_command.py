"""After each NSE close beat refreshes every active series; admins can do the same from the
shell with a progress bar."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from brokers.marketdata import services
from brokers.marketdata.models import MarketCandle
from brokers.marketdata.tasks import refresh_series, refresh_tracked_series
from brokers.nse_calendar import NSECalendar
from config.tasks import task_named

from .conftest import daily_csv


def test_beat_refreshes_after_the_nse_close_on_weekdays():
    entry = settings.CELERY_BEAT_SCHEDULE["marketdata-refresh"]
    assert task_named(entry["task"]).name == refresh_tracked_series.name
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1, 2, 3, 4, 5}
    [hour], [minute] = schedule.hour, schedule.minute
    close = NSECalendar().session(date(2025, 1, 2)).close
    assert (hour, minute) > (close.hour, close.minute)  # both UTC


def test_the_refresh_task_stores_a_series(db, running_simulator):
    series = services.series_track(source="simulator", symbol="BTC/USDT", interval="1m")
    stored = refresh_series.apply(kwargs={"series_id": series.pk}).get()
    assert stored == MarketCandle.objects.filter(source="simulator").count() > 0


def test_the_refresh_task_of_a_deleted_series_does_nothing(db):
    assert refresh_series.apply(kwargs={"series_id": 123456}).get() is None


def test_the_dispatcher_sends_one_refresh_per_active_fetched_series(db, running_simulator):
    services.series_track(source="simulator", symbol="BTC/USDT", interval="1m")
    paused = services.series_track(source="simulator", symbol="ETH/USDT", interval="1m")
    paused.is_active = False
    paused.save()
    services.csv_upload(data=daily_csv([date(2025, 1, 2)]).encode(), symbol="UPLOADED")
    assert refresh_tracked_series.apply().get() == 1


def test_the_command_refreshes_the_named_symbols(db, running_simulator):
    services.series_track(source="simulator", symbol="BTC/USDT", interval="1m")
    services.series_track(source="simulator", symbol="ETH/USDT", interval="1m")
    out, err = StringIO(), StringIO()
    call_command("marketdata_refresh", "--symbol", "eth/usdt", stdout=out, stderr=err)
    assert "simulator:ETH/USDT 1m:" in out.getvalue()
    assert "BTC/USDT" not in out.getvalue()
    assert "1 series refreshed, 0 failed." in out.getvalue()
    assert MarketCandle.objects.filter(symbol="ETH/USDT").exists()
    assert not MarketCandle.objects.filter(symbol="BTC/USDT").exists()


def test_the_command_fails_when_a_provider_fails(db):
    services.series_track(source="yfinance", symbol="RELIANCE.NS")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 series could not be refreshed"):
        call_command("marketdata_refresh", stdout=out, stderr=err)
    assert "simulator" not in err.getvalue()
    assert "yfinance:RELIANCE.NS 1d: FAILED: yfinance" in err.getvalue()
