"""The model's features (mlops/features.py): each pattern on hand-built candles, the indicators'
features on series whose trend is known, and properties of any valid series."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokers.adapters.base import Candle
from brokers.marketdata.days import NSE, daily_opened_at
from mlops.dataset import FEATURE_NAMES, features_at
from mlops.features import (
    DIP_LOOKBACK_DAYS,
    alignment,
    bullish_divergence,
    dip,
    features_of_day,
    is_bullish_engulfing,
    is_hammer,
    red_days,
)
from tests.trading.equities.strategy.bar_factory import bars_strategy, make_bars
from trading.equities.strategy.indicators import snapshot, snapshots
from trading.equities.strategy.params import StrategyParams

D = Decimal
PARAMS = StrategyParams()
FLAGS = ("above_ema200", "strong_volume", "hammer", "bullish_engulfing", "bullish_divergence")


def candle(open_: str, high: str, low: str, close: str, n: int = 0, volume: int = 100_000) -> Candle:
    return Candle(
        opened_at=daily_opened_at(date(2024, 1, 1) + timedelta(days=n), NSE),
        open=D(open_),
        high=D(high),
        low=D(low),
        close=D(close),
        volume=D(volume),
    )


def named(values: Sequence[float]) -> dict[str, float]:
    assert len(values) == len(FEATURE_NAMES)
    return dict(zip(FEATURE_NAMES, values, strict=True))


def same(left: Sequence[float], right: Sequence[float]) -> bool:
    """Equal, NaN matching NaN."""
    return len(left) == len(right) and all(
        (math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(left, right, strict=True)
    )


# --- candle patterns, by hand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bar", "expected"),
    [
        (candle("100", "101", "90", "101"), True),  # green body 1, lower shadow 10, upper 0
        (candle("101", "101.5", "94", "100"), True),  # red body 1, shadow 6, upper 0.5
        (candle("100", "100", "95", "100"), True),  # a dragonfly doji: no body, no upper shadow
        (candle("100", "106", "90", "101"), False),  # upper shadow 5 > body 1: a spinning top
        (candle("100", "104", "99", "104"), False),  # a full green candle, shadow 1 < 2 x body 4
        (candle("100", "100", "100", "100"), False),  # no range at all
    ],
)
def test_hammer_is_a_long_lower_shadow_under_a_small_body(bar: Candle, expected: bool) -> None:
    assert is_hammer(bar) is expected


@pytest.mark.parametrize(
    ("previous", "bar", "expected"),
    [
        (candle("105", "106", "99", "100"), candle("99", "107", "98", "106", 1), True),
        (candle("105", "106", "99", "100"), candle("100", "106", "99", "105.5", 1), True),  # body 5.5 > 5
        (candle("105", "106", "99", "100"), candle("100", "106", "99", "105", 1), False),  # equal body
        (candle("105", "106", "99", "100"), candle("101", "107", "100", "106", 1), False),  # opens above
        (candle("100", "106", "99", "105"), candle("99", "107", "98", "106", 1), False),  # after green
        (candle("105", "106", "99", "100"), candle("106", "107", "98", "99", 1), False),  # red today
    ],
)
def test_bullish_engulfing_is_a_green_body_covering_the_previous_red_one(
    previous: Candle, bar: Candle, expected: bool
) -> None:
    assert is_bullish_engulfing(previous, bar) is expected


def closes_bars(closes: Sequence[str]) -> list[Candle]:
    return make_bars([D(c) for c in closes])


# Twelve quiet days, a steep fall to 80 (RSI deep down), a bounce, then a slow slide to 79:
# a lower close than 80, reached by small losses, so RSI stays well above its first low.
QUIET = ["100", "101"] * 6
STEEP = ["96", "92", "88", "84", "80"]
DIVERGING = [*QUIET, *STEEP, "84", "88", "90", "86", "83", "79"]
# The same fall going on without a bounce: the lower low comes with a lower RSI.
CONFIRMING = [*QUIET, *STEEP, "77", "74", "71", "68", "65", "62"]


def divergence(closes: Sequence[str]) -> bool | None:
    snaps = snapshots(closes_bars(closes), PARAMS)
    return bullish_divergence([snap.close for snap in snaps], [snap.rsi for snap in snaps])


def test_a_lower_low_with_a_higher_rsi_is_a_bullish_divergence() -> None:
    snaps = snapshots(closes_bars(DIVERGING), PARAMS)
    first_low = snaps[len(QUIET) + len(STEEP) - 1]
    assert first_low.close == 80 and snaps[-1].close == 79
    assert first_low.rsi is not None and snaps[-1].rsi is not None and snaps[-1].rsi > first_low.rsi

    assert divergence(DIVERGING) is True
    assert named(features_at(closes_bars(DIVERGING), PARAMS))["bullish_divergence"] == 1.0


def test_a_lower_low_with_a_lower_rsi_is_no_divergence() -> None:
    assert divergence(CONFIRMING) is False
    assert named(features_at(closes_bars(CONFIRMING), PARAMS))["bullish_divergence"] == 0.0


def test_no_lower_low_is_no_divergence_and_an_unknown_rsi_is_nan() -> None:
    assert divergence([*DIVERGING, "85"]) is False
    short = ["100", "99", "98", "97"]  # RSI10 needs 11 closes
    assert divergence(short) is None
    assert math.isnan(named(features_at(closes_bars(short), PARAMS))["bullish_divergence"])


# --- dips, red days, alignment, volume --------------------------------------------------------------


def test_dip_depth_counts_from_the_highest_close_and_its_speed_per_day() -> None:
    bars = closes_bars(["90", "100", "98", "95", "92", "90"])  # 10 % under the close of 100, 4 days ago
    assert dip(bars) == (D(10), 4)

    values = named(features_at(bars, PARAMS))
    assert values["dip_depth_pct"] == 10.0
    assert values["dip_days"] == 4.0
    assert values["dip_speed_pct_per_day"] == 2.5


def test_a_close_at_its_high_has_no_dip_and_a_high_too_old_is_forgotten() -> None:
    assert dip(closes_bars(["90", "95", "100"])) == (D(0), 0)
    old_high = closes_bars(["200", *(["100"] * DIP_LOOKBACK_DAYS)])
    assert dip(old_high) == (D(0), 0)  # the 200 is out of the window; the latest 100 is the high
    assert named(features_at(old_high, PARAMS))["dip_speed_pct_per_day"] == 0.0


def test_red_days_count_the_red_candles_up_to_the_last_one() -> None:
    bars = [
        candle("100", "101", "99", "99", 0),  # red, but a green candle follows
        candle("99", "102", "98", "101", 1),  # green
        candle("101", "101", "97", "98", 2),
        candle("98", "99", "95", "96", 3),
        candle("96", "97", "93", "94", 4),
    ]
    assert red_days(bars) == 3
    assert named(features_at(bars, PARAMS))["red_days"] == 3.0
    assert red_days([*bars, candle("94", "95", "93", "94", 5)]) == 0  # a doji breaks the streak


def test_alignment_is_four_in_a_steady_rise_zero_in_a_steady_fall_and_nan_when_short() -> None:
    rise = make_bars([D(100) + D(i) / 4 for i in range(260)])
    fall = make_bars([D(300) - D(i) / 4 for i in range(260)])
    assert alignment(snapshot(rise, PARAMS)) == 4
    assert alignment(snapshot(fall, PARAMS)) == 0
    assert named(features_at(rise, PARAMS))["alignment"] == 4.0
    assert named(features_at(rise, PARAMS))["above_ema200"] == 1.0
    assert named(features_at(fall, PARAMS))["above_ema200"] == 0.0
    assert math.isnan(named(features_at(rise[:199], PARAMS))["alignment"])  # no EMA200 yet


def test_the_indicator_features_are_distances_from_the_strategy_s_own_values() -> None:
    bars = make_bars([D(100) + D(i % 7) - D(i) / 10 for i in range(230)])
    snap = snapshot(bars, PARAMS)
    values = named(features_at(bars, PARAMS))

    assert snap.rsi is not None and values["rsi"] == float(snap.rsi)
    for period, ema in zip((9, 20, 50, 200), (snap.ema9, snap.ema20, snap.ema50, snap.ema200), strict=True):
        assert ema is not None
        assert values[f"close_vs_ema{period}_pct"] == float((snap.close / ema - 1) * 100)
    assert snap.volume_ratio is not None and values["volume_ratio"] == float(snap.volume_ratio)
    assert values["above_support_pct"] == float((snap.close / snap.recent_low - 1) * 100)
    highest = max(bar.high for bar in bars[-PARAMS.recent_low_days :])
    assert values["below_high_pct"] == float((1 - snap.close / highest) * 100)


def test_strong_volume_is_the_strategy_s_ratio_and_unknown_until_the_average_exists() -> None:
    volumes = [D(100_000)] * 60
    quiet = make_bars([D(100)] * 60, volumes=volumes)
    loud = make_bars([D(100)] * 60, volumes=[*volumes[:-1], D(200_000)])
    assert named(features_at(quiet, PARAMS))["strong_volume"] == 0.0
    assert named(features_at(loud, PARAMS))["strong_volume"] == 1.0
    assert math.isnan(named(features_at(quiet[:10], PARAMS))["strong_volume"])  # 50-day average


def test_pe_and_pb_are_passed_through_and_nan_when_unknown() -> None:
    bars = closes_bars(QUIET)
    assert named(features_at(bars, PARAMS, pe=D("18.5"), pb=D("-2")))["pe"] == 18.5
    assert named(features_at(bars, PARAMS, pe=D("18.5"), pb=D("-2")))["pb"] == -2.0
    unknown = named(features_at(bars, PARAMS))
    assert math.isnan(unknown["pe"]) and math.isnan(unknown["pb"])


def test_no_bars_is_an_error() -> None:
    with pytest.raises(ValueError, match="no bars"):
        features_at([], PARAMS)


# --- properties of any valid series ----------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(bars_strategy(min_size=1, max_size=80))
def test_features_are_finite_or_nan_flags_are_booleans_and_counts_in_range(bars: list[Candle]) -> None:
    values = named(features_at(bars, PARAMS))

    assert all(math.isfinite(v) or math.isnan(v) for v in values.values())
    for flag in FLAGS:
        assert math.isnan(values[flag]) or values[flag] in (0.0, 1.0)
    assert values["hammer"] in (0.0, 1.0) and values["bullish_engulfing"] in (0.0, 1.0)
    assert math.isnan(values["alignment"]) or values["alignment"] in (0.0, 1.0, 2.0, 3.0, 4.0)
    assert 0 <= values["red_days"] <= len(bars) and values["red_days"].is_integer()
    assert 0 <= values["dip_days"] < DIP_LOOKBACK_DAYS
    assert values["dip_depth_pct"] >= 0 and values["dip_speed_pct_per_day"] >= 0
    assert values["below_high_pct"] >= 0 and values["above_support_pct"] >= 0
    assert math.isnan(values["rsi"]) or 0 <= values["rsi"] <= 100


@settings(max_examples=40, deadline=None)
@given(bars_strategy(min_size=2, max_size=80), st.data())
def test_a_day_s_features_ignore_every_later_bar(bars: list[Candle], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(bars) - 1), label="day")
    from_the_whole_series = features_of_day(bars, snapshots(bars, PARAMS), index, PARAMS)
    assert same(from_the_whole_series, features_at(bars[: index + 1], PARAMS))
