# Market data: tracked series and candles stored once (brokers/marketdata/models.py).

import django.utils.timezone
from django.db import migrations, models


def _price(help_text=""):
    return models.DecimalField(decimal_places=18, help_text=help_text, max_digits=36)


INTERVALS = [
    ("1m", "1 minute"),
    ("5m", "5 minutes"),
    ("15m", "15 minutes"),
    ("30m", "30 minutes"),
    ("1h", "1 hour"),
    ("1d", "1 day"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("brokers", "0003_kotak_credentials"),
    ]

    operations = [
        migrations.CreateModel(
            name="TrackedSeries",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        help_text="yfinance, csv, or a broker id (simulator, kotak_simulator, ...)",
                        max_length=32,
                    ),
                ),
                (
                    "symbol",
                    models.CharField(
                        help_text="As the source names it: RELIANCE.NS, BTC/USDT", max_length=40
                    ),
                ),
                ("interval", models.CharField(choices=INTERVALS, default="1d", max_length=4)),
                (
                    "calendar",
                    models.CharField(
                        choices=[("nse", "NSE trading days"), ("none", "No calendar")],
                        default="none",
                        max_length=8,
                    ),
                ),
                ("is_active", models.BooleanField(default=True, help_text="Refreshed after each NSE close")),
                ("last_refreshed", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.TextField(blank=True, default="")),
                (
                    "gaps",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Trading days without a candle (ISO dates, oldest first)",
                    ),
                ),
                ("gap_count", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                "verbose_name": "tracked market data series",
                "verbose_name_plural": "tracked market data series",
                "ordering": ("source", "symbol", "interval"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "symbol", "interval"), name="brokers_trackedseries_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MarketCandle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=32)),
                ("symbol", models.CharField(max_length=40)),
                ("interval", models.CharField(choices=INTERVALS, max_length=4)),
                ("opened_at", models.DateTimeField(help_text="UTC; daily NSE candles open at 09:15 IST")),
                ("open", _price()),
                ("high", _price()),
                ("low", _price()),
                ("close", _price()),
                ("volume", models.DecimalField(decimal_places=18, max_digits=36)),
            ],
            options={
                "ordering": ("source", "symbol", "interval", "opened_at"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "symbol", "interval", "opened_at"), name="brokers_marketcandle_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("close__gt", 0),
                            ("high__gt", 0),
                            ("low__gt", 0),
                            ("open__gt", 0),
                            ("volume__gte", 0),
                        ),
                        name="brokers_marketcandle_positive",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("low__lte", models.F("high"))),
                        name="brokers_marketcandle_low_le_high",
                    ),
                ],
            },
        ),
    ]
