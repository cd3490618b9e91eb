"""The walk-forward backtest with and without the filter (mlops/backtest.py) and the way the filter
combines with the rules (mlops/filtering.py): pure, with properties over generated trades."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops.backtest import START_EQUITY, Judged, replay, walk_forward_folds, with_and_without
from mlops.dataset import Sample
from mlops.filtering import decide

START = date(2012, 1, 2)


def trade(day: int, hold: int, return_pct: float, symbol: str = "A") -> Sample:
    return Sample(
        symbol, START + timedelta(days=day), (0.0,), "buy", return_pct, START + timedelta(days=day + hold)
    )


trades = st.lists(
    st.builds(
        trade,
        st.integers(0, 200),
        st.integers(1, 30),
        st.floats(-30, 30, allow_nan=False),
        st.sampled_from("ABCDEF"),
    ),
    max_size=60,
)


# --- how the filter combines with the rules ------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "confidence", "mode", "kept"),
    [
        ("avoid", 0.9, "filter", False),  # a confident "no" vetoes
        ("avoid", 0.4, "filter", True),  # an unsure "no" does not
        ("watch", 0.6, "filter", False),
        ("buy", 0.3, "filter", True),  # the filter only ever drops
        ("strong_buy", 0.7, "require_both", True),
        ("buy", 0.5, "require_both", False),  # a "yes" under the floor is not enough
        ("avoid", 0.2, "require_both", False),
    ],
)
def test_the_two_modes(label: str, confidence: float, mode: str, kept: bool) -> None:
    decision = decide(label, confidence, mode=mode, min_confidence=0.6)
    assert decision.keep is kept
    assert (decision.reason == "") is kept
    if not kept:
        assert label in decision.reason and f"{confidence:.2f}" in decision.reason


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="combine mode"):
        decide("buy", 0.9, mode="either", min_confidence=0.5)


# --- the replay ----------------------------------------------------------------------------------


def test_two_slots_take_two_trades_at_a_time_and_compound_the_realised_equity() -> None:
    run = replay(
        [trade(0, 10, 10.0, "A"), trade(0, 5, -20.0, "B"), trade(1, 3, 50.0, "C"), trade(6, 2, 10.0, "D")],
        slots=2,
    )
    # A and B open on day 0 (50 each); C finds both slots taken; B exits day 5 (-10 -> 90);
    # D opens on day 6 with 90 / 2 = 45, exits day 8 (+4.5 -> 94.5); A exits day 10 (+5 -> 99.5).
    assert run.trades == 3 and run.wins == 2
    assert run.return_pct == pytest.approx(-0.5)
    assert run.max_drawdown_pct == pytest.approx(10.0)
    assert [p["equity"] for p in run.equity] == [100.0, 90.0, 94.5, 99.5]
    assert run.as_dict()["win_rate"] == pytest.approx(2 / 3, abs=1e-4)


@settings(max_examples=200, deadline=None)
@given(trades, st.integers(1, 8))
def test_a_replay_never_holds_more_than_its_slots_and_its_curve_ends_at_its_return(
    sample_trades: list[Sample], slots: int
) -> None:
    run = replay(sample_trades, slots=slots)
    assert run.trades <= len(sample_trades) and 0 <= run.wins <= run.trades
    assert 0 <= run.max_drawdown_pct <= 100
    if sample_trades:
        assert run.equity[0]["equity"] == START_EQUITY
        assert run.equity[-1]["equity"] == pytest.approx(START_EQUITY + run.return_pct, abs=1e-3)
        assert [p["day"] for p in run.equity] == sorted(p["day"] for p in run.equity)
    else:
        assert run.trades == 0 and run.return_pct == 0 and run.as_dict()["win_rate"] is None
    # never more than `slots` positions open on any day
    taken = []
    for t in sorted(sample_trades, key=lambda t: (t.day, t.symbol)):
        open_now = [x for x in taken if x.exit_day > t.day]
        if len(open_now) < slots:
            taken.append(t)
    assert run.trades == len(taken)


@settings(max_examples=100, deadline=None)
@given(trades, st.floats(0, 1))
def test_the_filtered_runs_trade_only_what_the_rules_would(sample_trades: list[Sample], floor: float) -> None:
    judged = [
        Judged(t, ("avoid", "watch", "buy", "strong_buy")[i % 4], (i % 10) / 10)
        for i, t in enumerate(sample_trades)
    ]
    result = with_and_without(judged, slots=100, min_confidence=floor)  # slots enough for every trade
    runs = result["runs"]
    assert runs["rules"]["trades"] == len(sample_trades)
    assert runs["require_both"]["trades"] <= runs["filter"]["trades"] <= runs["rules"]["trades"]


# --- walk-forward folds --------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(trades, st.integers(1, 5))
def test_each_fold_learns_only_from_trades_closed_before_its_first_day(
    sample_trades: list[Sample], folds: int
) -> None:
    splits = walk_forward_folds(sample_trades, folds)
    assert len(splits) <= folds
    tested: list[Sample] = []
    for train, test in splits:
        first = min(s.day for s in test)
        assert all(s.day < first and s.exit_day < first for s in train)
        assert not tested or max(s.day for s in tested) < first  # blocks in order, disjoint
        tested += test
    assert len(tested) == len(set(map(id, tested)))


def test_four_folds_cut_the_days_into_five_blocks_and_test_the_last_four() -> None:
    samples = [trade(day, 1, 1.0) for day in range(100)]
    splits = walk_forward_folds(samples, 4)
    assert [len(test) for _, test in splits] == [20, 20, 20, 20]
    # The trade opened the day before a block exits on its first day: it reads a test day, left out.
    assert [len(train) for train, _ in splits] == [19, 39, 59, 79]
