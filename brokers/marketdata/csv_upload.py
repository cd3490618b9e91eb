"""Candles from an uploaded CSV file, validated line by line: pure, no Django.

Columns (header names case-insensitive, any order): `date` or `timestamp` (also `datetime`,
`time`), `open`, `high`, `low`, `close`, and optionally `volume` (0 when absent). Dates are
ISO `2025-01-02`; timestamps ISO `2025-01-02T09:15:00+05:30`, read in India's zone when they
carry no offset on an NSE series, in UTC otherwise. Every bad line is reported with its number,
and nothing is stored unless the whole file is good.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from brokers.adapters.base import Candle
from brokers.nse_calendar import IST

from .days import NSE, candle_day, daily_opened_at

TIME_COLUMNS = ("date", "timestamp", "datetime", "time")
PRICE_COLUMNS = ("open", "high", "low", "close")
MAX_ERRORS = 20
MAX_ROWS = 200_000
T = TypeVar("T")
_LIMIT = Decimal(10) ** 18


class CsvUploadError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def candles_from_csv(data: bytes | str, *, daily: bool, calendar: str) -> list[Candle]:
    """All candles of the file, oldest first; raises CsvUploadError listing the bad lines."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise CsvUploadError(["The file is not UTF-8 text."]) from None
    try:
        return _parse(text, daily=daily, calendar=calendar)
    except csv.Error as exc:  # a NUL byte, an unterminated quote...
        raise CsvUploadError([f"The file is not CSV: {exc}"]) from None


def _parse(text: str, *, daily: bool, calendar: str) -> list[Candle]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    time_column = next((name for name in TIME_COLUMNS if name in header), None)
    absent = [name for name in PRICE_COLUMNS if name not in header]
    if time_column is None or absent:
        needed = ([] if time_column else ["date or timestamp"]) + absent
        raise CsvUploadError([f"line 1: the header needs the column(s) {', '.join(needed)}"])
    rows = ({(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader)
    return _candles(rows, time_column=time_column, daily=daily, calendar=calendar)


def _candles(
    rows: Iterable[Mapping[str, str]], *, time_column: str, daily: bool, calendar: str
) -> list[Candle]:
    errors: list[str] = []
    seen: dict[datetime, int] = {}
    candles: list[Candle] = []
    for line, row in enumerate(rows, start=2):
        if line - 1 > MAX_ROWS:
            errors.append(f"line {line}: the file has more than {MAX_ROWS} rows; split it")
            break
        try:
            candle = _candle(row, time_column=time_column, daily=daily, calendar=calendar)
        except ValueError as exc:
            errors.append(f"line {line}: {exc}")
        else:
            if candle.opened_at in seen:
                errors.append(f"line {line}: {row[time_column]} repeats line {seen[candle.opened_at]}")
            else:
                seen[candle.opened_at] = line
                candles.append(candle)
        if len(errors) > MAX_ERRORS:
            errors[MAX_ERRORS:] = ["... more bad lines follow; fix these first"]
            break
    if errors:
        raise CsvUploadError(errors)
    if not candles:
        raise CsvUploadError(["The file has no candles."])
    candles.sort(key=lambda candle: candle.opened_at)
    return candles


def _candle(row: Mapping[str, str], *, time_column: str, daily: bool, calendar: str) -> Candle:
    o, h, low, c = (_number(row, name) for name in PRICE_COLUMNS)
    volume = _number(row, "volume") if row.get("volume") else Decimal(0)
    if min(o, h, low, c) <= 0:
        raise ValueError("prices must be positive")
    if volume < 0:
        raise ValueError("volume must not be negative")
    if low > h:
        raise ValueError(f"low {low} is above high {h}")
    if not (low <= o <= h and low <= c <= h):
        raise ValueError(f"open and close must lie between low {low} and high {h}")
    return Candle(
        opened_at=_opened_at(row.get(time_column, ""), time_column, daily=daily, calendar=calendar),
        open=o,
        high=h,
        low=low,
        close=c,
        volume=volume,
    )


def _number(row: Mapping[str, str], name: str) -> Decimal:
    raw = row.get(name, "")
    try:
        value = Decimal(raw.replace(",", "")) if raw else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(f"{name} {raw!r} is not a number")
    # What numeric(36, 18) holds: 18 digits each side of the point.
    if abs(value) >= _LIMIT or value.normalize().as_tuple().exponent < -18:  # type: ignore[operator]  # finite: int
        raise ValueError(f"{name} {raw!r} is too large or has more than 18 decimals")
    return value


def _opened_at(raw: str, column: str, *, daily: bool, calendar: str) -> datetime:
    if not raw:
        raise ValueError(f"{column} is empty")
    if len(raw) == 10:  # a bare date
        if not daily:
            raise ValueError(f"{column} {raw!r} has no time of day (intraday candles need one)")
        return daily_opened_at(_iso(date.fromisoformat, raw, column), calendar)
    moment = _iso(datetime.fromisoformat, raw, column)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=IST if calendar == NSE else UTC)
    moment = moment.astimezone(UTC)
    return daily_opened_at(candle_day(moment, calendar), calendar) if daily else moment


def _iso(parse: Callable[[str], T], raw: str, column: str) -> T:
    try:
        return parse(raw)
    except ValueError:
        raise ValueError(f"{column} {raw!r} is not an ISO date or timestamp") from None
