"""Kotak sends numbers as strings ("2450.05"), JSON numbers, "--" or "NA": read them as Decimal,
never through float."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from brokers.nse_calendar import IST

_BLANKS = {"", "--", "NA", "N/A", "null", "None"}
# Kotak's time formats: order book "21-Jun-2022 14:49:32", updates "2022/06/21 14:55:28", quotes
# "19/01/2023 12:34:46"; all in India time.
_TIME_FORMATS = ("%d-%b-%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


def dec(value: Any, default: Decimal | None = Decimal(0)) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace(",", "")
    if text in _BLANKS:
        return default
    try:
        return Decimal(text)
    except InvalidOperation:
        return default


def amount(value: Any) -> Decimal:
    """A number that is always there (0 when Kotak leaves it blank)."""
    result = dec(value)
    return result if result is not None else Decimal(0)


def ist_time(value: Any) -> datetime | None:
    """A Kotak India-time stamp as an aware UTC datetime; None when blank or unreadable."""
    text = str(value or "").strip()
    if text in _BLANKS:
        return None
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=IST).astimezone(UTC)
        except ValueError:
            continue
    return None


def epoch_time(value: Any) -> datetime | None:
    """Seconds since the epoch (Kotak's `boeSec`), as UTC."""
    seconds = dec(value, None)
    if seconds is None or seconds <= 0:
        return None
    return datetime.fromtimestamp(int(seconds), tz=UTC)
