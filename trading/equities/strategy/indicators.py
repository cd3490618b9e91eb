"""Daily-candle indicators in Decimal: EMA, Wilder's RSI, SMA, and the indicators of each bar.

Every series is oldest first and as long as its input; a value is None while the history is too
short for it. Each value depends on its own bar and earlier ones only, so the indicators of day d
are the same whether or not later bars exist (the backtest relies on this: no look-ahead).

- `ema` is pandas' `ewm(span=period, adjust=False).mean()`: alpha = 2 / (period + 1), seeded with
  the first value, reported from the `period`-th value on (pandas' `min_periods=period`), since
  an EMA200 over 30 days says little about a 200-day trend.
- `rsi` is Wilder's: the first average gain and loss are the simple means of the first `period`
  changes, then each average moves 1/period toward the new change (pandas'
  `ewm(alpha=1/period, adjust=False)` continued from that seed). The first RSI is on the close
  with `period` changes behind it, index `period`. No loss at all reads 100; no move at all, 50.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from brokers.adapters.base import Candle as Bar
from brokers.marketdata.days import NSE, candle_day
from trading.equities.strategy.params import StrategyParams

ZERO = Decimal(0)
HUNDRED = Decimal(100)
NEUTRAL_RSI = Decimal(50)


def _check_period(period: int) -> None:
    if period < 1:
        raise ValueError(f"period must be at least 1, got {period}")


def ema(values: Sequence[Decimal], period: int) -> list[Decimal | None]:
    """Exponential moving average, pandas `ewm(span=period, adjust=False, min_periods=period)`."""
    _check_period(period)
    alpha = Decimal(2) / Decimal(period + 1)
    out: list[Decimal | None] = []
    current = ZERO
    for index, value in enumerate(values):
        current = value if index == 0 else current + alpha * (value - current)
        out.append(current if index >= period - 1 else None)
    return out


def rsi(closes: Sequence[Decimal], period: int) -> list[Decimal | None]:
    """Wilder's relative strength index (0-100) of each close; None for the first `period`."""
    _check_period(period)
    out: list[Decimal | None] = [None] * min(len(closes), period)
    if len(closes) <= period:
        return out
    changes = [later - earlier for earlier, later in pairwise(closes)]
    gain = sum((max(change, ZERO) for change in changes[:period]), ZERO) / period
    loss = sum((max(-change, ZERO) for change in changes[:period]), ZERO) / period
    out.append(_rsi_value(gain, loss))
    for change in changes[period:]:
        gain += (max(change, ZERO) - gain) / period
        loss += (max(-change, ZERO) - loss) / period
        out.append(_rsi_value(gain, loss))
    return out


def _rsi_value(gain: Decimal, loss: Decimal) -> Decimal:
    # 100 - 100 / (1 + gain/loss), written so that a zero loss needs no special case.
    if gain + loss == 0:
        return NEUTRAL_RSI
    return HUNDRED * gain / (gain + loss)


def sma(values: Sequence[Decimal], period: int) -> list[Decimal | None]:
    """Simple moving average of the last `period` values (pandas `rolling(period).mean()`)."""
    _check_period(period)
    out: list[Decimal | None] = []
    total = ZERO
    for index, value in enumerate(values):
        total += value
        if index >= period:
            total -= values[index - period]
        out.append(total / period if index >= period - 1 else None)
    return out


def realtime_ema(ltp: Decimal, previous_ema: Decimal, ltp_weight: Decimal) -> Decimal:
    """Today's EMA if the day closed at the last traded price: with the EMA9's own alpha
    (0.2 = 2 / (9 + 1)) this is exactly where EMA9 would land, so a sell there tracks it."""
    return ltp * ltp_weight + previous_ema * (1 - ltp_weight)


@dataclass(frozen=True)
class Snapshot:
    """One bar's indicators. The EMA fields follow `params.ema_periods` in order (9/20/50/200 by
    default). None means the history is too short for that indicator."""

    day: date
    close: Decimal
    rsi: Decimal | None
    ema9: Decimal | None
    ema20: Decimal | None
    ema50: Decimal | None
    ema200: Decimal | None
    volume: Decimal
    avg_volume: Decimal | None  # mean volume over `avg_volume_days`, this bar included
    volume_ratio: Decimal | None  # volume / avg_volume
    above_ema200: bool | None  # close > EMA200
    recent_low: Decimal  # lowest low over `recent_low_days` (fewer if the history is shorter)


def snapshots(bars: Sequence[Bar], params: StrategyParams) -> list[Snapshot]:
    """The indicators of every bar, computed in one pass over the series (for the backtest)."""
    return _Series(bars, params).all()


def snapshot(bars: Sequence[Bar], params: StrategyParams) -> Snapshot:
    """The last bar's indicators."""
    if not bars:
        raise ValueError("no bars")
    return _Series(bars, params).at(len(bars) - 1)


class _Series:
    def __init__(self, bars: Sequence[Bar], params: StrategyParams) -> None:
        self.bars = bars
        self.params = params
        closes = [bar.close for bar in bars]
        self.rsi = rsi(closes, params.rsi_period)
        self.emas = [ema(closes, period) for period in params.ema_periods]
        self.avg_volume = sma([bar.volume for bar in bars], params.avg_volume_days)

    def all(self) -> list[Snapshot]:
        return [self.at(index) for index in range(len(self.bars))]

    def at(self, index: int) -> Snapshot:
        bar = self.bars[index]
        ema9, ema20, ema50, ema200 = (series[index] for series in self.emas)
        avg_volume = self.avg_volume[index]
        first = max(0, index + 1 - self.params.recent_low_days)
        return Snapshot(
            day=candle_day(bar.opened_at, NSE),
            close=bar.close,
            rsi=self.rsi[index],
            ema9=ema9,
            ema20=ema20,
            ema50=ema50,
            ema200=ema200,
            volume=bar.volume,
            avg_volume=avg_volume,
            volume_ratio=bar.volume / avg_volume if avg_volume else None,
            above_ema200=None if ema200 is None else bar.close > ema200,
            recent_low=min(b.low for b in self.bars[first : index + 1]),
        )
