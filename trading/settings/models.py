"""One trading configuration per user: the strategy's settings and the engine's (trading-semantics.md).

Created lazily on first read (`services.trading_config_for`); every change goes through
`services.py`, which validates the whole configuration and audits before and after."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from trading.dca.models import EntryOrderType, decimal_field
from trading.settings import presets

__all__ = ["UserTradingConfig"]

_D = presets.defaults()


class UserTradingConfig(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trading_config"
    )
    # Strategy
    rsi_period = models.PositiveSmallIntegerField(default=_D["rsi_period"])
    rsi_oversold = decimal_field(default=_D["rsi_oversold"])
    rsi_near_oversold = decimal_field(default=_D["rsi_near_oversold"])
    rsi_overbought = decimal_field(default=_D["rsi_overbought"])
    user_capital = decimal_field(default=_D["user_capital"])
    capital_per_trade_percent = decimal_field(default=_D["capital_per_trade_percent"])
    max_portfolio_size = models.PositiveSmallIntegerField(default=_D["max_portfolio_size"])
    min_volume_usd = decimal_field(default=_D["min_volume_usd"])
    chart_quality_min = decimal_field(default=_D["chart_quality_min"])
    take_profit_percent = decimal_field(default=_D["take_profit_percent"])
    stop_loss_percent = decimal_field(null=True, blank=True, default=None)
    trailing_stop_percent = decimal_field(null=True, blank=True, default=None)
    risk_reward_ratio = decimal_field(default=_D["risk_reward_ratio"])
    default_order_type = models.CharField(
        max_length=8, choices=EntryOrderType.choices, default=_D["default_order_type"]
    )
    # Behaviour and ML
    auto_trading_enabled = models.BooleanField(default=_D["auto_trading_enabled"])
    allow_pyramiding = models.BooleanField(default=_D["allow_pyramiding"])
    ml_enabled = models.BooleanField(default=_D["ml_enabled"])
    ml_model_version = models.PositiveIntegerField(
        null=True, blank=True, default=None, help_text="A verdict model version; empty: the active one"
    )
    ml_min_confidence = decimal_field(default=_D["ml_min_confidence"])
    ml_combine = models.CharField(
        max_length=12,
        choices=[
            ("filter", "Filter: drop the buys the model calls avoid/watch"),
            ("require_both", "Require both: buy only what the model calls buy"),
        ],
        default=_D["ml_combine"],
    )
    # [{"task": "...", "cron": "*/5 * * * *" | "interval_seconds": 60, "timezone": "UTC"}]
    task_schedule = models.JSONField(default=list, blank=True)
    # Engine: pool and queue
    max_open_groups = models.PositiveSmallIntegerField(default=_D["max_open_groups"])
    pyramids_bypass_pool = models.BooleanField(default=_D["pyramids_bypass_pool"])
    # Ordered: [{"rule": "pyramid_continuation", "enabled": true}, ...], all five rules, one on at least.
    queue_rules = models.JSONField(default=presets.default_queue_rules)
    max_realized_loss_per_day = decimal_field(null=True, blank=True, default=None)
    max_total_exposure = decimal_field(null=True, blank=True, default=None)
    max_signal_age_seconds = models.PositiveIntegerField(default=_D["max_signal_age_seconds"])
    # Risk engine
    required_pyramids_for_timer = models.PositiveSmallIntegerField(default=_D["required_pyramids_for_timer"])
    post_full_wait_minutes = models.PositiveIntegerField(default=_D["post_full_wait_minutes"])
    loss_threshold_percent = decimal_field(default=_D["loss_threshold_percent"])
    max_winners_to_combine = models.PositiveSmallIntegerField(default=_D["max_winners_to_combine"])
    risk_engine_enabled = models.BooleanField(default=_D["risk_engine_enabled"])

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "user trading configuration"
        # The service checks every rule; these keep the ones the engine leans on true in the data.
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(rsi_oversold__lt=models.F("rsi_near_oversold")),
                name="trading_config_oversold_below_near",
            ),
            models.CheckConstraint(
                condition=models.Q(user_capital__gt=0, user_capital__lte=10_000_000),
                name="trading_config_capital_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_portfolio_size__gte=1, max_portfolio_size__lte=20),
                name="trading_config_portfolio_range",
            ),
            models.CheckConstraint(
                condition=models.Q(loss_threshold_percent__lt=0),
                name="trading_config_loss_threshold_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Trading configuration of {self.user}"
