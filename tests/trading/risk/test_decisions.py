"""The risk engine's decisions: timer, loser choice and tie-breaks, winner offsets, then properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.risk.decisions import (
    GroupState,
    RiskPlan,
    RiskSettings,
    WinnerClose,
    is_loser,
    pick_loser,
    plan_cycle,
    plan_offset,
    rank_winners,
    timer_update,
)

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SETTINGS = RiskSettings()


def group(**overrides: Any) -> GroupState:
    """An eligible long group, in a 2 % loss, whose timer expired a minute ago: a loser."""
    fields: dict[str, Any] = {
        "id": "g",
        "opened_at": NOW - timedelta(hours=2),
        "pyramid_count": 3,
        "all_legs_filled": True,
        "held": D(10),
        "avg_entry": D(100),
        "price": D(98),
        "unrealized": D(-20),
        "unrealized_percent": D(-2),
        "timer_expires_at": NOW - timedelta(minutes=1),
        "blocked": False,
        "skip_once": False,
        "step_size": D("0.001"),
        "min_notional": D(5),
    }
    fields.update(overrides)
    return GroupState(**fields)


def winner(id: str, *, profit: D, price: D = D(110), avg_entry: D = D(100), **overrides: Any) -> GroupState:
    """A winner whose unrealized profit is `profit`; it holds enough for it to be consistent."""
    per_unit = abs(price - avg_entry)
    fields: dict[str, Any] = {
        "id": id,
        "price": price,
        "avg_entry": avg_entry,
        "held": profit / per_unit + 1,
        "unrealized": profit,
        "unrealized_percent": profit / (avg_entry * (profit / per_unit + 1)) * 100,
        "timer_expires_at": None,
    }
    fields.update(overrides)
    return group(**fields)


# --- timer --------------------------------------------------------------------------------------


def test_eligibility_starts_the_timer() -> None:
    fresh = group(timer_expires_at=None, unrealized_percent=D(1))
    assert timer_update(fresh, SETTINGS, NOW) == NOW + timedelta(minutes=15)
    custom = RiskSettings(required_pyramids_for_timer=2, post_full_wait_minutes=5)
    assert timer_update(replace(fresh, pyramid_count=2), custom, NOW) == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    "overrides",
    [{"pyramid_count": 2}, {"all_legs_filled": False}, {"pyramid_count": 2, "all_legs_filled": False}],
)
def test_a_group_that_is_not_eligible_has_no_timer(overrides: dict[str, Any]) -> None:
    assert timer_update(group(**overrides), SETTINGS, NOW) is None
    assert timer_update(group(timer_expires_at=None, **overrides), SETTINGS, NOW) is None


def test_a_running_timer_is_kept_while_the_loss_stays_at_or_below_the_threshold() -> None:
    expires = NOW + timedelta(minutes=7)
    assert timer_update(group(timer_expires_at=expires), SETTINGS, NOW) == expires
    at_threshold = group(timer_expires_at=expires, unrealized_percent=D("-1.5"))
    assert timer_update(at_threshold, SETTINGS, NOW) == expires


def test_recovering_above_the_threshold_resets_the_timer() -> None:
    recovered = group(timer_expires_at=NOW + timedelta(minutes=7), unrealized_percent=D("-1.49"))
    assert timer_update(recovered, SETTINGS, NOW) == NOW + timedelta(minutes=15)
    # while it stays recovered, each cycle pushes it out again: it can never expire meanwhile
    later = NOW + timedelta(seconds=30)
    again = timer_update(replace(recovered, timer_expires_at=NOW + timedelta(minutes=15)), SETTINGS, later)
    assert again == later + timedelta(minutes=15)


# --- loser --------------------------------------------------------------------------------------


def test_an_expired_timer_and_a_loss_at_the_threshold_make_a_loser() -> None:
    assert is_loser(group(), SETTINGS, NOW)
    assert is_loser(group(timer_expires_at=NOW, unrealized_percent=D("-1.5")), SETTINGS, NOW)


@pytest.mark.parametrize(
    "overrides",
    [
        {"timer_expires_at": None},
        {"timer_expires_at": NOW + timedelta(seconds=1)},
        {"unrealized_percent": D("-1.49")},
        {"blocked": True},
        {"skip_once": True},
        {"held": D(0)},
        {"unrealized": D(0)},
    ],
)
def test_not_a_loser(overrides: dict[str, Any]) -> None:
    assert not is_loser(group(**overrides), SETTINGS, NOW)


def test_a_positive_threshold_never_makes_a_profitable_group_a_loser() -> None:
    lenient = RiskSettings(loss_threshold_percent=D(5))
    assert not is_loser(group(unrealized=D(3), unrealized_percent=D(1)), lenient, NOW)


def test_the_worst_loss_percent_is_picked() -> None:
    groups = [
        group(id="a", unrealized_percent=D(-2), unrealized=D(-500)),
        group(id="b", unrealized_percent=D(-3), unrealized=D(-10)),
        group(id="c", unrealized_percent=D(-1), unrealized=D(-900)),  # above the threshold
    ]
    loser = pick_loser(groups, SETTINGS, NOW)
    assert loser is not None
    assert loser.id == "b"


def test_equal_percent_picks_the_largest_loss_in_quote() -> None:
    groups = [
        group(id="a", unrealized=D(-20)),
        group(id="b", unrealized=D(-40)),
        group(id="c", unrealized=D(-30)),
    ]
    loser = pick_loser(groups, SETTINGS, NOW)
    assert loser is not None
    assert loser.id == "b"


def test_equal_losses_pick_the_oldest() -> None:
    groups = [
        group(id="young", opened_at=NOW - timedelta(hours=1)),
        group(id="old", opened_at=NOW - timedelta(hours=5)),
        group(id="mid", opened_at=NOW - timedelta(hours=3)),
    ]
    loser = pick_loser(groups, SETTINGS, NOW)
    assert loser is not None
    assert loser.id == "old"


def test_no_loser_no_plan() -> None:
    groups = [
        group(id="a", skip_once=True),
        group(id="b", blocked=True),
        group(id="c", timer_expires_at=None),
    ]
    assert pick_loser(groups, SETTINGS, NOW) is None
    assert plan_cycle(groups, SETTINGS, NOW) is None
    assert plan_cycle([], SETTINGS, NOW) is None


def test_skip_once_passes_the_loser_role_to_the_next_worst() -> None:
    groups = [group(id="worst", unrealized_percent=D(-9), skip_once=True), group(id="next")]
    loser = pick_loser(groups, SETTINGS, NOW)
    assert loser is not None
    assert loser.id == "next"


# --- offset -------------------------------------------------------------------------------------


def test_a_winner_closes_only_what_covers_the_loss() -> None:
    # required 20; 10 profit per unit: 2 units of a winner with 80 of profit.
    plan = plan_offset(group(id="L"), [winner("W", profit=D(80))], SETTINGS)
    assert plan == RiskPlan(
        loser_id="L",
        winners=(WinnerClose("W", D("2.000"), D(110), D("20.000")),),
        loser_quantity=D(10),
        required=D(20),
        covered=D("20.000"),
        fully_covered=True,
    )


def test_winners_are_combined_best_first_until_covered() -> None:
    loser = group(id="L", unrealized=D(-100))
    winners = [winner("small", profit=D(30)), winner("big", profit=D(60)), winner("mid", profit=D(50))]
    plan = plan_offset(loser, winners, SETTINGS)
    # big gives 60, mid the 40 still needed (of its 50), small is not needed
    assert [(w.id, w.quantity, w.expected_realized) for w in plan.winners] == [
        ("big", D("6.000"), D("60.000")),
        ("mid", D("4.000"), D("40.000")),
    ]
    assert plan.covered == plan.required == D(100)
    assert plan.fully_covered


def test_at_most_max_winners_are_used_and_coverage_may_fall_short() -> None:
    loser = group(id="L", unrealized=D(-100))
    winners = [winner(f"w{i}", profit=D(10 + i)) for i in range(5)]
    plan = plan_offset(loser, winners, SETTINGS)
    assert [w.id for w in plan.winners] == ["w4", "w3", "w2"]
    assert plan.covered == D(14 + 13 + 12)
    assert not plan.fully_covered
    assert plan.loser_quantity == D(10)
    two = plan_offset(loser, winners, RiskSettings(max_winners_to_combine=2))
    assert [w.id for w in two.winners] == ["w4", "w3"]


def test_quantity_rounds_down_to_the_step() -> None:
    # 20 / 3 per unit = 6.666.. -> 6.66 on a 0.01 step, realizing 19.98
    plan = plan_offset(group(), [winner("W", profit=D(50), price=D(103), step_size=D("0.01"))], SETTINGS)
    assert plan.winners == (WinnerClose("W", D("6.66"), D(103), D("19.98")),)
    assert not plan.fully_covered


def test_a_short_winner_profits_from_a_lower_price() -> None:
    short = winner("S", profit=D(80), price=D(95), avg_entry=D(100), side="short")
    plan = plan_offset(group(), [short], SETTINGS)
    assert plan.winners == (WinnerClose("S", D("4.000"), D(95), D("20.000")),)


def test_a_winner_below_the_minimum_notional_is_skipped() -> None:
    # 2 units at 110 = 220 < 250: skipped; the next winner takes over
    winners = [winner("W", profit=D(80), min_notional=D(250)), winner("V", profit=D(70))]
    plan = plan_offset(group(), winners, SETTINGS)
    assert [w.id for w in plan.winners] == ["V"]
    assert plan.fully_covered


def test_a_skipped_winner_does_not_let_a_lower_ranked_one_in() -> None:
    winners = [
        winner("a", profit=D(9), min_notional=D(1000)),
        winner("b", profit=D(8)),
        winner("c", profit=D(1)),
    ]
    plan = plan_offset(group(), winners, RiskSettings(max_winners_to_combine=2))
    assert [w.id for w in plan.winners] == ["b"]


def test_a_quantity_rounded_to_zero_is_skipped() -> None:
    plan = plan_offset(group(), [winner("W", profit=D(80), step_size=D(5))], SETTINGS)  # 2 units -> 0
    assert plan.winners == ()


def test_a_winner_never_closes_more_than_it_holds() -> None:
    # inconsistent inputs (profit says 80, holdings say 1.5 units of 10): capped at 1.5
    plan = plan_offset(group(), [winner("W", profit=D(80), held=D("1.5"))], SETTINGS)
    assert plan.winners == (WinnerClose("W", D("1.500"), D(110), D("15.000")),)


def test_without_winners_the_loser_still_closes_in_full() -> None:
    plan = plan_offset(group(id="L"), [], SETTINGS)
    assert plan == RiskPlan("L", (), D(10), D(20), D(0), fully_covered=False)


def test_blocked_skip_once_losing_and_the_loser_itself_are_not_winners() -> None:
    loser = group(id="L")
    others = [
        loser,
        winner("blocked", profit=D(80), blocked=True),
        winner("skipped", profit=D(80), skip_once=True),
        group(id="flat", unrealized=D(0)),
        group(id="losing"),
    ]
    assert rank_winners(loser, others, SETTINGS) == []
    assert plan_offset(loser, others, SETTINGS).winners == ()


def test_equal_profits_rank_the_oldest_first() -> None:
    young = winner("young", profit=D(50), opened_at=NOW - timedelta(hours=1))
    old = winner("old", profit=D(50), opened_at=NOW - timedelta(hours=9))
    assert [w.id for w in rank_winners(group(id="L"), [young, old], SETTINGS)] == ["old", "young"]


def test_a_cycle_plans_for_the_worst_loser_with_the_other_groups() -> None:
    groups = [
        group(id="mild", unrealized_percent=D(-2), unrealized=D(-20)),
        group(id="bad", unrealized_percent=D(-4), unrealized=D(-40)),
        winner("W", profit=D(100)),
    ]
    plan = plan_cycle(groups, SETTINGS, NOW)
    assert plan is not None
    assert plan.loser_id == "bad"
    assert plan.winners == (WinnerClose("W", D("4.000"), D(110), D("40.000")),)


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="side must be"):
        group(side="flat")
    with pytest.raises(ValueError, match="step_size must be positive"):
        group(step_size=D(0))
    with pytest.raises(ValueError, match="max_winners_to_combine must not be negative"):
        RiskSettings(max_winners_to_combine=-1)


# --- properties ---------------------------------------------------------------------------------

STEPS = st.sampled_from([D("0.001"), D("0.01"), D("0.1"), D(1)])
MONEY = st.integers(min_value=1, max_value=10**7).map(lambda cents: D(cents) / 100)


@st.composite
def winners_strategy(draw: st.DrawFn, index: int) -> GroupState:
    step = draw(STEPS)
    side = draw(st.sampled_from(["long", "short"]))
    avg_entry = draw(MONEY)
    move = draw(st.integers(min_value=-50, max_value=50).map(lambda m: D(m) / 10))
    price = max(avg_entry + move, D("0.01"))
    held = draw(st.integers(min_value=0, max_value=10**6)) * step
    per_unit = price - avg_entry if side == "long" else avg_entry - price
    fee_share = draw(st.sampled_from([D(1), D("0.99"), D("0.5"), D("1.2")]))  # inputs may disagree
    unrealized = held * per_unit * fee_share
    return group(
        id=f"w{index}",
        opened_at=NOW - timedelta(minutes=draw(st.integers(min_value=0, max_value=10**5))),
        price=price,
        avg_entry=avg_entry,
        held=held,
        unrealized=unrealized,
        step_size=step,
        min_notional=draw(st.sampled_from([D(0), D(5), D(10), D(100)])),
        side=side,
        blocked=draw(st.booleans()),
        skip_once=draw(st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[GroupState, list[GroupState], RiskSettings]:
    loser = group(
        id="L",
        unrealized=-draw(MONEY),
        held=draw(st.integers(min_value=1, max_value=10**6)) * D("0.001"),
    )
    count = draw(st.integers(min_value=0, max_value=6))
    winners = [draw(winners_strategy(i)) for i in range(count)]
    settings = RiskSettings(max_winners_to_combine=draw(st.integers(min_value=0, max_value=4)))
    return loser, winners, settings


@given(scenarios())
def test_plan_properties(scenario: tuple[GroupState, list[GroupState], RiskSettings]) -> None:
    loser, groups, settings = scenario
    plan = plan_offset(loser, groups, settings)
    by_id = {g.id: g for g in groups}

    assert plan.loser_id == loser.id
    assert plan.loser_quantity == loser.held  # the loser always closes in full
    assert plan.required == abs(loser.unrealized)
    assert len(plan.winners) <= settings.max_winners_to_combine
    assert len({w.id for w in plan.winners}) == len(plan.winners)
    assert plan.covered == sum((w.expected_realized for w in plan.winners), D(0))
    assert plan.fully_covered == (plan.covered >= plan.required)
    step_slack = sum((by_id[w.id].price * by_id[w.id].step_size for w in plan.winners), D(0))
    assert plan.covered <= plan.required + step_slack
    assert plan.covered <= plan.required  # rounding down never over-realizes

    for close in plan.winners:
        source = by_id[close.id]
        assert not source.blocked
        assert not source.skip_once
        assert source.unrealized > 0
        assert close.quantity > 0
        assert close.quantity % source.step_size == 0
        assert close.quantity <= source.held
        assert close.quantity * close.price >= source.min_notional
        assert close.price == source.price
        assert 0 < close.expected_realized <= source.unrealized

    ranked = rank_winners(loser, groups, settings)
    assert [w.id for w in plan.winners] == [g.id for g in ranked if g.id in {w.id for w in plan.winners}]


@given(
    pyramid_count=st.integers(min_value=0, max_value=6),
    all_filled=st.booleans(),
    percent=st.integers(min_value=-500, max_value=500).map(lambda p: D(p) / 100),
    timer_offset=st.none() | st.integers(min_value=-60, max_value=60),
)
def test_timer_properties(pyramid_count: int, all_filled: bool, percent: D, timer_offset: int | None) -> None:
    timer = None if timer_offset is None else NOW + timedelta(minutes=timer_offset)
    state = group(
        pyramid_count=pyramid_count,
        all_legs_filled=all_filled,
        unrealized_percent=percent,
        timer_expires_at=timer,
    )
    result = timer_update(state, SETTINGS, NOW)
    eligible = all_filled and pyramid_count >= 3
    if not eligible:
        assert result is None
    elif timer is None:
        assert result == NOW + timedelta(minutes=15)
    elif percent > D("-1.5"):
        assert result == NOW + timedelta(minutes=15)  # recovered: a full wait from now
    else:
        assert result == timer
    # a loser after the update always had an expired timer at or below the threshold
    if is_loser(replace(state, timer_expires_at=result), SETTINGS, NOW):
        assert result is not None
        assert result <= NOW
        assert percent <= D("-1.5")
