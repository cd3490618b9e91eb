"""Labels (mlops/labels.py): the thresholds, and the strategy's exit replayed from the next open on
hand-checked days, stopping at the exit whatever follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops.dataset import LABELS
from mlops.labels import FIRST_WINDOW_DAYS, exit_trade, label_for
from trading.equities.strategy.backtest import (
    EXIT_EMA9,
    EXIT_END,
    EXIT_RSI,
    BacktestDay,
    BacktestTrade,
    simulate,
)
from trading.equities.strategy.params import StrategyParams

D = Decimal
PARAMS = StrategyParams()


def day(n: int) -> date:
    return date(2025, 3, 3) + timedelta(days=n)


def bd(n: int, open_: str, high: str, close: str, ema9: str | None, rsi: str | None) -> BacktestDay:
    return BacktestDay(
        day=day(n),
        open=D(open_),
        high=D(high),
        close=D(close),
        ema9=None if ema9 is None else D(ema9),
        rsi=None if rsi is None else D(rsi),
        entry_signal=False,
    )


@pytest.mark.parametrize(
    ("return_pct", "label"),
    [
        ("12", "strong_buy"),
        ("5", "strong_buy"),
        ("4.999", "buy"),
        ("1", "buy"),
        ("0.999", "watch"),
        ("0", "watch"),
        ("-0.001", "avoid"),
        ("-30", "avoid"),
    ],
)
def test_label_thresholds_are_5_1_and_0_percent(return_pct: str, label: str) -> None:
    assert label_for(D(return_pct)) == label


def test_labels_are_the_strategy_s_verdicts_worst_first() -> None:
    assert LABELS == ("avoid", "watch", "buy", "strong_buy")


# Day 0 is the candidate close (its EMA9, 105, is the first sell limit).
#  1: bought at the open, 98; high 99 < 105
#  2: high 104.5 >= the limit 104 -> sold at 104: +6.12 %, strong_buy
EMA9_EXIT = [
    bd(0, "100", "101", "100", "105", "15"),
    bd(1, "98", "99", "97", "104", "22"),
    bd(2, "97", "104.5", "103", "104", "45"),
]


def test_the_trade_buys_at_the_next_open_and_sells_at_the_previous_close_s_ema9() -> None:
    trade = exit_trade(EMA9_EXIT, 0, PARAMS)

    assert trade == BacktestTrade(day(1), D(98), day(2), D(104), EXIT_EMA9)
    assert label_for(trade.return_pct) == "strong_buy"


def test_an_rsi_close_above_50_sells_at_that_close() -> None:
    days = [
        bd(0, "100", "101", "100", "110", "15"),
        bd(1, "100", "101", "99", "109", "30"),  # bought at 100
        bd(2, "99", "102", "100.5", "108", "55"),  # limit 109 not reached; RSI 55: sold at 100.5
    ]
    trade = exit_trade(days, 0, PARAMS)

    assert trade == BacktestTrade(day(1), D(100), day(2), D("100.5"), EXIT_RSI)
    assert label_for(trade.return_pct) == "watch"  # +0.5 %


@pytest.mark.parametrize(
    ("limit", "label"),
    [("101", "buy"), ("105", "strong_buy"), ("100.5", "watch"), ("100", "watch"), ("99", "avoid")],
)
def test_each_label_from_a_replayed_exit(limit: str, label: str) -> None:
    days = [
        bd(0, "100", "101", "100", "120", "15"),  # the first limit, 120, is out of reach
        bd(1, "100", "100", "97", limit, "25"),  # bought at 100
        bd(2, "96", limit, "96", "97", "25"),  # gaps down, then its high reaches the limit
    ]
    trade = exit_trade(days, 0, PARAMS)

    assert trade == BacktestTrade(day(1), D(100), day(2), D(limit), EXIT_EMA9)
    assert label_for(trade.return_pct) == label


def test_no_label_without_a_next_open_or_while_still_held() -> None:
    assert exit_trade(EMA9_EXIT, 2, PARAMS) is None  # the last day: nothing to buy at
    held = [
        bd(0, "100", "101", "100", "110", "15"),
        bd(1, "100", "101", "99", "109", "30"),
        bd(2, "99", "100", "98", "108", "35"),
    ]
    assert exit_trade(held, 0, PARAMS) is None


def long_hold(days_held: int) -> list[BacktestDay]:
    """Bought at 100 after day 0; EMA9 sits at 90 (under 95 % of the entry: no sell) until the
    last day, whose limit is 101, which the high of 102 reaches."""
    days = [bd(0, "100", "100", "100", "90", "15")]
    days += [bd(n, "97", "98", "97", "90", "40") for n in range(1, days_held)]
    days[-1] = replace(days[-1], ema9=D(101))
    days.append(bd(days_held, "100", "102", "101", "100", "45"))
    days.append(bd(days_held + 1, "50", "50", "50", "90", "10"))  # after the exit: never read
    return days


def test_a_hold_longer_than_the_first_window_still_finds_its_exit() -> None:
    days = long_hold(3 * FIRST_WINDOW_DAYS)
    trade = exit_trade(days, 0, PARAMS)

    assert trade == BacktestTrade(day(1), D(97), day(3 * FIRST_WINDOW_DAYS), D(101), EXIT_EMA9)


def test_days_after_the_exit_never_change_the_trade() -> None:
    days = long_hold(20)
    crashed = [*days[:-1], replace(days[-1], open=D(1), high=D(1), close=D(1), ema9=D(1), rsi=D(1))]
    assert exit_trade(days, 0, PARAMS) == exit_trade(crashed, 0, PARAMS) == exit_trade(days[:-1], 0, PARAMS)


@st.composite
def replay(draw: st.DrawFn) -> list[BacktestDay]:
    """Random but consistent days: prices of a walk, EMA9 and RSI anywhere near them."""
    size = draw(st.integers(min_value=2, max_value=120))
    price = D(100)
    days = []
    for n in range(size):
        open_ = price
        price = price * (1 + D(draw(st.integers(min_value=-6, max_value=5))) / 100)
        high = max(open_, price) * (1 + D(draw(st.integers(min_value=0, max_value=3))) / 100)
        ema9 = price * (1 + D(draw(st.integers(min_value=-8, max_value=8))) / 100)
        rsi = D(draw(st.integers(min_value=0, max_value=100)))
        days.append(BacktestDay(day(n), open_, high, price, ema9, rsi, entry_signal=False))
    return days


@settings(max_examples=80, deadline=None)
@given(replay(), st.data())
def test_the_trade_is_simulate_s_first_trade_over_all_the_remaining_days(
    days: list[BacktestDay], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(days) - 1), label="candidate")
    rest = [replace(days[index], entry_signal=True), *days[index + 1 :]]
    whole = simulate(rest, PARAMS).trades
    trade = exit_trade(days, index, PARAMS)

    if trade is None:
        assert whole == () or whole[0].reason == EXIT_END
    else:
        assert whole[0] == trade
