"""The strategy replayed on one stock's last `backtest_years` of daily bars: the trades it would
have made, their compounded return and win rate, and buy-and-hold over the same days.

It follows the live service, one day at a time, and never looks ahead:
- the decision on day d's close uses bars up to d only: `indicators.snapshots` (each bar's
  indicators depend on earlier bars alone), `chart_quality` of bars[:d+1] and
  `rules.entry_check` (without fundamentals: history has none);
- a passed check buys at the next day's open (the 16:05 AMO buy fills at the open); a check on
  the window's last day has no next day and buys nothing;
- while held, the sell is a limit at the previous close's EMA9 (the 09:15 sell). A day whose high
  reaches it sells there, or at the open when the day opens above it (a resting limit fills at
  the better price). The live limit is the real-time EMA9, LTP x 0.2 + yesterday's EMA9 x 0.8,
  which equals yesterday's EMA9 exactly when the price reaches it, so this is that same fill.
  The sell is not placed while that EMA9 is under entry x `skip_exit_below_entry_ratio`
  (`rules.should_skip_exit`); the sell can fill on the day of the buy;
- otherwise, with `exit_on_rsi_enabled`, a close with RSI above `exit_on_rsi_above` sells at
  that close (`rules.rsi_exit`);
- a position still held on the window's last day is sold at its close (reason "end").
One position at a time, the whole stake in each trade (returns compound); no averaging down,
charges or slippage.

`simulate` is the trade-by-trade replay on prepared days (each day's prices, EMA9, RSI and
whether the entry check passed), small enough to verify by hand; `backtest` prepares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from brokers.adapters.base import Candle as Bar
from brokers.marketdata.days import NSE, candle_day
from trading.equities.strategy.chart_quality import chart_quality
from trading.equities.strategy.indicators import Snapshot, snapshots
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import entry_check, rsi_exit, rsi_threshold, should_skip_exit

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

EXIT_EMA9 = "ema9"  # the limit sell at EMA9 filled
EXIT_RSI = "rsi50"  # RSI closed above exit_on_rsi_above (50 by default)
EXIT_END = "end"  # still held on the window's last day: valued at its close


@dataclass(frozen=True)
class BacktestTrade:
    entry_day: date
    entry_price: Decimal
    exit_day: date
    exit_price: Decimal
    reason: str  # EXIT_EMA9, EXIT_RSI or EXIT_END

    @property
    def return_pct(self) -> Decimal:
        return (self.exit_price / self.entry_price - 1) * HUNDRED

    @property
    def won(self) -> bool:
        return self.exit_price > self.entry_price


@dataclass(frozen=True)
class BacktestResult:
    trades: tuple[BacktestTrade, ...]
    total_return_pct: Decimal  # the trades compounded: (product of exit / entry - 1) x 100
    win_rate_pct: Decimal  # trades sold above their entry, % of all trades (0 without trades)
    buy_and_hold_pct: Decimal  # the window's last close against its first close
    first_day: date | None = None  # the window replayed (None: no bars)
    last_day: date | None = None


@dataclass(frozen=True)
class BacktestDay:
    """One day as the replay sees it: its prices, its close's EMA9 and RSI, and whether the entry
    check passed at its close."""

    day: date
    open: Decimal
    high: Decimal
    close: Decimal
    ema9: Decimal | None
    rsi: Decimal | None
    entry_signal: bool


def simulate(days: Sequence[BacktestDay], params: StrategyParams) -> BacktestResult:
    """Replay the entries and exits of the module docstring over `days` (oldest first)."""
    trades: list[BacktestTrade] = []
    held: tuple[date, Decimal] | None = None  # (entry day, entry price)
    buy_at_open = False
    for index, today in enumerate(days):
        if buy_at_open:
            held = (today.day, today.open)
            buy_at_open = False
        if held is not None:
            sold = _sell_today(held[1], days[index - 1].ema9 if index else None, today, params)
            if sold is not None:
                trades.append(BacktestTrade(held[0], held[1], today.day, *sold))
                held = None
        if held is None and today.entry_signal and index + 1 < len(days):
            buy_at_open = True
    if held is not None:
        last = days[-1]
        trades.append(BacktestTrade(held[0], held[1], last.day, last.close, EXIT_END))
    return _result(tuple(trades), days)


def _sell_today(
    entry_price: Decimal, limit: Decimal | None, today: BacktestDay, params: StrategyParams
) -> tuple[Decimal, str] | None:
    """(price, reason) if the position is sold today, else None."""
    if limit is not None and not should_skip_exit(limit, entry_price, params) and today.high >= limit:
        return max(limit, today.open), EXIT_EMA9
    if rsi_exit(today.rsi, params):
        return today.close, EXIT_RSI
    return None


def _result(trades: tuple[BacktestTrade, ...], days: Sequence[BacktestDay]) -> BacktestResult:
    if not days:
        return BacktestResult(trades, ZERO, ZERO, ZERO)
    growth = ONE
    for trade in trades:
        growth *= trade.exit_price / trade.entry_price
    wins = sum(1 for trade in trades if trade.won)
    return BacktestResult(
        trades=trades,
        total_return_pct=(growth - 1) * HUNDRED,
        win_rate_pct=HUNDRED * wins / len(trades) if trades else ZERO,
        buy_and_hold_pct=(days[-1].close / days[0].close - 1) * HUNDRED,
        first_day=days[0].day,
        last_day=days[-1].day,
    )


def window_start(end: date, years: int) -> date:
    """The day `years` before `end` (28 February for a 29 February); the window is the days
    after it, up to and including `end`."""
    try:
        return end.replace(year=end.year - years)
    except ValueError:
        return end.replace(year=end.year - years, day=28)


def backtest(bars: Sequence[Bar], params: StrategyParams, *, end: date | None = None) -> BacktestResult:
    """The strategy over the `backtest_years` up to `end` (default: the last bar's day). Bars
    after `end` are ignored; bars before the window only warm the indicators up."""
    if end is not None:
        bars = [bar for bar in bars if candle_day(bar.opened_at, NSE) <= end]
    if not bars:
        return simulate((), params)
    indicators = snapshots(bars, params)
    start = window_start(indicators[-1].day, params.backtest_years)
    days = [
        BacktestDay(
            day=snap.day,
            open=bar.open,
            high=bar.high,
            close=bar.close,
            ema9=snap.ema9,
            rsi=snap.rsi,
            entry_signal=_entry_signal(bars, index, snap, params),
        )
        for index, (bar, snap) in enumerate(zip(bars, indicators, strict=True))
        if snap.day > start
    ]
    return simulate(days, params)


def _entry_signal(bars: Sequence[Bar], index: int, snap: Snapshot, params: StrategyParams) -> bool:
    # RSI under its threshold is necessary for an entry, and rare: only then is the chart quality
    # (60 bars of work) computed, instead of on every day of the window.
    if snap.rsi is None or snap.rsi >= rsi_threshold(snap, params):
        return False
    return entry_check(snap, chart_quality(bars[: index + 1], params), params).passed
