"""The strategy's config (trading/equities/strategy/params.py): the issue's defaults, a JSON round
trip, and every bad field reported by name."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.equities.strategy.params import InvalidStrategyParams, StrategyParams

D = Decimal


def errors_of(values: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidStrategyParams) as raised:
        StrategyParams.from_mapping(values)
    return raised.value.errors


def test_the_defaults_are_the_issues_numbers() -> None:
    params = StrategyParams()
    assert (params.rsi_period, params.ema_periods) == (10, (9, 20, 50, 200))
    assert (params.rsi_oversold, params.rsi_extreme_oversold, params.rsi_near_oversold) == (
        D(30),
        D(20),
        D(40),
    )
    assert (params.volume_ratio_min, params.volume_ratio_min_oversold, params.volume_ratio_strong) == (
        D("0.7"),
        D("0.5"),
        D("1.2"),
    )
    assert (params.min_avg_volume, params.avg_volume_days) == (10_000, 50)
    assert params.liquidity_tiers == (
        (D(5000), D("0.02")),
        (D(1000), D("0.05")),
        (D(500), D("0.10")),
        (D(0), D("0.20")),
    )
    assert (params.chart_quality_enabled, params.chart_quality_min_score) == (True, D(50))
    assert (params.min_combined_score, params.user_capital, params.max_portfolio_size) == (
        D(25),
        D(200_000),
        6,
    )
    assert (params.buy_target_pct, params.strong_buy_target_pct, params.excellent_target_pct) == (
        D(8),
        D(12),
        D(15),
    )
    assert (params.buy_risk_reward, params.strong_buy_risk_reward, params.excellent_risk_reward) == (
        D("2.5"),
        D(3),
        D("3.5"),
    )
    assert (params.exit_ema_weight_ltp, params.skip_exit_below_entry_ratio) == (D("0.2"), D("0.95"))
    assert (params.reentry_levels, params.reentry_reset_above, params.backtest_years) == (
        (30, 20, 10),
        D(30),
        2,
    )
    assert params.exit_ema_period == 9
    assert params.trend_ema_period == 200


def test_decimal_fields_are_decimals_and_counts_ints() -> None:
    for name, value in StrategyParams().to_mapping().items():
        default = getattr(StrategyParams(), name)
        assert not isinstance(default, float), name
        if isinstance(default, Decimal):
            assert isinstance(value, str), name  # written as text: no float rounding on the way
        elif isinstance(default, int) and not isinstance(default, bool):
            assert isinstance(value, int), name


def test_the_mapping_survives_json_and_reads_back_equal() -> None:
    params = StrategyParams(user_capital=D("123456.78"), rsi_oversold=D("27.5"), exit_on_rsi_enabled=False)
    assert StrategyParams.from_mapping(json.loads(json.dumps(params.to_mapping()))) == params


def test_missing_keys_keep_their_defaults_and_numbers_come_in_any_form() -> None:
    params = StrategyParams.from_mapping(
        {"volume_ratio_min": 0.8, "user_capital": "150000", "max_portfolio_size": "8", "rsi_period": 14.0}
    )
    assert params.volume_ratio_min == D("0.8")  # from the float's text, not its binary expansion
    assert params.user_capital == D(150_000)
    assert params.max_portfolio_size == 8
    assert params.rsi_period == 14
    assert params.min_avg_volume == 10_000


def test_every_bad_field_is_reported_at_once() -> None:
    errors = errors_of(
        {
            "rsi_period": "ten",
            "user_capital": -5,
            "max_portfolio_size": 2.5,
            "chart_quality_enabled": "maybe",
            "volume_ratio_min": True,
            "reentry_levels": "30,20",
            "no_such_field": 1,
        }
    )
    assert errors == {
        "rsi_period": "must be a number",
        "max_portfolio_size": "must be a whole number",
        "chart_quality_enabled": "must be true or false",
        "volume_ratio_min": "must be a number",
        "reentry_levels": "must be a list",
        "no_such_field": "unknown field",
        "user_capital": "must be positive",  # a value that parsed is checked in the same answer
    }
    assert errors_of({"user_capital": -5, "rsi_period": 1}) == {
        "user_capital": "must be positive",
        "rsi_period": "must be between 2 and 500",
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"rsi_extreme_oversold": 35}, "rsi_extreme_oversold"),
        ({"rsi_near_oversold": 25}, "rsi_near_oversold"),
        ({"volume_ratio_min_oversold": "0.9"}, "volume_ratio_min_oversold"),
        ({"volume_ratio_strong": "0.6"}, "volume_ratio_strong"),
        ({"ema_periods": [9, 20, 200]}, "ema_periods"),
        ({"ema_periods": [20, 9, 50, 200]}, "ema_periods"),
        ({"liquidity_tiers": [["5000", "0.02"], ["1000", "0.05"]]}, "liquidity_tiers"),
        ({"liquidity_tiers": [["1000", "0.05"], ["5000", "0.02"], ["0", "0.2"]]}, "liquidity_tiers"),
        ({"liquidity_tiers": [["0", "1.5"]]}, "liquidity_tiers"),
        ({"liquidity_tiers": [["0"]]}, "liquidity_tiers"),
        ({"reentry_levels": [10, 20, 30]}, "reentry_levels"),
        ({"backtest_return_weight": "0.5"}, "backtest_return_weight"),
        ({"chart_quality_min_score": 150}, "chart_quality_min_score"),
        ({"chart_quality_warn_gap_frequency": 40}, "chart_quality_warn_gap_frequency"),
        ({"max_position_volume_ratio": 2}, "max_position_volume_ratio"),
        ({"exit_ema_weight_ltp": "NaN"}, "exit_ema_weight_ltp"),
    ],
)
def test_inconsistent_values_are_refused_on_the_field_at_fault(values: dict[str, object], field: str) -> None:
    assert field in errors_of(values)


def test_the_constructor_refuses_bad_values_too() -> None:
    with pytest.raises(InvalidStrategyParams, match="user_capital"):
        StrategyParams(user_capital=D(0))


def test_a_single_tier_from_zero_is_enough() -> None:
    params = StrategyParams.from_mapping({"liquidity_tiers": [[0, "0.1"]]})
    assert params.liquidity_tiers == ((D(0), D("0.1")),)


@given(
    st.decimals(min_value=D(1), max_value=D(20), places=2),
    st.decimals(min_value=D(0), max_value=D(10), places=2),
    st.decimals(min_value=D(1), max_value=D(10_000_000), places=2),
    st.integers(min_value=2, max_value=50),
    st.booleans(),
)
def test_any_valid_config_round_trips(
    extreme: Decimal, extra: Decimal, capital: Decimal, period: int, enabled: bool
) -> None:
    params = StrategyParams(
        rsi_extreme_oversold=extreme,
        rsi_oversold=extreme + extra,
        rsi_near_oversold=extreme + 2 * extra,
        user_capital=capital,
        rsi_period=period,
        chart_quality_enabled=enabled,
    )
    assert StrategyParams.from_mapping(json.loads(json.dumps(params.to_mapping()))) == params
