"""Which day a daily candle belongs to, and when it opened: pure, no Django.

Daily NSE candles open at 09:15 IST (03:45 UTC), so their UTC and Indian dates agree; daily
candles without a calendar (crypto, foreign stocks) open at 00:00 UTC, as exchanges send them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from brokers.nse_calendar import IST, MARKET_OPEN

NSE = "nse"


def daily_opened_at(day: date, calendar: str) -> datetime:
    """The UTC moment a daily candle of `day` opened."""
    if calendar == NSE:
        return datetime.combine(day, MARKET_OPEN, tzinfo=IST).astimezone(UTC)
    return datetime.combine(day, time(0), tzinfo=UTC)


def candle_day(opened_at: datetime, calendar: str) -> date:
    """The trading day of a daily candle: the Indian date for NSE (whatever hour the source
    stamped, midnight IST, 09:15 IST or 00:00 UTC), the UTC date otherwise."""
    return opened_at.astimezone(IST if calendar == NSE else UTC).date()
