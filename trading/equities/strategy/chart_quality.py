"""Chart quality: 100 minus penalties for charts the dip-buying rules read badly.

An oversold RSI means little on a chart that jumps between sessions, barely moves, or is made of
a few huge candles, so such stocks are avoided whatever their RSI (a hard filter in `rules`).
Three measures, each with a big penalty above its limit and a smaller one above its warning
level (points and levels are `chart_quality_*` fields of `StrategyParams`):

- gaps, over the last `chart_quality_window_days` (60) bars: a bar gaps when its whole range lies
  above or below the previous close (low > previous close, or high < previous close); frequency =
  gapping bars / bars in the window x 100 (as the old service counted). > 25 %: -30, > 10 %: -15.
- movement, over the same window: average daily range % = mean(high - low) / mean(close) x 100.
  Flat (-25) when it is under 1 % and the whole window's range (highest high - lowest low) is under
  15 % of the mean close; otherwise an average daily range under 2 % costs -10.
- extreme candles, over the last `chart_quality_extreme_days` (30) bars: a body |close - open|
  above 5 % of the open, or above 3x the window's average daily range. > 20 % of the bars: -25,
  > 10 %: -15.

The score is computed whether or not the filter is enabled (the scanner shows it either way);
`rules.entry_check` applies it only when `chart_quality_enabled`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from brokers.adapters.base import Candle as Bar
from trading.equities.strategy.params import StrategyParams

ZERO = Decimal(0)
HUNDRED = Decimal(100)

TOO_MANY_GAPS = "too_many_gaps"
SOME_GAPS = "some_gaps"
FLAT = "flat"
LOW_RANGE = "low_range"
TOO_MANY_EXTREME_CANDLES = "too_many_extreme_candles"
SOME_EXTREME_CANDLES = "some_extreme_candles"


@dataclass(frozen=True)
class ChartQuality:
    score: Decimal  # 0-100, higher is cleaner
    penalties: tuple[tuple[str, Decimal], ...]  # (rule name, points taken off), in rule order
    gap_frequency_pct: Decimal = ZERO
    avg_daily_range_pct: Decimal = ZERO
    price_range_pct: Decimal = ZERO
    extreme_candle_frequency_pct: Decimal = ZERO

    def passes(self, params: StrategyParams) -> bool:
        """Whether the hard filter lets the stock through (always, when the filter is off)."""
        return not params.chart_quality_enabled or self.score >= params.chart_quality_min_score


def chart_quality(bars: Sequence[Bar], params: StrategyParams) -> ChartQuality:
    """The score of the chart that ends with the last bar (only the last 60 bars matter)."""
    window = list(bars[-params.chart_quality_window_days :])
    recent = list(bars[-params.chart_quality_extreme_days :])
    penalties: list[tuple[str, Decimal]] = []

    gaps = gap_frequency_pct(window)
    if gaps > params.chart_quality_max_gap_frequency:
        penalties.append((TOO_MANY_GAPS, params.chart_quality_gap_penalty))
    elif gaps > params.chart_quality_warn_gap_frequency:
        penalties.append((SOME_GAPS, params.chart_quality_warn_gap_penalty))

    daily_range, price_range = movement_pct(window)
    if window and (
        daily_range < params.chart_quality_min_daily_range_pct
        and price_range < params.chart_quality_flat_max_price_range_pct
    ):
        penalties.append((FLAT, params.chart_quality_flat_penalty))
    elif window and daily_range < params.chart_quality_low_range_pct:
        penalties.append((LOW_RANGE, params.chart_quality_low_range_penalty))

    extremes = extreme_candle_frequency_pct(recent, params)
    if extremes > params.chart_quality_max_extreme_candle_frequency:
        penalties.append((TOO_MANY_EXTREME_CANDLES, params.chart_quality_extreme_penalty))
    elif extremes > params.chart_quality_warn_extreme_candle_frequency:
        penalties.append((SOME_EXTREME_CANDLES, params.chart_quality_warn_extreme_penalty))

    score = max(ZERO, HUNDRED - sum((points for _, points in penalties), ZERO))
    return ChartQuality(
        score=score,
        penalties=tuple(penalties),
        gap_frequency_pct=gaps,
        avg_daily_range_pct=daily_range,
        price_range_pct=price_range,
        extreme_candle_frequency_pct=extremes,
    )


def gap_frequency_pct(window: Sequence[Bar]) -> Decimal:
    """Bars whose range lies wholly above or below the previous close, as % of the window."""
    if len(window) < 2:
        return ZERO
    gaps = sum(
        1 for previous, bar in pairwise(window) if bar.low > previous.close or bar.high < previous.close
    )
    return HUNDRED * gaps / len(window)


def movement_pct(window: Sequence[Bar]) -> tuple[Decimal, Decimal]:
    """(average daily range, whole-window range), both as % of the window's mean close."""
    if not window:
        return ZERO, ZERO
    mean_close = sum((bar.close for bar in window), ZERO) / len(window)
    mean_range = sum((bar.high - bar.low for bar in window), ZERO) / len(window)
    span = max(bar.high for bar in window) - min(bar.low for bar in window)
    return HUNDRED * mean_range / mean_close, HUNDRED * span / mean_close


def extreme_candle_frequency_pct(recent: Sequence[Bar], params: StrategyParams) -> Decimal:
    """Candles with an outsized body (see the module docstring), as % of `recent`."""
    if not recent:
        return ZERO
    mean_range = sum((bar.high - bar.low for bar in recent), ZERO) / len(recent)
    extreme = 0
    for bar in recent:
        body = abs(bar.close - bar.open)
        if HUNDRED * body > params.chart_quality_extreme_body_pct * bar.open or (
            mean_range > 0 and body > params.chart_quality_extreme_body_range_ratio * mean_range
        ):
            extreme += 1
    return HUNDRED * extreme / len(recent)
