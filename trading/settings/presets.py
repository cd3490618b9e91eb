"""The per-user trading configuration's defaults and its three presets, as plain values.

Pure: no Django. Moderate is the defaults. A preset describes a risk profile, so it leaves the
user's own facts alone (their capital, their schedule and the switches that start automated
trading or the ML filter): `PERSONAL_FIELDS` are kept when a preset is applied and ignored when
telling which preset a configuration equals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

# The promotion rules of trading-semantics.md, "Execution pool and queue", in their default order.
QUEUE_RULE_NAMES: Final = (
    "pyramid_continuation",
    "deepest_loss",
    "replacement_count",
    "expected_profit",
    "fifo",
)

PERSONAL_FIELDS: Final = (
    "user_capital",
    "auto_trading_enabled",
    "ml_enabled",
    "ml_model_version",
    "task_schedule",
)
ML_COMBINE_MODES: Final = ("filter", "require_both")


def default_queue_rules() -> list[dict[str, Any]]:
    return [{"rule": name, "enabled": True} for name in QUEUE_RULE_NAMES]


def _defaults() -> dict[str, Any]:
    return {
        # Strategy
        "rsi_period": 14,
        "rsi_oversold": Decimal("30"),
        "rsi_near_oversold": Decimal("40"),
        "rsi_overbought": Decimal("70"),
        "user_capital": Decimal("10000"),
        "capital_per_trade_percent": Decimal("10"),
        "max_portfolio_size": 10,
        "min_volume_usd": Decimal("1000000"),
        "chart_quality_min": Decimal("60"),
        "take_profit_percent": Decimal("3"),
        "stop_loss_percent": None,
        "trailing_stop_percent": None,
        "risk_reward_ratio": Decimal("2"),
        "default_order_type": "limit",
        # Behaviour and ML
        "auto_trading_enabled": True,
        "allow_pyramiding": True,
        "ml_enabled": False,
        "ml_model_version": None,  # None: the active verdict model
        "ml_min_confidence": Decimal("0.6"),
        "ml_combine": "filter",
        "task_schedule": [],
        # Engine: pool and queue
        "max_open_groups": 10,
        "pyramids_bypass_pool": True,
        "queue_rules": default_queue_rules(),
        "max_realized_loss_per_day": None,
        "max_total_exposure": None,
        "max_signal_age_seconds": 300,
        # Risk engine
        "required_pyramids_for_timer": 3,
        "post_full_wait_minutes": 15,
        "loss_threshold_percent": Decimal("-1.5"),
        "max_winners_to_combine": 3,
        "risk_engine_enabled": True,
    }


def defaults() -> dict[str, Any]:
    """A fresh copy of the defaults (the Moderate preset); callers may change it."""
    return _defaults()


FIELD_NAMES: Final = tuple(_defaults())

# What each preset changes from the defaults; documented in docs/user-guide/trading-config.md.
_CHANGES: Final[dict[str, dict[str, Any]]] = {
    "conservative": {
        "rsi_oversold": Decimal("25"),
        "rsi_near_oversold": Decimal("35"),
        "capital_per_trade_percent": Decimal("5"),
        "max_portfolio_size": 5,
        "min_volume_usd": Decimal("5000000"),
        "chart_quality_min": Decimal("75"),
        "take_profit_percent": Decimal("2"),
        "stop_loss_percent": Decimal("5"),
        "risk_reward_ratio": Decimal("3"),
        "allow_pyramiding": False,
        "ml_min_confidence": Decimal("0.7"),
        "max_open_groups": 5,
        "pyramids_bypass_pool": False,
        "max_signal_age_seconds": 120,
        "required_pyramids_for_timer": 2,
        "post_full_wait_minutes": 10,
        "loss_threshold_percent": Decimal("-1"),
    },
    "moderate": {},
    "aggressive": {
        "rsi_oversold": Decimal("35"),
        "rsi_near_oversold": Decimal("45"),
        "capital_per_trade_percent": Decimal("20"),
        "max_portfolio_size": 20,
        "min_volume_usd": Decimal("250000"),
        "chart_quality_min": Decimal("40"),
        "take_profit_percent": Decimal("5"),
        "risk_reward_ratio": Decimal("1.5"),
        "ml_min_confidence": Decimal("0.5"),
        "max_open_groups": 20,
        "max_signal_age_seconds": 900,
        "required_pyramids_for_timer": 4,
        "post_full_wait_minutes": 30,
        "loss_threshold_percent": Decimal("-3"),
        "max_winners_to_combine": 5,
    },
}

PRESET_NAMES: Final = tuple(_CHANGES)
PRESET_LABELS: Final = {"conservative": "Conservative", "moderate": "Moderate", "aggressive": "Aggressive"}
PRESET_DESCRIPTIONS: Final = {
    "conservative": "Smaller positions, fewer at once, stricter filters, a stop loss, earlier risk action.",
    "moderate": "The defaults.",
    "aggressive": "Larger positions, more at once, looser filters, more room before risk action.",
}


def preset(name: str) -> dict[str, Any]:
    """Every field's value in preset `name` (KeyError for an unknown name)."""
    return {**_defaults(), **_CHANGES[name]}


def preset_changes(name: str) -> dict[str, Any]:
    """Only what preset `name` changes from the defaults."""
    return dict(_CHANGES[name])


def matching_preset(values: dict[str, Any]) -> str | None:
    """The preset `values` equals on every field a preset sets, or None."""
    for name in PRESET_NAMES:
        wanted = preset(name)
        if all(values.get(field) == wanted[field] for field in FIELD_NAMES if field not in PERSONAL_FIELDS):
            return name
    return None
