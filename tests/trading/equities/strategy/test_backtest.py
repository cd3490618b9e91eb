"""The two-year backtest (trading/equities/strategy/backtest.py): a replay checked by hand, the
rules on real IBM history, and no look-ahead (later bars never change earlier decisions)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from brokers.adapters.base import Candle
from brokers.marketdata.days import NSE, candle_day, daily_opened_at
from tests.trading.equities.strategy.bar_factory import bars_strategy, make_bars, real_history
from trading.equities.strategy.backtest import (
    EXIT_EMA9,
    EXIT_END,
    EXIT_RSI,
    BacktestDay,
    BacktestResult,
    BacktestTrade,
    backtest,
    simulate,
    window_start,
)
from trading.equities.strategy.chart_quality import chart_quality
from trading.equities.strategy.indicators import snapshot
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import entry_check

D = Decimal
PARAMS = StrategyParams()
# Looser entry rules for random series, so that most examples trade: no chart or liquidity
# filter, RSI under 35 whatever the trend (random series are short of 200 days for EMA200) and
# a 5-day average volume.
LOOSE = StrategyParams(
    chart_quality_enabled=False,
    min_avg_volume=0,
    rsi_oversold=D(35),
    rsi_extreme_oversold=D(35),
    rsi_near_oversold=D(40),
    avg_volume_days=5,
)


def day(n: int) -> date:
    return date(2025, 3, 3) + timedelta(days=n)


def bd(
    n: int, open_: str, high: str, close: str, ema9: str | None, rsi: str | None, signal: bool = False
) -> BacktestDay:
    return BacktestDay(
        day=day(n),
        open=D(open_),
        high=D(high),
        close=D(close),
        ema9=None if ema9 is None else D(ema9),
        rsi=None if rsi is None else D(rsi),
        entry_signal=signal,
    )


# --- the replay, by hand ----------------------------------------------------------------------

# Day by day (ema9 and rsi are at the close; the sell limit is the previous close's EMA9):
#  0 signal                          -> buy at day 1's open, 98
#  1 high 99 < limit 105             -> held; its own signal is ignored (one position at a time)
#  2 high 104.5 >= limit 104         -> sold at 104 (EMA9)                         trade 1: 98 -> 104
#  3 signal                          -> buy at day 4's open, 91
#  4 high 92 < limit 100, RSI 40     -> held
#  5 high 96 < limit 98, RSI 55 > 50 -> sold at the close, 96                      trade 2: 91 -> 96
#  6 signal                          -> buy at day 7's open, 102
#  7 opens 102 above limit 99        -> sold at the open, 102, the same day       trade 3: 102 -> 102
#  8 signal on the last day          -> no next open: nothing bought
HAND_DAYS = (
    bd(0, "100", "101", "100", "105", "25", signal=True),
    bd(1, "98", "99", "97", "104", "22", signal=True),
    bd(2, "97", "104.5", "103", "104", "45"),
    bd(3, "103", "103", "90", "100", "15", signal=True),
    bd(4, "91", "92", "90", "98", "40"),
    bd(5, "95", "96", "96", "97.6", "55"),
    bd(6, "96", "96", "90", "99", "20", signal=True),
    bd(7, "102", "103", "101", "96.5", "48"),
    bd(8, "101", "101", "95", "96", "25", signal=True),
)


def test_hand_checked_replay_buys_at_the_next_open_and_sells_at_ema9_or_on_rsi() -> None:
    result = simulate(HAND_DAYS, PARAMS)

    assert result.trades == (
        BacktestTrade(day(1), D(98), day(2), D(104), EXIT_EMA9),
        BacktestTrade(day(4), D(91), day(5), D(96), EXIT_RSI),
        BacktestTrade(day(7), D(102), day(7), D(102), EXIT_EMA9),
    )
    growth = D(104) / D(98) * (D(96) / D(91)) * (D(102) / D(102))  # compounded, ~ +11.95 %
    assert result.total_return_pct == (growth - 1) * 100
    assert result.win_rate_pct == D(200) / 3  # the flat third trade is not a win
    assert result.buy_and_hold_pct == D(-5)  # 100 -> 95
    assert (result.first_day, result.last_day) == (day(0), day(8))


def test_without_the_rsi_exit_the_position_waits_for_ema9() -> None:
    result = simulate(HAND_DAYS[3:6], replace(PARAMS, exit_on_rsi_enabled=False))

    # Bought at day 4's open, RSI 55 on day 5 no longer sells: still held at the end.
    assert result.trades == (BacktestTrade(day(4), D(91), day(5), D(96), EXIT_END),)


def test_no_sell_while_ema9_is_under_95_percent_of_the_entry_then_the_end_sells_at_the_close() -> None:
    days = (
        bd(0, "100", "101", "100", "110", "25", signal=True),
        bd(1, "100", "101", "92", "94", "10"),  # bought at 100; limit 110 not reached
        bd(2, "93", "96", "95", "94.5", "30"),  # limit 94 < 95: no sell, though the high passed it
        bd(3, "95", "97", "96", "95.1", "35"),  # limit 94.5 < 95: still none
    )
    result = simulate(days, PARAMS)

    assert result.trades == (BacktestTrade(day(1), D(100), day(3), D(96), EXIT_END),)
    assert result.win_rate_pct == 0
    assert result.total_return_pct == D(-4)


def test_the_day_of_an_exit_may_signal_the_next_buy() -> None:
    days = (
        bd(0, "100", "100", "100", "104", "20", signal=True),
        bd(1, "99", "105", "98", "102", "25", signal=True),  # sold at 104, and a new signal
        bd(2, "97", "98", "97", "101", "20"),  # bought again at 97
    )
    result = simulate(days, PARAMS)

    assert [(t.entry_day, t.entry_price, t.exit_price, t.reason) for t in result.trades] == [
        (day(1), D(99), D(104), EXIT_EMA9),
        (day(2), D(97), D(97), EXIT_END),
    ]


def test_no_days_no_trades_and_zero_returns() -> None:
    assert simulate((), PARAMS) == BacktestResult((), D(0), D(0), D(0))
    assert backtest([], PARAMS) == BacktestResult((), D(0), D(0), D(0))


def test_window_start_is_the_same_date_years_before_with_29_february_on_the_28th() -> None:
    assert window_start(date(2024, 5, 17), 2) == date(2022, 5, 17)
    assert window_start(date(2024, 2, 29), 1) == date(2023, 2, 28)


# --- real history (IBM, 2000-2013) --------------------------------------------------------------

IBM_END = date(2009, 6, 30)  # two years through the 2008 crash: dips to buy and EMA9s to sell at


@functools.cache
def ibm() -> tuple[Candle, ...]:
    return real_history("IBM")


@functools.cache
def ibm_result() -> BacktestResult:
    return backtest(ibm(), PARAMS, end=IBM_END)


def index_of(bars: Sequence[Candle], wanted: date) -> int:
    return next(i for i, bar in enumerate(bars) if candle_day(bar.opened_at, NSE) == wanted)


def test_ibm_backtest_covers_the_two_years_up_to_the_end_and_trades() -> None:
    result = ibm_result()

    assert result.first_day is not None and result.last_day is not None
    assert date(2007, 6, 30) < result.first_day <= date(2007, 7, 6)
    assert result.last_day <= IBM_END
    assert len(result.trades) >= 3
    for trade in result.trades:
        assert result.first_day < trade.entry_day <= trade.exit_day <= result.last_day
    closes = {candle_day(bar.opened_at, NSE): bar.close for bar in ibm()}
    assert result.buy_and_hold_pct == (closes[result.last_day] / closes[result.first_day] - 1) * 100


def test_every_ibm_trade_follows_the_rules_recomputed_from_the_bars_up_to_each_day() -> None:
    bars = ibm()
    for trade in ibm_result().trades:
        entry = index_of(bars, trade.entry_day)
        # The check passed on the previous close, seen with the bars up to it only.
        seen = bars[:entry]
        assert entry_check(snapshot(seen, PARAMS), chart_quality(seen, PARAMS), PARAMS).passed
        assert trade.entry_price == bars[entry].open

        exit_ = index_of(bars, trade.exit_day)
        exit_bar = bars[exit_]
        if trade.reason == EXIT_EMA9:
            limit = snapshot(bars[:exit_], PARAMS).ema9
            assert limit is not None and limit >= trade.entry_price * PARAMS.skip_exit_below_entry_ratio
            assert exit_bar.high >= limit
            assert trade.exit_price == max(limit, exit_bar.open)
        elif trade.reason == EXIT_RSI:
            closing = snapshot(bars[: exit_ + 1], PARAMS).rsi
            assert closing is not None and closing > PARAMS.exit_on_rsi_above
            assert trade.exit_price == exit_bar.close
        else:
            assert trade.reason == EXIT_END and trade.exit_day == ibm_result().last_day


def test_ibm_compounded_return_and_win_rate_come_from_the_trades() -> None:
    result = ibm_result()
    growth = D(1)
    for trade in result.trades:
        growth *= trade.exit_price / trade.entry_price
    assert result.total_return_pct == (growth - 1) * 100
    assert result.win_rate_pct == D(100) * sum(t.exit_price > t.entry_price for t in result.trades) / len(
        result.trades
    )


@pytest.mark.parametrize("cut", [date(2008, 3, 31), date(2008, 10, 15), date(2009, 1, 30)])
def test_ibm_backtest_cut_short_agrees_with_the_full_one_up_to_the_cut(cut: date) -> None:
    # Ten years back from 2008-2009 reaches before the first bar (2000): both windows start there,
    # so the only difference is the days after the cut.
    whole_history = replace(PARAMS, backtest_years=10)
    full = backtest(ibm(), whole_history, end=IBM_END)
    short = backtest(ibm(), whole_history, end=cut)
    truncated = [bar for bar in ibm() if candle_day(bar.opened_at, NSE) <= cut]

    assert short.first_day == full.first_day
    assert backtest(truncated, whole_history) == short
    assert_agree_up_to(full, short, short.last_day)
    assert any(t.exit_day <= cut for t in full.trades)  # the comparison has trades to compare


def assert_agree_up_to(full: BacktestResult, short: BacktestResult, last: date | None) -> None:
    """Every trade the full run closed by `last` is in the short run, and nothing else but a
    position the short run still held on `last` (which the full run entered the same way)."""
    assert last is not None

    def held_on_last(trade: BacktestTrade) -> bool:
        return trade.exit_day > last or (trade.reason == EXIT_END and trade.exit_day == last)

    assert [t for t in short.trades if not held_on_last(t)] == [t for t in full.trades if not held_on_last(t)]
    still_held = [t for t in short.trades if held_on_last(t)]
    later = [t for t in full.trades if held_on_last(t)]
    if still_held:
        assert later, "the short run held a position the full run never entered"
        assert (still_held[0].entry_day, still_held[0].entry_price) == (
            later[0].entry_day,
            later[0].entry_price,
        )
    elif later:
        assert later[0].entry_day > last


# --- no look-ahead, on random series ------------------------------------------------------------


@st.composite
def walks(draw: st.DrawFn, min_size: int = 15, max_size: int = 90) -> list[Candle]:
    """A random walk of daily moves from -6 % to +5 %: its losing streaks push RSI under the
    threshold and its rebounds reach EMA9, so most examples trade (independent random prices
    keep RSI near 50 and never do)."""
    steps = draw(st.lists(st.integers(min_value=-6, max_value=5), min_size=min_size, max_size=max_size))
    bars, price = [], D(100)
    for index, step in enumerate(steps):
        close = (price * (1 + D(step) / 100)).quantize(D("0.01"))
        wick = 1 + D(draw(st.integers(min_value=0, max_value=3))) / 100
        bars.append(
            Candle(
                opened_at=daily_opened_at(date(2024, 1, 1) + timedelta(days=index), NSE),
                open=price,
                high=max(price, close) * wick,
                low=min(price, close) / wick,
                close=close,
                volume=D(draw(st.integers(min_value=50_000, max_value=150_000))),
            )
        )
        price = close
    return bars


series = walks() | bars_strategy(min_size=15, max_size=90)


@settings(max_examples=60, deadline=None)
@given(series, st.data())
def test_later_bars_never_change_decisions_up_to_a_day(bars: list[Candle], data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(bars)), label="cut")
    full = backtest(bars, LOOSE)  # under 2 years of bars: the window is all of them
    short = backtest(bars[:cut], LOOSE)
    last = candle_day(bars[cut - 1].opened_at, NSE)
    event(f"trades: {'none' if not full.trades else 'some'}")

    assert_agree_up_to(full, short, last)
    assert backtest(bars, LOOSE, end=last) == short


@settings(max_examples=60, deadline=None)
@given(series)
def test_trades_never_overlap_and_buy_at_an_open_after_a_signal(bars: list[Candle]) -> None:
    result = backtest(bars, LOOSE)
    opens = {candle_day(bar.opened_at, NSE): bar.open for bar in bars}
    for earlier, later in pairwise(result.trades):
        assert earlier.exit_day <= later.entry_day
    for trade in result.trades:
        assert trade.entry_price == opens[trade.entry_day]
        assert trade.entry_day > bars_first_day(bars)
    assert 0 <= result.win_rate_pct <= 100
    assert result.total_return_pct > -100


def bars_first_day(bars: Sequence[Candle]) -> date:
    return candle_day(bars[0].opened_at, NSE)


def test_a_steady_rise_never_signals_and_never_trades() -> None:
    bars = make_bars([D(100) + D(i) / 2 for i in range(300)])
    result = backtest(bars, PARAMS)
    assert result.trades == ()
    assert result.buy_and_hold_pct > 0
