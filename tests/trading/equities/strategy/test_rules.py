"""The strategy's rules (trading/equities/strategy/rules.py): the entry filters in their order,
sizing, targets, the EMA9 exit price and the re-entry levels."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.trading.equities.strategy.bar_factory import real_history
from trading.equities.strategy import rules
from trading.equities.strategy.chart_quality import ChartQuality, chart_quality
from trading.equities.strategy.indicators import Snapshot, realtime_ema, snapshots
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import EntryCheck, TargetTier

D = Decimal
PARAMS = StrategyParams()
CLEAN = ChartQuality(score=D(100), penalties=())

prices = st.decimals(min_value=D("0.05"), max_value=D(100_000), places=2)
volumes = st.decimals(min_value=D(0), max_value=D(100_000_000), places=0)
rsis = st.decimals(min_value=D(0), max_value=D(100), places=2)
ticks = st.sampled_from([D("0.01"), D("0.05"), D("0.10"), D(1)])


def dip(**changes: object) -> Snapshot:
    """A stock that passes every entry rule: RSI 25 above EMA200, volume at its average."""
    base = Snapshot(
        day=date(2025, 3, 3),
        close=D(100),
        rsi=D(25),
        ema9=D(104),
        ema20=D(106),
        ema50=D(102),
        ema200=D(90),
        volume=D(50_000),
        avg_volume=D(50_000),
        volume_ratio=D(1),
        above_ema200=True,
        recent_low=D(97),
    )
    return replace(base, **changes)  # type: ignore[arg-type]  # test helper: fields by keyword


# --- entry ------------------------------------------------------------------------------------


def test_a_clean_oversold_dip_passes() -> None:
    check = rules.entry_check(dip(), CLEAN, PARAMS)
    assert check == EntryCheck(True, "", "RSI 25.00 < 30, volume 1.00x")


def test_the_rsi_threshold_is_30_above_ema200_and_20_below_or_unknown() -> None:
    assert rules.rsi_threshold(dip(above_ema200=True), PARAMS) == 30
    assert rules.rsi_threshold(dip(above_ema200=False), PARAMS) == 20
    assert rules.rsi_threshold(dip(above_ema200=None, ema200=None), PARAMS) == 20


@pytest.mark.parametrize(
    ("snapshot", "quality", "fundamentals", "rule"),
    [
        (dip(rsi=None), CLEAN, {}, rules.INSUFFICIENT_HISTORY),
        (dip(avg_volume=None, volume_ratio=None), CLEAN, {}, rules.INSUFFICIENT_HISTORY),
        (dip(), ChartQuality(D(45), (("too_many_gaps", D(30)), ("flat", D(25)))), {}, rules.CHART_QUALITY),
        (dip(), CLEAN, {"pe": D(-3), "pb": D(5)}, rules.FUNDAMENTALS),
        (dip(avg_volume=D(9_999), volume=D(9_999)), CLEAN, {}, rules.LIQUIDITY),
        (dip(rsi=D(30)), CLEAN, {}, rules.RSI),
        (dip(rsi=D(25), above_ema200=False), CLEAN, {}, rules.RSI),
        (dip(rsi=D(35), volume_ratio=D("0.69")), CLEAN, {}, rules.RSI),  # both fail: RSI comes first
        (dip(volume_ratio=D("0.49")), CLEAN, {}, rules.VOLUME),
        (dip(close=D(300_000)), CLEAN, {}, rules.POSITION_SIZE),
    ],
)
def test_the_first_failed_rule_is_named(
    snapshot: Snapshot, quality: ChartQuality, fundamentals: dict[str, Decimal], rule: str
) -> None:
    check = rules.entry_check(snapshot, quality, PARAMS, **fundamentals)
    assert (check.passed, check.rule) == (False, rule)
    assert check.detail


def test_the_chart_quality_failure_says_why() -> None:
    quality = ChartQuality(D(45), (("too_many_gaps", D(30)), ("flat", D(25))))
    assert rules.entry_check(dip(), quality, PARAMS).detail == "chart quality 45 < 50 (too_many_gaps, flat)"
    assert rules.entry_check(dip(), quality, StrategyParams(chart_quality_enabled=False)).passed


@pytest.mark.parametrize(
    ("pe", "pb", "avoided"),
    [
        (D(-3), D(5), True),
        (D(-3), D("4.99"), False),
        (D(-3), None, False),
        (None, D(9), False),
        (D(12), D(9), False),
    ],
)
def test_only_a_known_loss_maker_at_a_high_pb_is_avoided(
    pe: Decimal | None, pb: Decimal | None, avoided: bool
) -> None:
    assert rules.entry_check(dip(), CLEAN, PARAMS, pe=pe, pb=pb).passed is not avoided
    assert (rules.FUNDAMENTALS in rules.HARD_FILTERS) and (rules.CHART_QUALITY in rules.HARD_FILTERS)


def test_volume_needs_0_7x_its_average_or_0_5x_when_oversold() -> None:
    assert rules.entry_check(dip(rsi=D(25), volume_ratio=D("0.5")), CLEAN, PARAMS).passed
    strict = StrategyParams(rsi_oversold=D(20), rsi_extreme_oversold=D(15), rsi_near_oversold=D(40))
    # RSI 18 is under 20, so oversold: 0.5x; RSI 18 with rsi_oversold 15 would need 0.7x.
    assert rules.required_volume_ratio(dip(rsi=D(18)), strict) == D("0.5")
    assert rules.required_volume_ratio(dip(rsi=D(22)), strict) == D("0.7")
    assert rules.entry_check(dip(rsi=D(18), volume_ratio=D("0.6")), CLEAN, strict).passed
    loose = StrategyParams(rsi_oversold=D(15), rsi_extreme_oversold=D(10), rsi_near_oversold=D(40))
    assert rules.required_volume_ratio(dip(rsi=D(18)), loose) == D("0.7")
    assert rules.is_strong_volume(dip(volume_ratio=D("1.2")), PARAMS)
    assert not rules.is_strong_volume(dip(volume_ratio=D("1.19")), PARAMS)
    assert "strong volume" in rules.entry_check(dip(volume_ratio=D(2)), CLEAN, PARAMS).detail


def test_on_real_history_some_days_pass_and_every_failure_names_a_rule() -> None:
    bars = real_history("IBM")[-750:]
    outcomes: dict[str, int] = {}
    for index, shot in enumerate(snapshots(bars, PARAMS)):
        quality = chart_quality(bars[max(0, index - 59) : index + 1], PARAMS)
        check = rules.entry_check(shot, quality, PARAMS)
        assert check.passed == (check.rule == "")
        assert check.passed or check.rule in rules.ENTRY_RULES
        if check.passed:  # a pass really is an oversold dip with enough volume
            assert shot.rsi is not None
            assert shot.rsi < rules.rsi_threshold(shot, PARAMS)
            assert shot.volume_ratio is not None
            assert shot.volume_ratio >= rules.required_volume_ratio(shot, PARAMS)
        outcomes[check.rule] = outcomes.get(check.rule, 0) + 1
    assert outcomes.get("", 0) > 0
    assert outcomes[rules.RSI] > outcomes.get("", 0)  # most days are not dips
    assert outcomes[rules.INSUFFICIENT_HISTORY] == PARAMS.avg_volume_days - 1


# --- sizing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "cap"),
    [
        (D(6000), D(2000)),
        (D(5000), D(2000)),
        (D("4999.95"), D(5000)),
        (D(1000), D(5000)),
        (D(999), D(10_000)),
        (D(500), D(10_000)),
        (D("499.99"), D(20_000)),
        (D(1), D(20_000)),
    ],
)
def test_the_liquidity_cap_by_price_tier(price: Decimal, cap: Decimal) -> None:
    assert rules.liquidity_cap(price, D(100_000), PARAMS) == cap


@pytest.mark.parametrize(
    ("close", "avg_volume", "quantity"),
    [
        (D(100), D(1_000_000), 2000),  # the user's 200,000 buys 2,000
        (D(100), D(10_000), 1000),  # a thin stock: 10 % of a day's value, 100,000, buys 1,000
        (D(6000), D(10_000), 33),  # floor(200,000 / 6,000)
        (D(5000), D(1_000), 20),  # 2 % of 1,000 shares a day caps the 40 the money would buy
        (D(300_000), D(1_000_000), 0),  # not one share for 200,000
    ],
)
def test_position_quantity(close: Decimal, avg_volume: Decimal, quantity: int) -> None:
    assert rules.position_quantity(close, avg_volume, PARAMS) == quantity


@given(prices, volumes, st.decimals(min_value=D(1000), max_value=D(10_000_000), places=0))
def test_a_position_never_exceeds_the_capital_nor_the_tier_cap(
    close: Decimal, avg_volume: Decimal, capital: Decimal
) -> None:
    params = StrategyParams(user_capital=capital)
    quantity = rules.position_quantity(close, avg_volume, params)
    assert quantity >= 0
    assert quantity * close <= capital
    assert quantity * close <= rules.position_capital(close, avg_volume, params)
    assert quantity <= rules.liquidity_cap(close, avg_volume, params)
    # and it is the largest such quantity
    bigger = quantity + 1
    assert bigger * close > rules.position_capital(close, avg_volume, params) or bigger > rules.liquidity_cap(
        close, avg_volume, params
    )


def test_a_price_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="close must be positive"):
        rules.position_quantity(D(0), D(1000), PARAMS)


# --- targets ----------------------------------------------------------------------------------


def test_targets_by_hand() -> None:
    # stop = min(95 x 0.995 = 94.525, 100 x 0.92 = 92) = 92; risk 8; buy: max(108, 100 + 2.5 x 8)
    assert rules.targets(D(100), D(95), TargetTier.BUY, PARAMS) == (D(120), D(92))
    # stop = min(89.55, 92) = 89.55; risk 10.45; strong: max(112, 100 + 3 x 10.45)
    assert rules.targets(D(100), D(90), TargetTier.STRONG_BUY, PARAMS) == (D("131.35"), D("89.55"))
    # With a 1R target the percentage is the binding floor: excellent 15 %.
    one_r = StrategyParams(excellent_risk_reward=D("0.5"))
    assert rules.targets(D(100), D(99), TargetTier.EXCELLENT, one_r) == (D(115), D(92))


@given(prices, st.decimals(min_value=D("0.05"), max_value=D(2), places=2), st.sampled_from(list(TargetTier)))
def test_the_stop_is_below_the_price_and_the_target_meets_both_floors(
    price: Decimal, low_ratio: Decimal, tier: TargetTier
) -> None:
    target, stop = rules.targets(price, price * low_ratio, tier, PARAMS)
    pct, reward = {
        TargetTier.BUY: (8, D("2.5")),
        TargetTier.STRONG_BUY: (12, D(3)),
        TargetTier.EXCELLENT: (15, D("3.5")),
    }[tier]
    assert stop <= price * D("0.92")
    assert stop <= price * low_ratio * D("0.995")
    assert target >= price * (1 + D(pct) / 100)
    assert target - price >= reward * (price - stop)


# --- exit -------------------------------------------------------------------------------------


def test_exit_price_by_hand() -> None:
    assert rules.exit_price(D(110), D(100), D("0.05"), PARAMS) == D("102.00")  # 22 + 80: on the tick
    assert rules.exit_price(D("101.13"), D(100), D("0.05"), PARAMS) == D("100.25")  # 100.226 rounds up
    assert rules.exit_price(D("101.13"), D(100), D("0.01"), PARAMS) == D("100.23")


@given(prices, prices, ticks)
def test_the_exit_price_is_the_realtime_ema_rounded_up_to_the_tick(
    ltp: Decimal, previous_ema9: Decimal, tick: Decimal
) -> None:
    exact = realtime_ema(ltp, previous_ema9, PARAMS.exit_ema_weight_ltp)
    price = rules.exit_price(ltp, previous_ema9, tick, PARAMS)
    assert price % tick == 0
    assert exact <= price < exact + tick


def test_the_exit_is_skipped_while_ema9_is_under_95_percent_of_the_entry() -> None:
    assert rules.should_skip_exit(D("94.99"), D(100), PARAMS)
    assert not rules.should_skip_exit(D(95), D(100), PARAMS)


def test_the_optional_rsi_exit_is_above_50_and_can_be_turned_off() -> None:
    assert rules.rsi_exit(D("50.01"), PARAMS)
    assert not rules.rsi_exit(D(50), PARAMS)
    assert not rules.rsi_exit(None, PARAMS)
    assert not rules.rsi_exit(D(80), StrategyParams(exit_on_rsi_enabled=False))


# --- re-entry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rsi", "taken", "level"),
    [
        (D(28), [], 30),
        (D(28), [30], None),  # the 30 level is spent until RSI goes back above 30
        (D(19), [30], 20),
        (D(15), [], 20),  # under two free levels: one buy, at the deeper one
        (D(9), [30], 10),
        (D(9), [20], 10),
        (D(25), [20], None),  # taking 20 spent 30 too
        (D(9), [10], None),
        (D(30), [], None),  # "under 30" is strict
    ],
)
def test_reentry_level(rsi: Decimal, taken: list[int], level: int | None) -> None:
    assert rules.reentry_level(rsi, taken, PARAMS) == level


@given(rsis, st.lists(st.sampled_from([30, 20, 10]), max_size=3))
def test_a_reentry_level_is_crossed_and_deeper_than_any_taken(rsi: Decimal, taken: list[int]) -> None:
    level = rules.reentry_level(rsi, taken, PARAMS)
    assume(level is not None)
    assert level is not None
    assert level in PARAMS.reentry_levels
    assert rsi < level
    assert all(level < spent for spent in taken)


def test_levels_reset_once_rsi_is_back_above_30() -> None:
    assert rules.reentry_reset(D("30.01"), PARAMS)
    assert not rules.reentry_reset(D(30), PARAMS)
