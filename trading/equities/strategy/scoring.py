"""Scores and the verdict of one stock on one close: how good the dip is, how the same rules did
on its own history, and whether to buy it.

- `strength_score` (0-25) grades today's setup, the sum of four parts:
  - RSI depth, 0-10: one point per RSI point under the entry threshold (`rules.rsi_threshold`:
    30 above EMA200, 20 below), so a deeper dip scores higher; 0 when RSI is not under it.
  - volume, 0-5: 5 at the strong ratio (1.2x the average), 3 at the normal minimum (0.7x),
    1 at the oversold minimum (0.5x), else 0: a sell-off on heavy volume is more likely spent.
  - room to the exit, 0-5: one point per % the EMA9 (where the position is sold) lies above the
    close, so the distance is the expected gain of the trade.
  - chart quality, 0-5: its score / 20, a clean chart being one the rules read well.
- `backtest_score` (0-100) grades `backtest.backtest`'s two years, weighted by the params'
  `backtest_*_weight` (0.4, 0.4, 0.2) over three parts of 0-100 each:
  - return: the compounded return of the trades, 0 at or below 0 %, 100 from
    `backtest_full_return_pct` (30 %) up, linear between;
  - win rate: the % of trades sold above their entry, as it is;
  - against buy-and-hold: 50 when the trades did as well as holding the stock all along, 100
    from `backtest_full_excess_pct` (30) points better, 0 from 30 points worse, linear between.
  No trade at all scores 0: no evidence is not good evidence (even if staying out beat holding).
- `combined_score` is the plain average of the two, as the issue says (so strength, at most 25,
  weighs less than the backtest: the maximum is 62.5 and the default minimum to trade is 25).
- `verdict`: a failed hard filter (chart quality, fundamentals) or an untradeable stock (too
  little history, liquidity, size) is `avoid`; a stock that failed only on RSI or volume while
  its RSI is under `rsi_near_oversold` (40) is `watch`; a passed entry check is `strong_buy`
  when the volume is strong and the combined score reaches `strong_buy_min_combined_score` (40), else
  `buy`. `tradeable` adds the `min_combined_score` bar (25).
- `target_tier`: strong_buy with a combined score from `excellent_min_combined_score` (50) aims at the
  excellent targets (15 %, 3.5R); strong_buy at 12 %, 3R; buy at 8 %, 2.5R (`rules.targets`).

The thresholds are fields of `StrategyParams`; the point values of the strength parts define
the 0-25 scale itself and are constants here.
"""

from __future__ import annotations

from decimal import Decimal

from trading.equities.strategy.backtest import BacktestResult
from trading.equities.strategy.chart_quality import ChartQuality
from trading.equities.strategy.indicators import Snapshot
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import (
    RSI,
    VOLUME,
    EntryCheck,
    TargetTier,
    Verdict,
    is_strong_volume,
    rsi_threshold,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# strength_score's parts, their maxima adding up to MAX_STRENGTH.
MAX_STRENGTH = Decimal(25)
RSI_DEPTH_MAX_POINTS = Decimal(10)
VOLUME_STRONG_POINTS = Decimal(5)
VOLUME_NORMAL_POINTS = Decimal(3)
VOLUME_OVERSOLD_POINTS = Decimal(1)
EMA9_ROOM_MAX_POINTS = Decimal(5)
CHART_QUALITY_MAX_POINTS = Decimal(5)

# backtest_score's scales.

# Verdict thresholds on the combined score.

# The rule a passed entry check is rejected by when its combined score is too low.
COMBINED_SCORE = "combined_score"

_TRADING_VERDICTS = frozenset({Verdict.BUY, Verdict.STRONG_BUY})
_WATCHED_RULES = frozenset({RSI, VOLUME})


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def strength_score(snapshot: Snapshot, quality: ChartQuality, params: StrategyParams) -> Decimal:
    """How strong today's setup is, 0-25 (the module docstring lists what earns points)."""
    return (
        rsi_depth_points(snapshot, params)
        + volume_points(snapshot, params)
        + ema9_room_points(snapshot)
        + _clamp(quality.score / 20, ZERO, CHART_QUALITY_MAX_POINTS)
    )


def rsi_depth_points(snapshot: Snapshot, params: StrategyParams) -> Decimal:
    """One point per RSI point under the entry threshold, at most 10."""
    if snapshot.rsi is None:
        return ZERO
    return _clamp(rsi_threshold(snapshot, params) - snapshot.rsi, ZERO, RSI_DEPTH_MAX_POINTS)


def volume_points(snapshot: Snapshot, params: StrategyParams) -> Decimal:
    """5 for strong volume, 3 from the normal minimum ratio, 1 from the oversold minimum."""
    ratio = snapshot.volume_ratio
    if ratio is None:
        return ZERO
    if is_strong_volume(snapshot, params):
        return VOLUME_STRONG_POINTS
    if ratio >= params.volume_ratio_min:
        return VOLUME_NORMAL_POINTS
    if ratio >= params.volume_ratio_min_oversold:
        return VOLUME_OVERSOLD_POINTS
    return ZERO


def ema9_room_points(snapshot: Snapshot) -> Decimal:
    """One point per % from the close up to EMA9 (the exit), at most 5."""
    if snapshot.ema9 is None or snapshot.close <= 0:
        return ZERO
    room_pct = (snapshot.ema9 - snapshot.close) / snapshot.close * HUNDRED
    return _clamp(room_pct, ZERO, EMA9_ROOM_MAX_POINTS)


def backtest_score(result: BacktestResult, params: StrategyParams) -> Decimal:
    """0-100: the weighted return, win-rate and against-buy-and-hold parts (module docstring)."""
    if not result.trades:
        return ZERO
    return (
        params.backtest_return_weight * _return_points(result, params)
        + params.backtest_win_rate_weight * result.win_rate_pct
        + params.backtest_buy_and_hold_weight * _excess_points(result, params)
    )


def _return_points(result: BacktestResult, params: StrategyParams) -> Decimal:
    return _clamp(result.total_return_pct / params.backtest_full_return_pct * HUNDRED, ZERO, HUNDRED)


def _excess_points(result: BacktestResult, params: StrategyParams) -> Decimal:
    excess = result.total_return_pct - result.buy_and_hold_pct
    return _clamp(50 + excess / params.backtest_full_excess_pct * 50, ZERO, HUNDRED)


def combined_score(strength: Decimal, backtest: Decimal) -> Decimal:
    """The average of the strength (0-25) and backtest (0-100) scores."""
    return (strength + backtest) / 2


def verdict(check: EntryCheck, combined: Decimal, snapshot: Snapshot, params: StrategyParams) -> Verdict:
    """avoid, watch, buy or strong_buy (the module docstring says when)."""
    if not check.passed:
        near = snapshot.rsi is not None and snapshot.rsi < params.rsi_near_oversold
        return Verdict.WATCH if near and check.rule in _WATCHED_RULES else Verdict.AVOID
    if is_strong_volume(snapshot, params) and combined >= params.strong_buy_min_combined_score:
        return Verdict.STRONG_BUY
    return Verdict.BUY


def tradeable(verdict: Verdict, combined: Decimal, params: StrategyParams) -> bool:
    """Buy it: the verdict is buy or strong_buy and the combined score reaches the minimum."""
    return verdict in _TRADING_VERDICTS and combined >= params.min_combined_score


def target_tier(verdict: Verdict, combined: Decimal, params: StrategyParams) -> TargetTier:
    """Which targets a buy aims at: excellent, strong_buy or buy (module docstring)."""
    if verdict is Verdict.STRONG_BUY:
        excellent = combined >= params.excellent_min_combined_score
        return TargetTier.EXCELLENT if excellent else TargetTier.STRONG_BUY
    return TargetTier.BUY
