"""The training set of the verdict model: one sample per candidate close of the strategy.

A candidate is a close whose RSI is under the strategy's oversold threshold for its trend (30
above EMA200, 20 under it or without 200 days of history): the dips the strategy considers
buying, which the model learns to sort. Each sample holds that close's features
(`mlops.features`, reading bars up to the close only) and the label of the trade the
strategy's exit would have made from the next open (`mlops.labels`, reading the days after it
up to the exit). Pure: no Django; Decimal candles in, floats for the model out.

`time_split` splits by day, every training day before every test day, and drops the training
samples whose trade was still open on the first test day, so no label of the training set
reads a test day's prices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from brokers.adapters.base import Candle
from mlops.features import FEATURE_NAMES, features_at, features_of_day
from mlops.labels import LABELS, exit_trade, label_for, replay_days
from trading.equities.strategy.indicators import Snapshot, snapshots
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import rsi_threshold

__all__ = [
    "FEATURE_NAMES",
    "LABELS",
    "SCHEMA_VERSION",
    "Sample",
    "class_balance",
    "features_at",
    "is_candidate",
    "samples",
    "time_split",
]

SCHEMA_VERSION: int = 1  # bump when FEATURE_NAMES or a feature's meaning changes


@dataclass(frozen=True)
class Sample:
    symbol: str
    day: date  # the close the decision is taken on (entry = next open)
    features: tuple[float, ...]  # in FEATURE_NAMES order, NaN where unknown
    label: str  # one of LABELS (from the exit backtest)
    forward_return_pct: float  # the trade's return, the regressor's target
    exit_day: date | None = None  # the day the trade was sold (the last day its label reads)


def is_candidate(snap: Snapshot, params: StrategyParams) -> bool:
    """RSI under the strategy's entry threshold for the close's trend."""
    return snap.rsi is not None and snap.rsi < rsi_threshold(snap, params)


def samples(
    symbol: str,
    bars: Sequence[Candle],
    params: StrategyParams,
    *,
    pe: Decimal | None = None,
    pb: Decimal | None = None,
) -> list[Sample]:
    """A sample for every candidate close of `bars` (oldest first) whose trade has closed by the
    last bar. `pe` and `pb` (today's fundamentals, when known) go into every sample."""
    snaps = snapshots(bars, params)
    if any(earlier.day >= later.day for earlier, later in pairwise(snaps)):
        raise ValueError(f"{symbol}: bars must be daily and oldest first")
    days = replay_days(bars, snaps)
    out = []
    for index, snap in enumerate(snaps):
        if not is_candidate(snap, params):
            continue
        trade = exit_trade(days, index, params)
        if trade is None:
            continue
        out.append(
            Sample(
                symbol=symbol,
                day=snap.day,
                features=features_of_day(bars, snaps, index, params, pe=pe, pb=pb),
                label=label_for(trade.return_pct),
                forward_return_pct=float(trade.return_pct),
                exit_day=trade.exit_day,
            )
        )
    return out


def time_split(samples: Sequence[Sample], *, test_fraction: float = 0.2) -> tuple[list[Sample], list[Sample]]:
    """(train, test) by day: the test set is the last days, holding about `test_fraction` of the
    samples (all of a day's samples on one side), and every training day is strictly before
    every test day. Training samples whose trade exited on or after the first test day are
    dropped: their label reads test days. Fewer than two distinct days: all train, no test."""
    if not 0 < test_fraction < 1 or math.isnan(test_fraction):
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    ordered = sorted(samples, key=lambda sample: (sample.day, sample.symbol))
    first_test_day = _first_test_day(ordered, test_fraction)
    if first_test_day is None:
        return ordered, []
    train = [
        sample
        for sample in ordered
        if sample.day < first_test_day and (sample.exit_day is None or sample.exit_day < first_test_day)
    ]
    return train, [sample for sample in ordered if sample.day >= first_test_day]


def _first_test_day(ordered: Sequence[Sample], test_fraction: float) -> date | None:
    """The day that starts the test set: the one leaving a test share nearest `test_fraction`,
    with at least one day on each side."""
    counts: dict[date, int] = {}
    for sample in ordered:
        counts[sample.day] = counts.get(sample.day, 0) + 1
    days = list(counts)
    wanted = test_fraction * len(ordered)
    best: tuple[float, date] | None = None
    test_count = 0
    for day in reversed(days[1:]):  # the latest day first: a tie keeps the smaller test set
        test_count += counts[day]
        miss = abs(test_count - wanted)
        if best is None or miss < best[0]:
            best = (miss, day)
    return None if best is None else best[1]


def class_balance(samples: Sequence[Sample]) -> dict[str, int]:
    """Samples per label, every label of LABELS present (0 when none), in LABELS order."""
    balance = dict.fromkeys(LABELS, 0)
    for sample in samples:
        balance[sample.label] += 1
    return balance
