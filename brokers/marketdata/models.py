"""Stored candles and the series that are kept up to date. Imported at the bottom of
`brokers/models.py`, so these are `brokers` models.

A candle is stored once per (source, symbol, interval, opened_at) and read by every user. Prices
are numeric, never floats, as everywhere in `brokers`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

__all__ = ["CalendarKind", "CandleInterval", "MarketCandle", "TrackedSeries"]


class CandleInterval(models.TextChoices):
    MINUTE_1 = "1m", "1 minute"
    MINUTE_5 = "5m", "5 minutes"
    MINUTE_15 = "15m", "15 minutes"
    MINUTE_30 = "30m", "30 minutes"
    HOUR_1 = "1h", "1 hour"
    DAY_1 = "1d", "1 day"


class CalendarKind(models.TextChoices):
    # Which trading days a daily series should have: NSE's (gaps are checked), or none known
    # (crypto trades every day, foreign stocks have no calendar here: no gap check).
    NSE = "nse", "NSE trading days"
    NONE = "none", "No calendar"


def _price(help_text: str = "") -> models.DecimalField:
    # numeric(36, 18), like the paper ledger: any INR price and any crypto increment.
    return models.DecimalField(max_digits=36, decimal_places=18, help_text=help_text)


class TrackedSeries(models.Model):
    """A (source, symbol, interval) the platform keeps refreshed, with what the last refresh found."""

    source = models.CharField(
        max_length=32, help_text="yfinance, csv, or a broker id (simulator, kotak_simulator, ...)"
    )
    symbol = models.CharField(max_length=40, help_text="As the source names it: RELIANCE.NS, BTC/USDT")
    interval = models.CharField(max_length=4, choices=CandleInterval.choices, default=CandleInterval.DAY_1)
    calendar = models.CharField(max_length=8, choices=CalendarKind.choices, default=CalendarKind.NONE)
    is_active = models.BooleanField(default=True, help_text="Refreshed after each NSE close")
    last_refreshed = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    gaps = models.JSONField(
        default=list, blank=True, help_text="Trading days without a candle (ISO dates, oldest first)"
    )
    gap_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "tracked market data series"
        verbose_name_plural = "tracked market data series"
        ordering = ("source", "symbol", "interval")
        constraints = [
            models.UniqueConstraint(
                fields=("source", "symbol", "interval"), name="brokers_trackedseries_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.symbol} {self.interval}"


class MarketCandle(models.Model):
    source = models.CharField(max_length=32)
    symbol = models.CharField(max_length=40)
    interval = models.CharField(max_length=4, choices=CandleInterval.choices)
    opened_at = models.DateTimeField(help_text="UTC; daily NSE candles open at 09:15 IST")
    open = _price()
    high = _price()
    low = _price()
    close = _price()
    volume = models.DecimalField(max_digits=36, decimal_places=18)

    class Meta:
        ordering = ("source", "symbol", "interval", "opened_at")
        constraints = [
            # The index every read and the incremental refresh use, and the "stored once" rule.
            models.UniqueConstraint(
                fields=("source", "symbol", "interval", "opened_at"), name="brokers_marketcandle_once"
            ),
            models.CheckConstraint(
                condition=Q(open__gt=0, high__gt=0, low__gt=0, close__gt=0, volume__gte=0),
                name="brokers_marketcandle_positive",
            ),
            models.CheckConstraint(condition=Q(low__lte=F("high")), name="brokers_marketcandle_low_le_high"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.symbol} {self.interval} {self.opened_at:%Y-%m-%d %H:%M}"
