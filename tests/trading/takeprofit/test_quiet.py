"""Properties of the quiet band (trading/takeprofit/quiet.py): the prices at which the take-profit rules
only mark a group form one interval, the band lies inside it, and the mark line is the mark."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.trading.takeprofit.test_triggers import NOW, RULES, filled_leg, group, resting_leg, with_target
from trading.takeprofit.quiet import mark_line, quiet_band
from trading.takeprofit.triggers import Exit, GroupState, Leg, PyramidState, Rules, evaluate

D = Decimal
prices = st.decimals(min_value=D("1"), max_value=D("1000"), places=2)
percents = st.decimals(min_value=D("0.1"), max_value=D("20"), places=1)
optional_percents = st.none() | percents


@st.composite
def states(draw: st.DrawFn) -> GroupState:
    """Any mix of rules the pass meets: per-leg targets (some trailing), aggregate, hybrid and
    per-pyramid targets, trailing armed or not, stops, cancel-beyond, resting legs and exits,
    partly sold legs, and a minimum notional that can turn the holding into dust."""
    side = draw(st.sampled_from(["long", "short"]))
    entry = draw(prices)
    legs: list[Leg] = []
    for _ in range(draw(st.integers(1, 3))):
        quantity = draw(st.decimals(min_value=D("0.01"), max_value=D("5"), places=2))
        price = entry * draw(st.sampled_from([D(1), D("0.99"), D("0.98"), D("1.01")]))
        closed = draw(st.sampled_from([D(0), D(0), quantity / 2, quantity]))
        leg = filled_leg(quantity, price, closed=closed)
        tp = draw(st.none() | st.just(price * D("1.01")) | st.just(price * D("0.99")))
        trailing = draw(st.booleans())
        peak = draw(st.none() | prices) if trailing else None
        legs.append(
            Leg(
                **{
                    **leg.__dict__,
                    "tp_price": tp,
                    "trailing": trailing,
                    "tp_peak": peak,
                    "has_live_exit": draw(st.booleans()),
                }
            )
        )
    if draw(st.booleans()):
        legs.append(resting_leg(entry * D("0.97")))
    mode = draw(st.sampled_from(["per_leg", "aggregate", "hybrid", "pyramid_aggregate"]))
    active = draw(st.booleans())
    exits = []
    if draw(st.booleans()):
        exits.append(Exit(draw(st.sampled_from(["take_profit", "close"])), "p0", draw(prices)))
    rules = Rules(RULES.tick_size, RULES.step_size, RULES.min_qty, draw(st.sampled_from([D(0), D(5), D(50)])))
    state = group(
        legs,
        side=side,
        tp_mode=mode,
        tp_aggregate_percent=draw(percents),
        trailing_deviation_percent=draw(optional_percents),
        stop_loss_percent=draw(optional_percents),
        cancel_dca_beyond_percent=draw(optional_percents),
        trailing_active=active,
        trailing_peak=draw(prices) if active else None,
        last_leg_exit_at=draw(st.none() | st.just(NOW - timedelta(seconds=5))),
        exits=tuple(exits),
        rules=rules,
        pyramids=(PyramidState("p0", entry, False, None, draw(st.booleans()), draw(st.none() | prices)),),
    )
    if mode in ("aggregate", "hybrid") and any(leg.filled > leg.closed for leg in legs):
        state = with_target(state) if draw(st.booleans()) else state
    return state


@settings(max_examples=400)
@given(states(), st.lists(prices, min_size=3, max_size=3, unique=True))
def test_the_prices_where_only_the_mark_changes_form_one_interval(state, three):
    low, middle, high = sorted(three)
    if evaluate(state, low).marked and evaluate(state, high).marked:
        assert evaluate(state, middle).marked


@settings(max_examples=300)
@given(states(), prices, st.floats(min_value=0, max_value=1))
def test_every_price_in_the_band_only_marks_the_group_and_the_line_is_the_mark(state, price, where):
    band = quiet_band(state, price)
    if band is None:
        assert not evaluate(state, price).marked
        return
    assert band.low <= price <= band.high
    assert evaluate(state, band.low).marked and evaluate(state, band.high).marked
    inside = band.low + (band.high - band.low) * D(str(where))
    verdict = evaluate(state, inside)
    assert verdict.marked
    assert band.quantity * inside + band.offset == verdict.unrealized_pnl
    percent = (band.quantity * inside + band.offset) * 100 / band.cost if band.cost else D(0)
    assert abs(percent - verdict.unrealized_pnl_percent) < D("1e-18")
    assert mark_line(state) == (band.quantity, band.offset, band.cost)


@given(states(), prices)
def test_the_band_ends_lie_on_the_tick_grid_unless_they_are_the_price_itself(state, price):
    band = quiet_band(state, price)
    if band is not None:
        for end in (band.low, band.high):
            assert end == price or end % RULES.tick_size == 0


def test_a_band_stops_short_of_the_stop_and_the_target():
    legs = [filled_leg(D(1), D(100))]
    state = with_target(group(legs, tp_mode="aggregate", tp_aggregate_percent=D(2), stop_loss_percent=D(3)))
    band = quiet_band(state, D(100))
    assert band is not None and state.tp_target_price == D("102.00")
    assert D("97.00") < band.low <= D("97.01") and D("101.98") <= band.high < D("102.00")
    assert quiet_band(state, D("102.5")) is None
