"""The scores and the verdict (trading/equities/strategy/scoring.py): worked examples, then
their bounds as properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.equities.strategy.backtest import EXIT_EMA9, BacktestResult, BacktestTrade
from trading.equities.strategy.chart_quality import ChartQuality
from trading.equities.strategy.indicators import Snapshot
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import (
    CHART_QUALITY,
    FUNDAMENTALS,
    INSUFFICIENT_HISTORY,
    LIQUIDITY,
    POSITION_SIZE,
    RSI,
    VOLUME,
    EntryCheck,
    TargetTier,
    Verdict,
)
from trading.equities.strategy.scoring import (
    backtest_score,
    combined_score,
    strength_score,
    target_tier,
    tradeable,
    verdict,
)

D = Decimal
PARAMS = StrategyParams()
PASSED = EntryCheck(True, "", "")


def quality(score: str | int) -> ChartQuality:
    return ChartQuality(score=D(score), penalties=())


def dip(**changes: object) -> Snapshot:
    """RSI 22 above EMA200 (threshold 30), volume 1.3x, EMA9 3 % above the close."""
    base = Snapshot(
        day=date(2025, 3, 3),
        close=D(100),
        rsi=D(22),
        ema9=D(103),
        ema20=D(106),
        ema50=D(102),
        ema200=D(90),
        volume=D(65_000),
        avg_volume=D(50_000),
        volume_ratio=D("1.3"),
        above_ema200=True,
        recent_low=D(97),
    )
    return replace(base, **changes)  # type: ignore[arg-type]  # test helper: fields by keyword


def result(total: str, win_rate: str, buy_and_hold: str, trades: int = 4) -> BacktestResult:
    trade = BacktestTrade(date(2024, 1, 2), D(100), date(2024, 1, 5), D(104), EXIT_EMA9)
    return BacktestResult((trade,) * trades, D(total), D(win_rate), D(buy_and_hold))


# --- strength ---------------------------------------------------------------------------------


def test_strength_adds_rsi_depth_volume_room_to_ema9_and_chart_quality() -> None:
    # 30 - 22 = 8 RSI points; 1.3x >= 1.2x strong: 5; EMA9 3 % above: 3; quality 90 / 20 = 4.5.
    assert strength_score(dip(), quality(90), PARAMS) == D("20.5")


def test_strength_uses_the_deeper_threshold_below_ema200() -> None:
    below = dip(above_ema200=False, ema200=D(120))  # threshold 20: RSI 22 earns no depth
    assert strength_score(below, quality(90), PARAMS) == D("12.5")


@pytest.mark.parametrize(
    ("ratio", "points"), [("1.2", 5), ("1.19", 3), ("0.7", 3), ("0.69", 1), ("0.5", 1), ("0.49", 0)]
)
def test_volume_points_step_at_the_strong_normal_and_oversold_ratios(ratio: str, points: int) -> None:
    base = strength_score(dip(volume_ratio=D(0)), quality(0), PARAMS)
    assert strength_score(dip(volume_ratio=D(ratio)), quality(0), PARAMS) - base == points


def test_each_part_is_capped_so_the_best_setup_scores_25() -> None:
    extreme = dip(rsi=D(1), ema9=D(150), volume_ratio=D(9))
    assert strength_score(extreme, quality(100), PARAMS) == 25


def test_missing_indicators_earn_nothing() -> None:
    short = dip(rsi=None, ema9=None, volume_ratio=None, avg_volume=None)
    assert strength_score(short, quality(0), PARAMS) == 0


snapshots = st.builds(
    dip,
    rsi=st.none() | st.decimals(min_value=D(0), max_value=D(100), places=2),
    close=st.decimals(min_value=D("0.05"), max_value=D(100_000), places=2),
    ema9=st.none() | st.decimals(min_value=D("0.05"), max_value=D(100_000), places=2),
    volume_ratio=st.none() | st.decimals(min_value=D(0), max_value=D(50), places=3),
    above_ema200=st.none() | st.booleans(),
)


@given(snapshots, st.decimals(min_value=D(0), max_value=D(100), places=1))
def test_strength_is_between_0_and_25(snap: Snapshot, score: Decimal) -> None:
    assert 0 <= strength_score(snap, quality(score), PARAMS) <= 25


@given(snapshots, st.decimals(min_value=D(0), max_value=D(100), places=2))
def test_a_deeper_rsi_never_lowers_the_strength(snap: Snapshot, lower_by: Decimal) -> None:
    if snap.rsi is None:
        return
    deeper = replace(snap, rsi=max(D(0), snap.rsi - lower_by))
    assert strength_score(deeper, quality(80), PARAMS) >= strength_score(snap, quality(80), PARAMS)


# --- backtest score ---------------------------------------------------------------------------


def test_backtest_score_weighs_return_win_rate_and_buy_and_hold_40_40_20() -> None:
    # Return 15 % of the 30 % for full marks: 50; win rate 75; 15 points above holding: 75.
    assert backtest_score(result("15", "75", "0"), PARAMS) == D("0.4") * 50 + D("0.4") * 75 + D("0.2") * 75


def test_backtest_score_clamps_each_part() -> None:
    assert backtest_score(result("90", "100", "-50"), PARAMS) == 100
    assert backtest_score(result("-20", "0", "40"), PARAMS) == 0


def test_no_trades_score_zero_even_when_holding_lost() -> None:
    assert backtest_score(result("0", "0", "-40", trades=0), PARAMS) == 0


def test_the_weights_are_the_users() -> None:
    returns_only = replace(
        PARAMS, backtest_return_weight=D(1), backtest_win_rate_weight=D(0), backtest_buy_and_hold_weight=D(0)
    )
    assert backtest_score(result("15", "75", "0"), returns_only) == 50


pct = st.decimals(min_value=D(-100), max_value=D(10_000), places=2)


@given(pct, st.decimals(min_value=D(0), max_value=D(100), places=2), pct, st.integers(0, 5))
def test_backtest_score_is_between_0_and_100(total: Decimal, wins: Decimal, hold: Decimal, n: int) -> None:
    assert 0 <= backtest_score(result(str(total), str(wins), str(hold), n), PARAMS) <= 100


@given(pct, pct, st.decimals(min_value=D(0), max_value=D(100), places=2), pct)
def test_a_better_return_never_lowers_the_backtest_score(
    one: Decimal, other: Decimal, wins: Decimal, hold: Decimal
) -> None:
    low, high = sorted((one, other))
    assert backtest_score(result(str(high), str(wins), str(hold)), PARAMS) >= backtest_score(
        result(str(low), str(wins), str(hold)), PARAMS
    )


# --- combined, verdict, tradeable ---------------------------------------------------------------


def test_combined_is_the_average_of_strength_and_backtest() -> None:
    assert combined_score(D(20), D(65)) == D("42.5")


@pytest.mark.parametrize(
    ("rule", "rsi", "expected"),
    [
        (CHART_QUALITY, "25", Verdict.AVOID),  # hard filters avoid, however oversold
        (FUNDAMENTALS, "25", Verdict.AVOID),
        (LIQUIDITY, "25", Verdict.AVOID),
        (INSUFFICIENT_HISTORY, "25", Verdict.AVOID),
        (POSITION_SIZE, "25", Verdict.AVOID),
        (RSI, "35", Verdict.WATCH),  # near oversold: a setup forming
        (RSI, "40", Verdict.AVOID),
        (VOLUME, "25", Verdict.WATCH),  # oversold, volume not confirming yet
    ],
)
def test_failed_checks_are_avoid_or_watch(rule: str, rsi: str, expected: Verdict) -> None:
    check = EntryCheck(False, rule, "")
    assert verdict(check, D(60), dip(rsi=D(rsi)), PARAMS) is expected


@pytest.mark.parametrize(
    ("ratio", "combined", "expected"),
    [
        ("1.2", "40", Verdict.STRONG_BUY),
        ("1.2", "39.99", Verdict.BUY),
        ("1.19", "60", Verdict.BUY),
        ("0.5", "10", Verdict.BUY),  # passed, though too weak to trade (see tradeable)
    ],
)
def test_passed_checks_are_strong_buy_with_strong_volume_and_a_good_score(
    ratio: str, combined: str, expected: Verdict
) -> None:
    assert verdict(PASSED, D(combined), dip(volume_ratio=D(ratio)), PARAMS) is expected


@pytest.mark.parametrize(
    ("decided", "combined", "expected"),
    [
        (Verdict.BUY, "25", True),
        (Verdict.STRONG_BUY, "62.5", True),
        (Verdict.BUY, "24.99", False),
        (Verdict.WATCH, "60", False),
        (Verdict.AVOID, "60", False),
    ],
)
def test_tradeable_needs_buy_or_strong_buy_and_the_minimum_combined_score(
    decided: Verdict, combined: str, expected: bool
) -> None:
    assert tradeable(decided, D(combined), PARAMS) is expected


def test_the_minimum_combined_score_is_the_users() -> None:
    assert not tradeable(Verdict.BUY, D(30), replace(PARAMS, min_combined_score=D(35)))


@pytest.mark.parametrize(
    ("decided", "combined", "tier"),
    [
        (Verdict.STRONG_BUY, "50", TargetTier.EXCELLENT),
        (Verdict.STRONG_BUY, "49", TargetTier.STRONG_BUY),
        (Verdict.BUY, "60", TargetTier.BUY),
    ],
)
def test_target_tier_follows_the_verdict_and_score(decided: Verdict, combined: str, tier: TargetTier) -> None:
    assert target_tier(decided, D(combined), PARAMS) is tier
