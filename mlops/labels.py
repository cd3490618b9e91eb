"""Labels: what the strategy's own exit made of a candidate close, replayed on the days after it.

A candidate close buys at the next day's open and sells the way the strategy does
(`trading.equities.strategy.backtest.simulate`, reused as it is): a limit at the previous close's
EMA9 (not while EMA9 is under 95 % of the entry), or at a close with RSI above 50. The trade's
return names the label, with the strategy's verdict names:
    >= 5 %: strong_buy,  1-5 %: buy,  0-1 %: watch,  < 0: avoid.
A candidate whose position is still held when the data ends has no label yet (its return is not
known), and neither has one on the last bar (no next open to buy at).

The label reads the candidate's close (its EMA9 is the first sell limit) and the days after it
up to the exit, never later ones: the replay stops at the exit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from brokers.adapters.base import Candle
from trading.equities.strategy.backtest import EXIT_END, BacktestDay, BacktestTrade, simulate
from trading.equities.strategy.indicators import Snapshot
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import Verdict

# The strategy's verdict names, worst first.
LABELS: tuple[str, ...] = tuple(
    verdict.value for verdict in (Verdict.AVOID, Verdict.WATCH, Verdict.BUY, Verdict.STRONG_BUY)
)
STRONG_BUY_MIN_PCT = Decimal(5)
BUY_MIN_PCT = Decimal(1)
WATCH_MIN_PCT = Decimal(0)
FIRST_WINDOW_DAYS = 16  # most exits come within a few weeks; longer holds double the window


def label_for(return_pct: Decimal) -> str:
    """The label of a trade's return in %: >= 5 strong_buy, >= 1 buy, >= 0 watch, else avoid."""
    if return_pct >= STRONG_BUY_MIN_PCT:
        return Verdict.STRONG_BUY.value
    if return_pct >= BUY_MIN_PCT:
        return Verdict.BUY.value
    if return_pct >= WATCH_MIN_PCT:
        return Verdict.WATCH.value
    return Verdict.AVOID.value


def replay_days(bars: Sequence[Candle], snaps: Sequence[Snapshot]) -> list[BacktestDay]:
    """Each bar as the replay sees it (its prices, EMA9 and RSI), none signalling an entry."""
    return [
        BacktestDay(
            day=snap.day,
            open=bar.open,
            high=bar.high,
            close=bar.close,
            ema9=snap.ema9,
            rsi=snap.rsi,
            entry_signal=False,
        )
        for bar, snap in zip(bars, snaps, strict=True)
    ]


def exit_trade(days: Sequence[BacktestDay], index: int, params: StrategyParams) -> BacktestTrade | None:
    """The trade entered at the open after `days[index]` and closed by the strategy's exit, or
    None: no next day, or still held on the last day. The replay grows its window until the
    exit (simulate never looks ahead, so a longer window would only add days after it)."""
    signal = replace(days[index], entry_signal=True)
    size = FIRST_WINDOW_DAYS
    while True:
        end = min(len(days), index + size)
        trades = simulate([signal, *days[index + 1 : end]], params).trades
        if trades and trades[0].reason != EXIT_END:
            return trades[0]
        if end == len(days):
            return None
        size *= 2
