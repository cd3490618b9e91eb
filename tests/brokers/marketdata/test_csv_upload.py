"""CSV candles: good files stored exactly, bad lines named by number, nothing half-stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from brokers.marketdata.csv_upload import MAX_ERRORS, CsvUploadError, candles_from_csv

from .conftest import daily_csv

D = Decimal


def test_a_daily_nse_file_opens_each_candle_at_0915_ist():
    text = "Date,Open,High,Low,Close,Volume\n2025-01-02,2450.50,2475.00,2440.05,2470.10,5123456\n"
    [candle] = candles_from_csv(text, daily=True, calendar="nse")
    assert candle.opened_at == datetime(2025, 1, 2, 3, 45, tzinfo=UTC)
    assert (candle.open, candle.high, candle.low, candle.close, candle.volume) == (
        D("2450.50"),
        D("2475.00"),
        D("2440.05"),
        D("2470.10"),
        D("5123456"),
    )


def test_volume_is_optional_and_columns_come_in_any_order():
    text = "close,low,high,open,date\n101.5,99,102,100,2025-01-02\n"
    [candle] = candles_from_csv(text.encode("utf-8-sig"), daily=True, calendar="none")
    assert candle.volume == 0
    assert candle.opened_at == datetime(2025, 1, 2, tzinfo=UTC)


def test_intraday_timestamps_without_an_offset_are_indian_time_on_an_nse_series():
    text = "timestamp,open,high,low,close,volume\n2025-01-02 09:15:00,100,101,99,100.5,10\n"
    [candle] = candles_from_csv(text, daily=False, calendar="nse")
    assert candle.opened_at == datetime(2025, 1, 2, 3, 45, tzinfo=UTC)
    text = "timestamp,open,high,low,close\n2025-01-02T09:15:00Z,100,101,99,100.5\n"
    [candle] = candles_from_csv(text, daily=False, calendar="nse")
    assert candle.opened_at == datetime(2025, 1, 2, 9, 15, tzinfo=UTC)


def test_rows_come_back_oldest_first():
    days = [date(2025, 1, 3), date(2025, 1, 2)]
    candles = candles_from_csv(daily_csv(days), daily=True, calendar="nse")
    assert [c.opened_at.date() for c in candles] == sorted(days)


def test_every_bad_line_is_named_with_its_number():
    text = (
        "date,open,high,low,close,volume\n"
        "2025-01-02,100,101,99,100.5,10\n"  # line 2: fine
        "2025-01-03,100,98,99,100,10\n"  # line 3: high below low
        "2025-13-01,100,101,99,100,10\n"  # line 4: no such month
        "2025-01-06,abc,101,99,100,10\n"  # line 5: not a number
        "2025-01-07,100,101,99,100,-1\n"  # line 6: negative volume
        "2025-01-02,100,101,99,100.5,10\n"  # line 7: repeats line 2
        "2025-01-08,100,101,99,0,10\n"  # line 8: zero price
        "2025-01-09,98,101,99,100,10\n"  # line 9: open below low
    )
    with pytest.raises(CsvUploadError) as raised:
        candles_from_csv(text, daily=True, calendar="nse")
    assert raised.value.errors == [
        "line 3: low 99 is above high 98",
        "line 4: date '2025-13-01' is not an ISO date or timestamp",
        "line 5: open 'abc' is not a number",
        "line 6: volume must not be negative",
        "line 7: 2025-01-02 repeats line 2",
        "line 8: prices must be positive",
        "line 9: open and close must lie between low 99 and high 101",
    ]


def test_a_missing_column_is_reported_on_the_header_line():
    with pytest.raises(CsvUploadError) as raised:
        candles_from_csv("date,open,high,low\n2025-01-02,1,2,1\n", daily=True, calendar="none")
    assert raised.value.errors == ["line 1: the header needs the column(s) close"]


def test_intraday_candles_need_a_time_of_day():
    with pytest.raises(CsvUploadError, match=r"line 2: date '2025-01-02' has no time of day"):
        candles_from_csv("date,open,high,low,close\n2025-01-02,1,2,1,1.5\n", daily=False, calendar="none")


def test_a_file_full_of_errors_stops_after_a_screenful():
    lines = ["date,open,high,low,close"] + [f"2025-01-{d:02d},x,2,1,1" for d in range(1, 31)]
    with pytest.raises(CsvUploadError) as raised:
        candles_from_csv("\n".join(lines), daily=True, calendar="none")
    assert len(raised.value.errors) == MAX_ERRORS + 1
    assert raised.value.errors[-1].startswith("... more bad lines follow")


def test_an_empty_or_binary_file_is_refused():
    with pytest.raises(CsvUploadError, match="no candles"):
        candles_from_csv("date,open,high,low,close\n", daily=True, calendar="none")
    with pytest.raises(CsvUploadError, match="not UTF-8"):
        candles_from_csv(b"\xff\xfe\x00\x81", daily=True, calendar="none")


def test_what_is_not_csv_or_does_not_fit_a_price_column_is_refused():
    huge_field = '"' + "x" * 200_000 + '"'
    with pytest.raises(CsvUploadError, match="not CSV: field larger than field limit"):
        candles_from_csv(
            f"date,open,high,low,close\n2025-01-02,{huge_field},2,1,1\n", daily=True, calendar="none"
        )
    with pytest.raises(CsvUploadError, match="line 2: high '1e30' is too large"):
        candles_from_csv("date,open,high,low,close\n2025-01-02,1,1e30,1,1\n", daily=True, calendar="none")
    with pytest.raises(CsvUploadError, match="more than 18 decimals"):
        candles_from_csv(
            "date,open,high,low,close\n2025-01-02,1,2,0.0000000000000000001,1\n", daily=True, calendar="none"
        )
    [candle] = candles_from_csv(
        "date,open,high,low,close\n2025-01-02,1.50000000000000000000,2,1,1\n", daily=True, calendar="none"
    )
    assert candle.open == D("1.5")
