"""One symbol's verdict on a close (trading/equities/strategy/scan.py) on real IBM history and on
random series, and the ranking of a scan."""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from brokers.adapters.base import Candle
from brokers.marketdata.days import NSE, candle_day
from tests.trading.equities.strategy.bar_factory import bars_strategy, real_history
from trading.equities.strategy.backtest import backtest
from trading.equities.strategy.chart_quality import chart_quality
from trading.equities.strategy.indicators import snapshot
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.rules import Verdict, entry_check, position_quantity, targets
from trading.equities.strategy.scan import SymbolVerdict, floor_to_tick, rank, scan_symbol
from trading.equities.strategy.scoring import COMBINED_SCORE, backtest_score, combined_score, strength_score

D = Decimal
PARAMS = StrategyParams()
TICK = D("0.05")
LOOSE = StrategyParams(
    chart_quality_enabled=False,
    min_avg_volume=0,
    rsi_oversold=D(35),
    rsi_extreme_oversold=D(35),
    rsi_near_oversold=D(40),
    min_combined_score=D(0),
)


@functools.cache
def ibm_up_to(day: date) -> tuple[Candle, ...]:
    return tuple(bar for bar in real_history("IBM") if candle_day(bar.opened_at, NSE) <= day)


@functools.cache
def ibm_signal_day() -> date:
    """The close before IBM's first buy of the 2007-2009 backtest: its entry check passed."""
    trades = backtest(real_history("IBM"), PARAMS, end=date(2009, 6, 30)).trades
    bars = real_history("IBM")
    entry = next(i for i, bar in enumerate(bars) if candle_day(bar.opened_at, NSE) == trades[0].entry_day)
    return candle_day(bars[entry - 1].opened_at, NSE)


def is_on_tick(price: Decimal) -> bool:
    return price % TICK == 0


def test_ibm_on_a_signal_close_is_a_buy_with_its_planned_order() -> None:
    bars = ibm_up_to(ibm_signal_day())
    found = scan_symbol("IBM", bars, PARAMS, tick=TICK)
    snap = snapshot(bars, PARAMS)

    assert found.day == ibm_signal_day() == snap.day
    assert found.verdict in (Verdict.BUY, Verdict.STRONG_BUY)
    assert found.snapshot == snap and found.quality == chart_quality(bars, PARAMS)
    # The backtest ran on the two years up to this close, and the scores are the scoring module's.
    assert found.backtest == backtest(bars, PARAMS)
    assert found.backtest is not None and found.backtest.last_day == found.day
    assert found.backtest_score == backtest_score(found.backtest, PARAMS)
    assert found.strength == strength_score(snap, found.quality, PARAMS)
    assert found.combined == combined_score(found.strength, found.backtest_score)
    assert found.tradeable == (found.combined >= PARAMS.min_combined_score)
    assert found.rejected_rule == ("" if found.tradeable else COMBINED_SCORE)
    # The planned order: whole shares within the capital, target and stop on the tick.
    assert found.target_tier is not None and found.target is not None and found.stop is not None
    raw_target, raw_stop = targets(snap.close, snap.recent_low, found.target_tier, PARAMS)
    assert found.target - TICK < raw_target <= found.target and is_on_tick(found.target)
    assert found.stop <= raw_stop < found.stop + TICK and is_on_tick(found.stop)
    assert found.stop < snap.close < found.target
    # The sizing rule's own quantity, at least one share, and its cost within the capital.
    assert snap.avg_volume is not None
    assert found.quantity == position_quantity(snap.close, snap.avg_volume, PARAMS) >= 1
    assert found.quantity * snap.close <= found.capital
    assert found.capital <= PARAMS.user_capital


def test_ibm_on_a_close_that_fails_a_rule_names_it_and_plans_nothing() -> None:
    bars = ibm_up_to(date(2013, 1, 31))  # IBM rose through January 2013: no dip to buy
    found = scan_symbol("IBM", bars, PARAMS)
    check = entry_check(snapshot(bars, PARAMS), chart_quality(bars, PARAMS), PARAMS)

    assert not check.passed
    assert (found.rejected_rule, found.detail) == (check.rule, check.detail)
    assert not found.tradeable and found.verdict in (Verdict.AVOID, Verdict.WATCH)
    assert found.backtest is None and found.backtest_score is None
    assert found.combined == found.strength / 2
    assert (found.target_tier, found.target, found.stop, found.quantity, found.capital) == (
        None,
        None,
        None,
        0,
        0,
    )


def test_fundamentals_turn_a_buy_into_avoid() -> None:
    found = scan_symbol("IBM", ibm_up_to(ibm_signal_day()), PARAMS, pe=D(-3), pb=D(6))
    assert (found.verdict, found.rejected_rule, found.tradeable) == (Verdict.AVOID, "fundamentals", False)


@settings(max_examples=60, deadline=None)
@given(bars_strategy(min_size=1, max_size=60))
def test_any_series_gets_a_consistent_verdict(bars: list[Candle]) -> None:
    found = scan_symbol("RANDOM", bars, LOOSE, tick=TICK)

    assert 0 <= found.strength <= 25 and 0 <= found.combined <= D("62.5")
    assert found.tradeable == (found.verdict in (Verdict.BUY, Verdict.STRONG_BUY))  # minimum 0
    assert (found.rejected_rule == "") == found.tradeable
    assert (found.backtest is None) == (found.backtest_score is None)
    if found.target is None:
        assert found.quantity == 0 and found.capital == 0 and found.stop is None
    else:
        assert found.stop is not None and is_on_tick(found.target) and is_on_tick(found.stop)
        assert found.quantity >= 1
        assert found.quantity * found.snapshot.close <= found.capital <= LOOSE.user_capital


def test_floor_to_tick_rounds_down_onto_the_tick() -> None:
    assert floor_to_tick(D("101.97"), TICK) == D("101.95")
    assert floor_to_tick(D("101.95"), TICK) == D("101.95")


# --- rank -------------------------------------------------------------------------------------


@functools.cache
def base_verdict() -> SymbolVerdict:
    return scan_symbol("IBM", ibm_up_to(ibm_signal_day()), PARAMS)


entries = st.lists(
    st.tuples(
        st.sampled_from(["INFY", "TCS", "RELIANCE", "HDFCBANK", "ITC"]),
        st.booleans(),
        st.decimals(min_value=D(0), max_value=D("62.5"), places=1),
    ),
    max_size=12,
)


@given(entries)
def test_rank_puts_tradeable_first_then_the_best_score_then_the_symbol(
    rows: list[tuple[str, bool, Decimal]],
) -> None:
    verdicts = [
        replace(base_verdict(), symbol=symbol, tradeable=trades, combined=combined)
        for symbol, trades, combined in rows
    ]
    ranked = rank(verdicts)

    assert sorted(map(id, ranked)) == sorted(map(id, verdicts))
    keys = [(not v.tradeable, -v.combined, v.symbol) for v in ranked]
    assert keys == sorted(keys)


def test_rank_example() -> None:
    one = base_verdict()
    verdicts = [
        replace(one, symbol="TCS", tradeable=False, combined=D(60)),
        replace(one, symbol="ITC", tradeable=True, combined=D(30)),
        replace(one, symbol="INFY", tradeable=True, combined=D(30)),
        replace(one, symbol="HDFCBANK", tradeable=True, combined=D(45)),
    ]
    assert [v.symbol for v in rank(verdicts)] == ["HDFCBANK", "INFY", "ITC", "TCS"]
