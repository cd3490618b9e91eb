"""Chart quality (trading/equities/strategy/chart_quality.py): each penalty on a chart built to
earn it, the score's bounds, and the gap count against pandas on real history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given

from brokers.adapters.base import Candle
from tests.trading.equities.strategy.bar_factory import bars_strategy, make_bars, real_history
from trading.equities.strategy import chart_quality as cq
from trading.equities.strategy.params import StrategyParams

D = Decimal
PARAMS = StrategyParams()


def trending(
    days: int, *, step: Decimal = Decimal("0.005"), spread: Decimal = Decimal("0.012")
) -> list[Candle]:
    """A steady climb, each day opening at the last close, with ranges of about 3 %."""
    closes = [D(100) * (1 + step) ** day for day in range(days)]
    return make_bars(closes, spread=spread)


def shifted(bar: Candle, shift: Decimal) -> Candle:
    return Candle(
        bar.opened_at, bar.open + shift, bar.high + shift, bar.low + shift, bar.close + shift, bar.volume
    )


def with_gaps_every(bars: list[Candle], every: int) -> list[Candle]:
    """Every `every`-th day moved up so its low sits 0.2 % above the previous close (a gap up);
    the other days moved to open at the previous close (no gap)."""
    out: list[Candle] = []
    for index, bar in enumerate(bars):
        if index and index % every == 0:
            bar = shifted(bar, out[-1].close * D("1.002") - bar.low)
        elif index:
            bar = shifted(bar, out[-1].close - bar.open)
        out.append(bar)
    return out


def test_a_clean_trending_chart_scores_100() -> None:
    quality = cq.chart_quality(trending(80), PARAMS)
    assert quality.score == 100
    assert quality.penalties == ()
    assert quality.gap_frequency_pct == 0
    assert quality.passes(PARAMS)


@pytest.mark.parametrize(
    ("every", "penalty"),
    [(3, (cq.TOO_MANY_GAPS, D(30))), (6, (cq.SOME_GAPS, D(15)))],
)
def test_gaps_cost_30_above_25_percent_of_days_and_15_above_10(
    every: int, penalty: tuple[str, Decimal]
) -> None:
    quality = cq.chart_quality(with_gaps_every(trending(60), every), PARAMS)
    assert quality.penalties == (penalty,)
    assert quality.score == 100 - penalty[1]


def test_gap_frequency_counts_over_the_window_of_60_days() -> None:
    bars = with_gaps_every(trending(60), 3)  # gaps on days 3, 6, ..., 57: 19 of 60
    assert cq.gap_frequency_pct(bars) == D(100) * 19 / 60
    # The gaps on older days than the window do not count.
    assert cq.chart_quality([*with_gaps_every(trending(60), 2), *trending(60)], PARAMS).penalties == ()


def test_a_flat_chart_costs_25() -> None:
    bars = make_bars([D(100), D("100.1")] * 30, spread=D("0.002"))  # ranges ~0.3 %, window range ~0.5 %
    quality = cq.chart_quality(bars, PARAMS)
    assert quality.penalties == ((cq.FLAT, D(25)),)
    assert quality.score == 75


def test_a_narrow_but_moving_chart_costs_10() -> None:
    # Daily ranges of about 1.5 %: not flat (over 1 %), but under the 2 % a dip trade wants.
    quality = cq.chart_quality(trending(60, step=D("0.004"), spread=D("0.005")), PARAMS)
    assert D(1) < quality.avg_daily_range_pct < D(2)
    assert quality.penalties == ((cq.LOW_RANGE, D(10)),)


def test_a_narrow_range_that_travels_far_is_not_flat() -> None:
    # Average range under 1 %, but a 60-day climb of over 15 %: a low-range chart, not a flat one.
    quality = cq.chart_quality(trending(60, step=D("0.004"), spread=D("0.001")), PARAMS)
    assert quality.avg_daily_range_pct < 1
    assert quality.price_range_pct > 15
    assert quality.penalties == ((cq.LOW_RANGE, D(10)),)


def big_candles(count: int) -> list[Candle]:
    """60 days, the last 30 of which hold `count` candles with 6 % bodies (up, then straight back
    down the next day so the chart stays level), every day opening at the previous close."""
    closes = [D(100)] * 30
    for index in range(count):
        closes += [D(106), D(100)] if index < count // 2 else [D(94), D(100)]
    closes += [D(100)] * (60 - len(closes))
    return make_bars(closes, spread=D("0.015"))


@pytest.mark.parametrize(
    ("count", "penalty"),
    [(8, (cq.TOO_MANY_EXTREME_CANDLES, D(25))), (4, (cq.SOME_EXTREME_CANDLES, D(15))), (2, None)],
)
def test_extreme_candles_cost_25_above_20_percent_of_30_days_and_15_above_10(
    count: int, penalty: tuple[str, Decimal] | None
) -> None:
    # Each 6 % candle comes back the next day, so `count` becomes 2 x count big bodies.
    quality = cq.chart_quality(big_candles(count // 2), PARAMS)
    assert quality.extreme_candle_frequency_pct == D(100) * count / 30
    names = [name for name, _ in quality.penalties]
    assert (cq.TOO_MANY_EXTREME_CANDLES in names or cq.SOME_EXTREME_CANDLES in names) == (penalty is not None)
    if penalty is not None:
        assert penalty in quality.penalties


def test_the_filter_passes_everything_when_disabled() -> None:
    quality = cq.ChartQuality(score=D(0), penalties=())
    assert not quality.passes(PARAMS)
    assert quality.passes(StrategyParams(chart_quality_enabled=False))
    assert cq.ChartQuality(score=D(50), penalties=()).passes(PARAMS)  # the minimum itself passes


@given(bars_strategy(min_size=0, max_size=40))
def test_the_score_is_100_minus_its_penalties_within_0_and_100(bars: list[Candle]) -> None:
    quality = cq.chart_quality(bars, PARAMS)
    assert D(0) <= quality.score <= D(100)
    assert quality.score == max(D(0), 100 - sum((points for _, points in quality.penalties), D(0)))
    names = [name for name, _ in quality.penalties]
    assert len(names) == len(set(names)) <= 3


SHORT_WINDOWS = StrategyParams(chart_quality_window_days=12, chart_quality_extreme_days=6)


@given(bars_strategy(min_size=12, max_size=12), bars_strategy(min_size=0, max_size=12))
def test_only_the_window_counts(recent: list[Candle], older: list[Candle]) -> None:
    first = recent[0].opened_at
    older = [
        Candle(first - timedelta(days=len(older) - i), b.open, b.high, b.low, b.close, b.volume)
        for i, b in enumerate(older)
    ]
    params = SHORT_WINDOWS
    assert cq.chart_quality([*older, *recent], params) == cq.chart_quality(recent, params)


@pytest.mark.parametrize("ticker", ["IBM", "MSFT"])
def test_gap_frequency_agrees_with_pandas_on_real_history(ticker: str) -> None:
    bars = real_history(ticker)
    frame = pd.DataFrame(
        {
            "high": [float(b.high) for b in bars],
            "low": [float(b.low) for b in bars],
            "close": [float(b.close) for b in bars],
        }
    )
    previous = frame["close"].shift()
    gapped = ((frame["low"] > previous) | (frame["high"] < previous)).astype(float)
    gapped.iloc[0] = 0.0
    for end in range(60, len(bars), 97):
        window = bars[end - 60 : end]
        expected = 100 * gapped.iloc[end - 59 : end].sum() / 60  # the window's first bar cannot gap
        assert float(cq.gap_frequency_pct(window)) == pytest.approx(expected, rel=1e-12)
