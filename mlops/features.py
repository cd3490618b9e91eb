"""The model's inputs for one daily close, computed from Decimal candles and returned as floats.

Every feature of day d reads bars up to d and nothing later: the strategy's own indicators
(`trading.equities.strategy.indicators`, which never look ahead) and shapes of the last few
candles. So the features of a day are the same whether the series ends there (live inference)
or goes on for years (training), which `tests/mlops/test_dataset.py` checks on real history.

The features, in `FEATURE_NAMES` order (NaN where the history is too short or the value is
unknown; flags are 1.0 or 0.0):
- `rsi`: the strategy's RSI (10 by default).
- `close_vs_emaN_pct`: the close's distance from each EMA (9/20/50/200), % of the EMA; a
  distance, not the raw EMA, so that stocks of any price read alike.
- `above_ema200`: the strategy's trend flag.
- `volume_ratio`, `strong_volume`: the day's volume against its average, and whether it reaches
  the strategy's strong-volume ratio (1.2x).
- `below_high_pct`, `above_support_pct`: % under the highest high and % over the lowest low
  (the support, the swing low the strategy's stop hangs from) of the last `recent_low_days` (20).
- `hammer`, `bullish_engulfing`, `bullish_divergence`: candle patterns (see their functions).
- `dip_depth_pct`, `dip_days`, `dip_speed_pct_per_day`: how far the close is under the highest
  close of the last `DIP_LOOKBACK_DAYS`, how many bars ago that high was, and the depth per bar.
- `red_days`: consecutive red candles (close under open) up to this one.
- `alignment`: how many of close > EMA9 > EMA20 > EMA50 > EMA200 hold (0-4).
- `pe`, `pb`: the fundamentals when the caller knows them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from brokers.adapters.base import Candle
from trading.equities.strategy.indicators import Snapshot, rsi, snapshot
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import is_strong_volume

NAN = math.nan
HUNDRED = Decimal(100)
DIP_LOOKBACK_DAYS = 60  # "the recent high" of a dip: about a quarter of trading days
DIVERGENCE_WINDOW = 10  # bars before today searched for the earlier low of a divergence

FEATURE_NAMES: tuple[str, ...] = (
    "rsi",
    "close_vs_ema9_pct",
    "close_vs_ema20_pct",
    "close_vs_ema50_pct",
    "close_vs_ema200_pct",
    "above_ema200",
    "volume_ratio",
    "strong_volume",
    "below_high_pct",
    "above_support_pct",
    "hammer",
    "bullish_engulfing",
    "bullish_divergence",
    "dip_depth_pct",
    "dip_days",
    "dip_speed_pct_per_day",
    "red_days",
    "alignment",
    "pe",
    "pb",
)


def features_at(
    bars: Sequence[Candle],
    params: StrategyParams,
    *,
    pe: Decimal | None = None,
    pb: Decimal | None = None,
) -> tuple[float, ...]:
    """The features of the last bar (bars oldest first), in `FEATURE_NAMES` order."""
    if not bars:
        raise ValueError("no bars")
    # The last bar's snapshot and the RSI series: the indicators of one bar, not of every bar
    # (live inference and the no-look-ahead test call this on long histories).
    rsis = rsi([bar.close for bar in bars], params.rsi_period)
    return _features(bars, snapshot(bars, params), rsis, params, pe=pe, pb=pb)


def features_of_day(
    bars: Sequence[Candle],
    snaps: Sequence[Snapshot],
    index: int,
    params: StrategyParams,
    *,
    pe: Decimal | None = None,
    pb: Decimal | None = None,
) -> tuple[float, ...]:
    """The features of `bars[index]`, given every bar's snapshot (`indicators.snapshots(bars)`).
    Reads `bars[: index + 1]` and `snaps[: index + 1]` only: the dataset computes the snapshots
    once for a whole history and takes each candidate day from them."""
    first = max(0, index - DIVERGENCE_WINDOW)
    rsis = [snap.rsi for snap in snaps[first : index + 1]]
    return _features(bars[: index + 1], snaps[index], rsis, params, pe=pe, pb=pb)


def _features(
    bars: Sequence[Candle],
    snap: Snapshot,
    rsis: Sequence[Decimal | None],
    params: StrategyParams,
    *,
    pe: Decimal | None,
    pb: Decimal | None,
) -> tuple[float, ...]:
    """The features of the last of `bars`, whose snapshot is `snap`; `rsis` ends with the RSI of
    each of the last bars (at least `DIVERGENCE_WINDOW` + 1 of them when there are that many)."""
    bar = bars[-1]
    highest = max(b.high for b in bars[-params.recent_low_days :])
    depth, days = dip(bars[-DIP_LOOKBACK_DAYS:])
    tail = bars[-(DIVERGENCE_WINDOW + 1) :]
    divergence = bullish_divergence([b.close for b in tail], rsis[-len(tail) :])
    values: dict[str, float] = {
        "rsi": _float(snap.rsi),
        "close_vs_ema9_pct": _pct_from(snap.close, snap.ema9),
        "close_vs_ema20_pct": _pct_from(snap.close, snap.ema20),
        "close_vs_ema50_pct": _pct_from(snap.close, snap.ema50),
        "close_vs_ema200_pct": _pct_from(snap.close, snap.ema200),
        "above_ema200": _flag(snap.above_ema200),
        "volume_ratio": _float(snap.volume_ratio),
        "strong_volume": NAN if snap.volume_ratio is None else _flag(is_strong_volume(snap, params)),
        "below_high_pct": -_pct_from(snap.close, highest),
        "above_support_pct": _pct_from(snap.close, snap.recent_low),
        "hammer": _flag(is_hammer(bar)),
        "bullish_engulfing": _flag(len(bars) > 1 and is_bullish_engulfing(bars[-2], bar)),
        "bullish_divergence": _flag(divergence),
        "dip_depth_pct": _float(depth),
        "dip_days": float(days),
        "dip_speed_pct_per_day": float(depth / days) if days else 0.0,
        "red_days": float(red_days(bars)),
        "alignment": _float(alignment(snap)),
        "pe": _float(pe),
        "pb": _float(pb),
    }
    return tuple(values[name] for name in FEATURE_NAMES)


def is_hammer(bar: Candle) -> bool:
    """A long lower shadow (at least twice the body) under a small body with at most a short
    upper shadow (no longer than the body): sellers pushed the price down and buyers took it
    back. A flat candle (high = low) is no hammer."""
    body = abs(bar.close - bar.open)
    lower = min(bar.open, bar.close) - bar.low
    upper = bar.high - max(bar.open, bar.close)
    return lower > 0 and lower >= 2 * body and upper <= body


def is_bullish_engulfing(previous: Candle, bar: Candle) -> bool:
    """A red candle followed by a green one whose body covers the red body and is longer."""
    return (
        previous.close < previous.open
        and bar.close > bar.open
        and bar.open <= previous.close
        and bar.close >= previous.open
        and bar.close - bar.open > previous.open - previous.close
    )


def bullish_divergence(closes: Sequence[Decimal], rsis: Sequence[Decimal | None]) -> bool | None:
    """The last close is under the lowest close of the `DIVERGENCE_WINDOW` bars before it while
    its RSI is above that earlier low's RSI: a lower low in price, a higher low in momentum.
    `closes` and `rsis` are the last bars' closes and RSIs, aligned. None when an RSI it needs
    is unknown (too little history)."""
    if len(closes) != len(rsis):
        raise ValueError("closes and RSIs must be aligned")
    if len(closes) < 2:
        return None
    first = max(0, len(closes) - 1 - DIVERGENCE_WINDOW)
    low = min(range(first, len(closes) - 1), key=lambda i: closes[i])  # the earliest of equal lows
    today, earlier = rsis[-1], rsis[low]
    if today is None or earlier is None:
        return None
    return closes[-1] < closes[low] and today > earlier


def dip(bars: Sequence[Candle]) -> tuple[Decimal, int]:
    """(% the last close is under the highest close of the last `DIP_LOOKBACK_DAYS` bars, how
    many bars ago that high closed); (0, 0) when the last close is the high."""
    window = bars[-DIP_LOOKBACK_DAYS:]
    high_index = max(range(len(window)), key=lambda i: (window[i].close, i))  # the latest of equal highs
    high = window[high_index].close
    depth = (1 - window[-1].close / high) * HUNDRED if high > 0 else Decimal(0)
    return depth, len(window) - 1 - high_index


def red_days(bars: Sequence[Candle]) -> int:
    """Consecutive red candles (close under open) ending with the last bar."""
    count = 0
    for bar in reversed(bars):
        if bar.close >= bar.open:
            break
        count += 1
    return count


def alignment(snap: Snapshot) -> int | None:
    """How many of close > EMA9, EMA9 > EMA20, EMA20 > EMA50, EMA50 > EMA200 hold: 4 is a clean
    uptrend at every scale. None while any EMA is unknown."""
    chain = (snap.close, snap.ema9, snap.ema20, snap.ema50, snap.ema200)
    known = [value for value in chain if value is not None]
    if len(known) < len(chain):
        return None
    return sum(1 for higher, lower in pairwise(known) if higher > lower)


def _float(value: Decimal | int | None) -> float:
    return NAN if value is None else float(value)


def _flag(value: bool | None) -> float:
    return NAN if value is None else float(value)


def _pct_from(value: Decimal, reference: Decimal | None) -> float:
    """(value / reference - 1) x 100; NaN when the reference is unknown or not positive."""
    if reference is None or reference <= 0:
        return NAN
    return float((value / reference - 1) * HUNDRED)
