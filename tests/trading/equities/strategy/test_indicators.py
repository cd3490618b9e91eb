"""The strategy's indicators (trading/equities/strategy/indicators.py): their properties, and
agreement with an independent pandas computation on real daily history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brokers.adapters.base import Candle
from tests.trading.equities.strategy.bar_factory import bars_strategy, make_bars, real_history
from trading.equities.strategy.indicators import ema, realtime_ema, rsi, sma, snapshot, snapshots
from trading.equities.strategy.params import StrategyParams

D = Decimal
PARAMS = StrategyParams()
TICKERS = ("AAPL", "GOOG", "IBM", "MSFT")
RELATIVE = 1e-9

values = st.lists(st.decimals(min_value=D("0.01"), max_value=D(100_000), places=2), max_size=80)
periods = st.integers(min_value=1, max_value=30)


def close_enough(ours: Sequence[Decimal | None], theirs: pd.Series) -> None:
    """Same None/NaN positions, values within RELATIVE of each other."""
    assert len(ours) == len(theirs)
    for index, (mine, reference) in enumerate(zip(ours, theirs.tolist(), strict=True)):
        if pd.isna(reference):
            assert mine is None, f"index {index}: {mine} where pandas has no value"
            continue
        assert mine is not None, f"index {index}: None where pandas has {reference}"
        assert abs(float(mine) - reference) <= RELATIVE * max(abs(reference), 1.0), (index, mine, reference)


# --- EMA --------------------------------------------------------------------------------------


@given(values, periods)
def test_ema_stays_between_the_lowest_and_highest_value_so_far(series: list[Decimal], period: int) -> None:
    for index, value in enumerate(ema(series, period)):
        if value is not None:
            seen = series[: index + 1]
            assert min(seen) <= value <= max(seen)


@given(values, periods)
def test_ema_is_reported_from_the_periodth_value_on(series: list[Decimal], period: int) -> None:
    out = ema(series, period)
    assert len(out) == len(series)
    assert [value is None for value in out] == [index < period - 1 for index in range(len(series))]


@given(st.decimals(min_value=D(1), max_value=D(10_000), places=2), periods)
def test_ema_of_a_constant_is_the_constant(price: Decimal, period: int) -> None:
    assert ema([price] * (period + 5), period)[-1] == price


def test_ema_by_hand() -> None:
    # alpha = 2 / (3 + 1) = 0.5: 10, then 10 + 0.5 * (20 - 10) = 15, then 15 + 0.5 * (30 - 15) = 22.5
    assert ema([D(10), D(20), D(30)], 3) == [None, None, D("22.5")]


@given(
    st.lists(st.decimals(min_value=D(1), max_value=D(1000), places=2), min_size=9, max_size=40),
    st.decimals(min_value=D(1), max_value=D(1000), places=2),
)
def test_the_realtime_ema9_is_where_ema9_lands_if_the_day_closes_at_the_ltp(
    history: list[Decimal], ltp: Decimal
) -> None:
    yesterday = ema(history, 9)[-1]
    today = ema([*history, ltp], 9)[-1]
    assert yesterday is not None
    assert today is not None
    assert abs(realtime_ema(ltp, yesterday, PARAMS.exit_ema_weight_ltp) - today) < D("1e-20")


# --- RSI --------------------------------------------------------------------------------------


@given(values, st.integers(min_value=2, max_value=30))
def test_rsi_is_between_0_and_100(series: list[Decimal], period: int) -> None:
    for value in rsi(series, period):
        assert value is None or D(0) <= value <= D(100)


@given(values, st.integers(min_value=2, max_value=30))
def test_rsi_needs_period_plus_one_closes(series: list[Decimal], period: int) -> None:
    out = rsi(series, period)
    assert len(out) == len(series)
    assert [value is None for value in out] == [index < period for index in range(len(series))]


def test_rsi_of_steady_rises_is_100_of_steady_falls_0_and_of_no_move_50() -> None:
    rising = [D(100 + day) for day in range(15)]
    assert rsi(rising, 10)[-1] == D(100)
    assert rsi(rising[::-1], 10)[-1] == D(0)
    assert rsi([D(100)] * 15, 10)[-1] == D(50)


def test_rsi_by_hand() -> None:
    # period 2: changes +2, -1 -> averages 1 and 0.5 -> 100 * 1 / 1.5; then +1 -> gain (1*1 + 1)/2 = 1,
    # loss (0.5*1 + 0)/2 = 0.25 -> 100 * 1 / 1.25 = 80
    out = rsi([D(10), D(12), D(11), D(12)], 2)
    assert out[:2] == [None, None]
    assert out[2] is not None
    assert abs(out[2] - D(200) / D(3)) < D("1e-20")
    assert out[3] == D(80)


# --- SMA --------------------------------------------------------------------------------------


@given(values, periods)
def test_sma_is_the_mean_of_the_last_period_values(series: list[Decimal], period: int) -> None:
    for index, value in enumerate(sma(series, period)):
        if index < period - 1:
            assert value is None
        else:
            window = series[index + 1 - period : index + 1]
            assert value == sum(window, D(0)) / period


# --- no look-ahead ----------------------------------------------------------------------------


@given(values, st.integers(min_value=2, max_value=20), st.integers(min_value=0, max_value=80))
def test_indicators_of_a_day_never_change_when_later_days_arrive(
    series: list[Decimal], period: int, cut: int
) -> None:
    for indicator in (ema, rsi, sma):
        assert indicator(series[:cut], period) == indicator(series, period)[:cut]


@given(bars_strategy(min_size=1, max_size=30), st.integers(min_value=1, max_value=30))
def test_the_snapshot_of_a_day_is_the_same_with_or_without_later_bars(bars: list[Candle], cut: int) -> None:
    params = StrategyParams(avg_volume_days=5, recent_low_days=4, ema_periods=(2, 3, 5, 8), rsi_period=3)
    cut = min(cut, len(bars))
    assert snapshot(bars[:cut], params) == snapshots(bars, params)[cut - 1]


# --- the snapshot -----------------------------------------------------------------------------


def test_a_short_history_has_no_ema200_and_no_trend() -> None:
    bars = make_bars([D(100) + D(day) / 10 for day in range(150)])
    shot = snapshot(bars, PARAMS)
    assert shot.ema200 is None
    assert shot.above_ema200 is None
    assert shot.ema50 is not None
    assert shot.rsi is not None
    assert shot.day == date(2024, 5, 29)  # the 150th day from 2024-01-01, the candle's Indian date


def test_the_snapshot_reads_volume_against_its_average_and_the_recent_low() -> None:
    closes = [D(100)] * 60
    volumes = [D(1000)] * 59 + [D(3000)]
    bars = make_bars(closes, volumes=volumes)
    shot = snapshot(bars, PARAMS)
    assert shot.avg_volume == D(1040)  # (49 x 1000 + 3000) / 50: the day itself counts
    assert shot.volume_ratio == D(3000) / D(1040)
    assert shot.recent_low == D(99)  # 100 x (1 - 0.01)


def test_snapshot_needs_a_bar() -> None:
    with pytest.raises(ValueError, match="no bars"):
        snapshot([], PARAMS)


# --- real history against pandas --------------------------------------------------------------


def wilder_rsi_with_pandas(closes: pd.Series, period: int) -> pd.Series:
    """Wilder's RSI computed with pandas, independently: the averages are seeded with the simple
    mean of the first `period` changes (Wilder's own seeding), then smoothed by
    `ewm(alpha=1/period, adjust=False)`; RSI = 100 - 100 / (1 + RS)."""
    change = closes.diff()
    out = pd.Series(float("nan"), index=closes.index)
    averages = []
    for moves in (change.clip(lower=0), (-change).clip(lower=0)):
        seeded = moves.iloc[period:].copy()
        seeded.iloc[0] = moves.iloc[1 : period + 1].mean()
        averages.append(seeded.ewm(alpha=1 / period, adjust=False).mean())
    gain, loss = averages
    out.iloc[period:] = (100 - 100 / (1 + gain / loss)).to_numpy()
    return out


@pytest.mark.parametrize("ticker", TICKERS)
def test_ema_agrees_with_pandas_ewm_on_real_history(ticker: str) -> None:
    closes = [bar.close for bar in real_history(ticker)]
    frame = pd.Series([float(close) for close in closes])
    for period in (9, 20, 50, 200):
        reference = frame.ewm(span=period, adjust=False, min_periods=period).mean()
        close_enough(ema(closes, period), reference)


@pytest.mark.parametrize("ticker", TICKERS)
def test_rsi_agrees_with_wilder_computed_by_pandas_on_real_history(ticker: str) -> None:
    closes = [bar.close for bar in real_history(ticker)]
    frame = pd.Series([float(close) for close in closes])
    for period in (10, 14):
        close_enough(rsi(closes, period), wilder_rsi_with_pandas(frame, period))


@pytest.mark.parametrize("ticker", TICKERS)
def test_snapshots_agree_with_pandas_on_real_history(ticker: str) -> None:
    bars = real_history(ticker)
    frame = pd.DataFrame(
        {
            "close": [float(b.close) for b in bars],
            "low": [float(b.low) for b in bars],
            "volume": [float(b.volume) for b in bars],
        }
    )
    shots = snapshots(bars, PARAMS)
    avg_volume = frame["volume"].rolling(PARAMS.avg_volume_days).mean()
    close_enough([shot.avg_volume for shot in shots], avg_volume)
    close_enough([shot.volume_ratio for shot in shots], frame["volume"] / avg_volume)
    recent_low = frame["low"].rolling(PARAMS.recent_low_days, min_periods=1).min()
    close_enough([shot.recent_low for shot in shots], recent_low)
    ema200 = frame["close"].ewm(span=200, adjust=False, min_periods=200).mean()
    above = [None if pd.isna(e) else c > e for c, e in zip(frame["close"], ema200, strict=True)]
    assert [shot.above_ema200 for shot in shots] == above
    assert snapshot(bars[:1000], PARAMS) == shots[999]
