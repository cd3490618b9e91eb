"""The training set (mlops/dataset.py) on hand-built and real history (bokeh-sampledata's AAPL,
GOOG, IBM and MSFT, 2000-2013), with the no-look-ahead proof: every sample's features are those
of the series cut at its day, and its label that of the series cut at its exit."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from brokers.adapters.base import Candle
from brokers.marketdata.days import NSE, candle_day
from mlops.dataset import (
    FEATURE_NAMES,
    LABELS,
    SCHEMA_VERSION,
    Sample,
    class_balance,
    features_at,
    is_candidate,
    samples,
    time_split,
)
from mlops.labels import exit_trade, replay_days
from tests.trading.equities.strategy.bar_factory import make_bars, real_history
from trading.equities.strategy.indicators import snapshots
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import rsi_threshold

D = Decimal
PARAMS = StrategyParams()
TICKERS = ("AAPL", "GOOG", "IBM", "MSFT")


def same(left: Sequence[float], right: Sequence[float]) -> bool:
    """Equal, NaN matching NaN."""
    return len(left) == len(right) and all(
        (math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(left, right, strict=True)
    )


def day_of(bar: Candle) -> date:
    return candle_day(bar.opened_at, NSE)


# --- a hand-built dip ----------------------------------------------------------------------------

# Thirty quiet days, five falls of 4 % (RSI under 20: candidates, with no EMA200 the threshold is
# the deeper 20), then a rebound that reaches EMA9.
DIP = [D(100) + D(i % 2) for i in range(30)] + [D(100) * D("0.96") ** n for n in range(1, 6)]
DIP_BARS = make_bars([*DIP, D(84), D(87), D(90), D(92), D(93)])


def test_a_dip_gives_one_sample_per_oversold_close_labelled_by_its_exit() -> None:
    found = samples("DIP", DIP_BARS, PARAMS)
    snaps = snapshots(DIP_BARS, PARAMS)
    candidates = [i for i, snap in enumerate(snaps) if is_candidate(snap, PARAMS)]

    assert candidates, "the dip must reach RSI under 20"
    assert [s.day for s in found] == [snaps[i].day for i in candidates]
    for sample, index in zip(found, candidates, strict=True):
        snap = snaps[index]
        assert snap.rsi is not None and snap.rsi < rsi_threshold(snap, PARAMS) == 20
        trade = exit_trade(replay_days(DIP_BARS, snaps), index, PARAMS)
        assert trade is not None
        entry_bar = DIP_BARS[index + 1]
        assert (trade.entry_day, trade.entry_price) == (day_of(entry_bar), entry_bar.open)
        assert sample.exit_day == trade.exit_day > sample.day
        assert sample.forward_return_pct == float(trade.return_pct)
        assert sample.label in LABELS
        assert len(sample.features) == len(FEATURE_NAMES)
        assert same(sample.features, features_at(DIP_BARS[: index + 1], PARAMS))
    assert {s.label for s in found} >= {"strong_buy"}  # bought near the low, sold on the rebound


def test_a_dip_still_held_when_the_data_ends_has_no_sample_yet() -> None:
    still_falling = make_bars(DIP)
    assert any(is_candidate(snap, PARAMS) for snap in snapshots(still_falling, PARAMS))
    assert samples("DIP", still_falling, PARAMS) == []


def test_pe_and_pb_reach_every_sample() -> None:
    found = samples("DIP", DIP_BARS, PARAMS, pe=D(12), pb=D("1.5"))
    pe, pb = FEATURE_NAMES.index("pe"), FEATURE_NAMES.index("pb")
    assert found and all(s.features[pe] == 12.0 and s.features[pb] == 1.5 for s in found)


def test_bars_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="oldest first"):
        samples("DIP", list(reversed(DIP_BARS)), PARAMS)


def test_no_bars_no_samples() -> None:
    assert samples("NONE", [], PARAMS) == []


# --- real history -------------------------------------------------------------------------------


@functools.cache
def real_samples(ticker: str) -> tuple[Sample, ...]:
    return tuple(samples(ticker, real_history(ticker), PARAMS))


def every_real_sample() -> list[Sample]:
    return [sample for ticker in TICKERS for sample in real_samples(ticker)]


def test_real_history_gives_samples_of_every_class_and_reports_the_balance() -> None:
    every = every_real_sample()
    balance = class_balance(every)
    print(f"class balance over {len(every)} samples of {', '.join(TICKERS)}: {balance}")

    assert list(balance) == list(LABELS)
    assert sum(balance.values()) == len(every)
    assert all(balance[label] > 0 for label in LABELS), balance
    for ticker in TICKERS:
        assert len(real_samples(ticker)) >= 20, ticker
    assert all(len(s.features) == len(FEATURE_NAMES) for s in every)
    assert SCHEMA_VERSION == 1


@pytest.mark.parametrize("ticker", TICKERS)
def test_no_look_ahead_every_sample_is_the_same_on_history_cut_at_its_day_and_at_its_exit(
    ticker: str,
) -> None:
    bars = real_history(ticker)
    index = {day_of(bar): i for i, bar in enumerate(bars)}
    for sample in real_samples(ticker):
        day = index[sample.day]
        # Features: nothing after the close of the day (the entry is the next open).
        assert same(features_at(bars[: day + 1], PARAMS), sample.features), sample.day
        # Label: nothing after the exit; a series that ends there gives the same trade.
        assert sample.exit_day is not None
        cut = bars[: index[sample.exit_day] + 1]
        trade = exit_trade(replay_days(cut, snapshots(cut, PARAMS)), day, PARAMS)
        assert trade is not None and trade.entry_day > sample.day
        assert trade.exit_day == sample.exit_day and float(trade.return_pct) == sample.forward_return_pct


def test_changing_every_bar_after_an_exit_changes_neither_the_sample_nor_those_before_it() -> None:
    bars = list(real_history("IBM"))
    original = real_samples("IBM")
    exit_day = original[len(original) // 2].exit_day
    assert exit_day is not None
    cut = next(i for i, bar in enumerate(bars) if day_of(bar) == exit_day) + 1
    crashed = bars[:cut] + [
        Candle(bar.opened_at, bar.open / 3, bar.high / 3, bar.low / 4, bar.close / 4, bar.volume * 5)
        for bar in bars[cut:]
    ]

    def settled(found: Sequence[Sample]) -> list[Sample]:
        return [s for s in found if s.exit_day is not None and s.exit_day <= exit_day]

    assert settled(samples("IBM", crashed, PARAMS)) == settled(original)
    assert len(settled(original)) > len(original) // 3


def test_time_split_on_real_history_keeps_every_train_day_before_every_test_day() -> None:
    every = every_real_sample()
    train, test = time_split(every)

    first_test = min(s.day for s in test)
    assert max(s.day for s in train) < first_test
    assert all(s.exit_day is not None and s.exit_day < first_test for s in train)  # no label reads test days
    assert 0.15 <= len(test) / len(every) <= 0.25
    assert len(train) >= len(every) * 0.7
    assert {s.label for s in train} == set(LABELS)  # the test years may lack a class; training must not


# --- time_split and class_balance by hand ---------------------------------------------------------


def sample(n: int, symbol: str = "A", label: str = "buy", exit_after: int | None = 1) -> Sample:
    """A sample of 1 January 2024 + n days, sold `exit_after` days later (None: exit unknown)."""
    start = date(2024, 1, 1)
    exit_day = None if exit_after is None else start + timedelta(days=n + exit_after)
    return Sample(symbol, start + timedelta(days=n), (1.0,), label, 1.0, exit_day=exit_day)


def test_time_split_puts_the_last_days_in_test_and_a_day_s_samples_on_one_side() -> None:
    found = [sample(n, symbol, exit_after=None) for n in range(10) for symbol in ("A", "B")]  # two a day
    train, test = time_split(list(reversed(found)), test_fraction=0.3)  # order given does not matter

    assert [s.day for s in test] == [found[14].day] * 2 + [found[16].day] * 2 + [found[18].day] * 2
    assert [(s.day, s.symbol) for s in train] == [(s.day, s.symbol) for s in found[:14]]


def test_time_split_drops_training_samples_whose_trade_ends_in_the_test_days() -> None:
    found = [sample(n) for n in range(8)] + [sample(8), sample(9)]
    found[6] = sample(6, exit_after=5)  # sold on day 11, inside the test days
    train, test = time_split(found, test_fraction=0.2)

    assert [s.day.day for s in test] == [9, 10]
    # Day 7's trade sells on day 12, day 8's on day 9, the first test day: both dropped.
    assert [s.day.day for s in train] == [1, 2, 3, 4, 5, 6]


def test_time_split_of_a_single_day_or_nothing_has_no_test_set() -> None:
    assert time_split([]) == ([], [])
    one_day = [sample(0, "A"), sample(0, "B")]
    assert time_split(one_day) == (one_day, [])


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_time_split_refuses_a_fraction_outside_0_1(fraction: float) -> None:
    with pytest.raises(ValueError, match="test_fraction"):
        time_split([sample(0), sample(1)], test_fraction=fraction)


def test_class_balance_counts_every_label_zero_included() -> None:
    found = [sample(0, label="buy"), sample(1, label="buy"), sample(2, label="avoid")]
    assert class_balance(found) == {"avoid": 1, "watch": 0, "buy": 2, "strong_buy": 0}
    assert class_balance([]) == dict.fromkeys(LABELS, 0)
