"""DCA configurations: how a user's signals for one pair become a grid (trading-semantics.md).

The choices and the decimal field every trading model shares live here, at the bottom of the
dependency order (docs/architecture.md)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models

__all__ = ["DCAConfig", "EntryOrderType", "Form", "TpMode", "decimal_field"]


def decimal_field(**kwargs: Any) -> models.DecimalField:
    # One precision for every price, quantity and amount: exchanges quote up to 18 decimals.
    return models.DecimalField(max_digits=36, decimal_places=18, **kwargs)


class Form(models.TextChoices):
    EXPLICIT = "explicit", "Explicit levels"
    THREECOMMAS = "threecommas", "3Commas parameters"


class EntryOrderType(models.TextChoices):
    LIMIT = "limit", "Limit"
    MARKET = "market", "Market"


class TpMode(models.TextChoices):
    PER_LEG = "per_leg", "Per leg"
    AGGREGATE = "aggregate", "Aggregate"
    HYBRID = "hybrid", "Hybrid"
    PYRAMID_AGGREGATE = "pyramid_aggregate", "Aggregate per pyramid"


class DCAConfig(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dca_configs")
    # Null: the user's default for this exchange, whichever of their accounts trades it.
    account = models.ForeignKey(
        "brokers.ExchangeConfig", on_delete=models.CASCADE, null=True, blank=True, related_name="dca_configs"
    )
    exchange = models.CharField(max_length=32)
    symbol = models.CharField(max_length=32, help_text="Unified symbol, BTC/USDT")
    # Canonical (`1h`, `15m`); empty is the default for the pair on every timeframe.
    timeframe = models.CharField(max_length=10, blank=True, default="")
    form = models.CharField(max_length=12, choices=Form.choices, default=Form.EXPLICIT)
    # Always the expanded grid, also in the 3Commas form, so the engine reads one shape:
    # [{"gap_percent": "0", "weight_percent": "40", "tp_percent": "1"}, ...] as strings.
    levels = models.JSONField(default=list)
    pyramid_levels = models.JSONField(null=True, blank=True)
    base_order = decimal_field(null=True, blank=True)
    safety_order = decimal_field(null=True, blank=True)
    safety_orders = models.PositiveSmallIntegerField(null=True, blank=True)
    step_percent = decimal_field(null=True, blank=True)
    step_scale = decimal_field(null=True, blank=True)
    volume_scale = decimal_field(null=True, blank=True)
    active_safety_orders = models.PositiveSmallIntegerField(null=True, blank=True)
    entry_order_type = models.CharField(
        max_length=8, choices=EntryOrderType.choices, default=EntryOrderType.LIMIT
    )
    tp_mode = models.CharField(max_length=20, choices=TpMode.choices, default=TpMode.PER_LEG)
    tp_aggregate_percent = decimal_field(default=Decimal(1))
    trailing_deviation_percent = decimal_field(null=True, blank=True)
    stop_loss_percent = decimal_field(null=True, blank=True, help_text="Off when empty")
    max_pyramids = models.PositiveSmallIntegerField(default=5)
    cancel_dca_beyond_percent = decimal_field(null=True, blank=True)
    capital_per_pyramid = decimal_field(null=True, blank=True)
    max_total_exposure = decimal_field(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("exchange", "symbol", "timeframe")
        verbose_name = "DCA configuration"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "exchange", "symbol", "timeframe"],
                condition=models.Q(account__isnull=True),
                name="trading_dcaconfig_unique_default",
            ),
            models.UniqueConstraint(
                fields=["user", "account", "symbol", "timeframe"],
                condition=models.Q(account__isnull=False),
                name="trading_dcaconfig_unique_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange} {self.symbol} {self.timeframe or 'any'} ({self.user})"
