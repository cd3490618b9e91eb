"""The strategy's rules, pure: entry filters, sizing, targets, the EMA9 exit and re-entry levels.

Entry (`entry_check`), in this order, the first failure naming the rule:
1. `insufficient_history`: no RSI or no average volume yet.
2. `chart_quality` (hard filter, avoid): score under `chart_quality_min_score`, when enabled.
3. `fundamentals` (hard filter, avoid): PE < 0 and PB >= `pb_max_for_loss_maker`, when both known.
4. `liquidity`: average volume under `min_avg_volume`.
5. `rsi`: RSI not under the threshold: `rsi_oversold` (30) with the close above EMA200,
   `rsi_extreme_oversold` (20) below it, and the stricter 20 while EMA200 is unknown (short history).
6. `volume`: the day's volume under `volume_ratio_min` (0.7x) of its average, or under
   `volume_ratio_min_oversold` (0.5x) when RSI is under `rsi_oversold`.
7. `position_size`: the sizing rules allow not even one share.

Verdicts that trade are buy and strong_buy; "excellent" is only a tier of targets (`TargetTier`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from brokers.precision import ceil_to
from trading.equities.strategy.chart_quality import ChartQuality
from trading.equities.strategy.indicators import Snapshot, realtime_ema
from trading.equities.strategy.params import StrategyParams

HUNDRED = Decimal(100)

INSUFFICIENT_HISTORY = "insufficient_history"
CHART_QUALITY = "chart_quality"
FUNDAMENTALS = "fundamentals"
LIQUIDITY = "liquidity"
RSI = "rsi"
VOLUME = "volume"
POSITION_SIZE = "position_size"
ENTRY_RULES = (INSUFFICIENT_HISTORY, CHART_QUALITY, FUNDAMENTALS, LIQUIDITY, RSI, VOLUME, POSITION_SIZE)
# Failing one of these makes the stock "avoid" whatever else it shows (the hard filters).
HARD_FILTERS = frozenset({CHART_QUALITY, FUNDAMENTALS})


class Verdict(StrEnum):
    AVOID = "avoid"
    WATCH = "watch"
    BUY = "buy"
    STRONG_BUY = "strong_buy"


class TargetTier(StrEnum):
    BUY = "buy"
    STRONG_BUY = "strong_buy"
    EXCELLENT = "excellent"


@dataclass(frozen=True)
class EntryCheck:
    passed: bool
    rule: str  # the first failed rule (one of ENTRY_RULES), "" when every rule passed
    detail: str  # what was measured against what, for the scanner page


def rsi_threshold(snapshot: Snapshot, params: StrategyParams) -> Decimal:
    """RSI must be under this to enter: the uptrend's 30 only when the close is known to be above
    EMA200; below it, or without 200 days of history, the deeper 20."""
    return params.rsi_oversold if snapshot.above_ema200 else params.rsi_extreme_oversold


def required_volume_ratio(snapshot: Snapshot, params: StrategyParams) -> Decimal:
    """The lowest volume / average volume that confirms the dip (lower when RSI is oversold)."""
    if snapshot.rsi is not None and snapshot.rsi < params.rsi_oversold:
        return params.volume_ratio_min_oversold
    return params.volume_ratio_min


def is_strong_volume(snapshot: Snapshot, params: StrategyParams) -> bool:
    return snapshot.volume_ratio is not None and snapshot.volume_ratio >= params.volume_ratio_strong


def fundamentals_avoid(pe: Decimal | None, pb: Decimal | None, params: StrategyParams) -> bool:
    """A loss maker (PE < 0) valued at a high PB: avoided. Unknown fundamentals never avoid."""
    return pe is not None and pb is not None and pe < 0 and pb >= params.pb_max_for_loss_maker


def entry_check(
    snapshot: Snapshot,
    quality: ChartQuality,
    params: StrategyParams,
    *,
    pe: Decimal | None = None,
    pb: Decimal | None = None,
) -> EntryCheck:
    """The entry rules in the module docstring's order; the first that fails is reported."""
    if snapshot.rsi is None or snapshot.avg_volume is None or snapshot.volume_ratio is None:
        return _fail(INSUFFICIENT_HISTORY, f"{_missing(snapshot)} is missing: the history is too short")
    if not quality.passes(params):
        names = ", ".join(name for name, _ in quality.penalties)
        return _fail(
            CHART_QUALITY, f"chart quality {quality.score} < {params.chart_quality_min_score} ({names})"
        )
    if fundamentals_avoid(pe, pb, params):
        return _fail(FUNDAMENTALS, f"loss-making (PE {pe}) at PB {pb} >= {params.pb_max_for_loss_maker}")
    if snapshot.avg_volume < params.min_avg_volume:
        return _fail(LIQUIDITY, f"average volume {snapshot.avg_volume:.0f} < {params.min_avg_volume}")
    threshold = rsi_threshold(snapshot, params)
    if snapshot.rsi >= threshold:
        side = {True: "above", False: "below", None: "without"}[snapshot.above_ema200]
        return _fail(RSI, f"RSI {snapshot.rsi:.2f} is not under {threshold} ({side} EMA200)")
    needed = required_volume_ratio(snapshot, params)
    if snapshot.volume_ratio < needed:
        return _fail(VOLUME, f"volume {snapshot.volume_ratio:.2f}x its average < {needed}x")
    if position_quantity(snapshot.close, snapshot.avg_volume, params) < 1:
        return _fail(POSITION_SIZE, f"not one share at {snapshot.close} fits the sizing rules")
    strong = " (strong volume)" if is_strong_volume(snapshot, params) else ""
    return EntryCheck(
        True, "", f"RSI {snapshot.rsi:.2f} < {threshold}, volume {snapshot.volume_ratio:.2f}x{strong}"
    )


def _fail(rule: str, detail: str) -> EntryCheck:
    return EntryCheck(False, rule, detail)


def _missing(snapshot: Snapshot) -> str:
    return "RSI" if snapshot.rsi is None else "the average volume"


def _floor(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)


def liquidity_cap(price: Decimal, avg_volume: Decimal, params: StrategyParams) -> Decimal:
    """The most shares one position may hold: the price tier's fraction of the average daily
    volume (2 % from 5000, 5 % from 1000, 10 % from 500, else 20 %), whole shares."""
    for lowest_price, fraction in params.liquidity_tiers:
        if price >= lowest_price:
            return _floor(avg_volume * fraction)
    return Decimal(0)  # unreachable: the last tier starts at 0 (checked by StrategyParams)


def position_capital(close: Decimal, avg_volume: Decimal, params: StrategyParams) -> Decimal:
    """The money one position may use: the user's capital per trade, or less for a thin stock
    (`max_position_volume_ratio` of a day's average traded value)."""
    return min(params.user_capital, params.max_position_volume_ratio * avg_volume * close)


def position_quantity(close: Decimal, avg_volume: Decimal, params: StrategyParams) -> int:
    """Shares to buy: floor(position_capital / close), then at most the price tier's cap."""
    if close <= 0:
        raise ValueError(f"close must be positive, got {close}")
    shares = _floor(position_capital(close, avg_volume, params) / close)
    return max(0, int(min(shares, liquidity_cap(close, avg_volume, params))))


def targets(
    price: Decimal, recent_low: Decimal, tier: TargetTier, params: StrategyParams
) -> tuple[Decimal, Decimal]:
    """(target, stop) for an entry at `price`. stop = min(recent low x 0.995, price x 0.92); the
    target is at least the tier's % above the price and at least its multiple of the risk
    (price - stop): buy 8 % / 2.5R, strong_buy 12 % / 3R, excellent 15 % / 3.5R. Unrounded."""
    pct, risk_reward = {
        TargetTier.BUY: (params.buy_target_pct, params.buy_risk_reward),
        TargetTier.STRONG_BUY: (params.strong_buy_target_pct, params.strong_buy_risk_reward),
        TargetTier.EXCELLENT: (params.excellent_target_pct, params.excellent_risk_reward),
    }[tier]
    stop = min(
        recent_low * (1 - params.stop_below_recent_low_pct / HUNDRED),
        price * (1 - params.max_stop_pct / HUNDRED),
    )
    target = max(price * (1 + pct / HUNDRED), price + risk_reward * (price - stop))
    return target, stop


def ceil_to_tick(value: Decimal, tick: Decimal) -> Decimal:
    """The smallest multiple of `tick` that is >= `value`."""
    return ceil_to(value, tick)


def exit_price(ltp: Decimal, previous_ema9: Decimal, tick: Decimal, params: StrategyParams) -> Decimal:
    """The limit price of the sell: the real-time EMA9 rounded UP to the tick, so the order never
    sells below the EMA it targets."""
    return ceil_to_tick(realtime_ema(ltp, previous_ema9, params.exit_ema_weight_ltp), tick)


def should_skip_exit(ema9: Decimal, entry_price: Decimal, params: StrategyParams) -> bool:
    """No sell while EMA9 is under 95 % of the entry: selling there would lock in a loss; the
    position waits (and may average down) until the EMA recovers."""
    return ema9 < entry_price * params.skip_exit_below_entry_ratio


def rsi_exit(rsi: Decimal | None, params: StrategyParams) -> bool:
    """The optional exit: RSI above `exit_on_rsi_above` (50) at the close, when enabled."""
    return params.exit_on_rsi_enabled and rsi is not None and rsi > params.exit_on_rsi_above


def reentry_level(rsi: Decimal, taken_levels: Sequence[int], params: StrategyParams) -> int | None:
    """The re-entry level to buy at now, or None. Levels (30, 20, 10) are used deepest-last: once
    a level is taken, it and every level above it are spent until `reentry_reset`. RSI under
    several free levels buys once, at the deepest (the caller records it in `taken_levels`, and
    buys at most once a day)."""
    spent_down_to = min(taken_levels, default=None)
    crossed = [
        level
        for level in params.reentry_levels
        if rsi < level and (spent_down_to is None or level < spent_down_to)
    ]
    return min(crossed) if crossed else None


def reentry_reset(rsi: Decimal, params: StrategyParams) -> bool:
    """RSI back above `reentry_reset_above` (30): the levels are free again."""
    return rsi > params.reentry_reset_above
