"""Properties of the pure take-profit trigger (trading/takeprofit/triggers.py): the mark is the accounting
module's, and each rule fires exactly where the rule's own pure function says it is reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trading.dca.grid import aggregate_tp_price
from trading.positions import accounting
from trading.takeprofit.targets import stop_loss_hit
from trading.takeprofit.triggers import Exit, GroupState, Leg, PyramidState, Rules, evaluate

D = Decimal
RULES = Rules(tick_size=D("0.01"), step_size=D("0.00001"), min_qty=D("0.00001"), min_notional=D("0"))
NOW = datetime(2025, 1, 1, tzinfo=UTC)

prices = st.decimals(min_value=D("1"), max_value=D("1000"), places=2)
quantities = st.decimals(min_value=D("0.001"), max_value=D("100"), places=3)
percents = st.decimals(min_value=D("0.1"), max_value=D("20"), places=1)
sides = st.sampled_from(["long", "short"])


ZERO = D(0)


def filled_leg(quantity: Decimal, price: Decimal, *, pyramid: str = "p0", closed: Decimal = ZERO) -> Leg:
    return Leg(
        pyramid=pyramid,
        filled=quantity,
        avg_price=price,
        fees=quantity * price * D("0.001"),
        base_fees=D(0),
        closed=closed,
        live=False,
        resting=False,
        cancellable=False,
    )


def resting_leg(price: Decimal, *, pyramid: str = "p0") -> Leg:
    return Leg(
        pyramid, D(0), None, D(0), D(0), D(0), live=True, resting=True, cancellable=True, tp_price=None
    )


def group(legs: list[Leg], *, side: str = "long", tp_mode: str = "per_leg", **fields) -> GroupState:
    live = any(leg.live for leg in legs)
    values = {
        "side": side,
        "status": "partially_filled" if live else "active",
        "tp_mode": tp_mode,
        "tp_aggregate_percent": D("1"),
        "trailing_deviation_percent": None,
        "stop_loss_percent": None,
        "cancel_dca_beyond_percent": None,
        "tp_target_price": None,
        "trailing_active": False,
        "trailing_peak": None,
        "last_leg_exit_at": None,
        "last_evaluated_at": NOW,
        "rules": RULES,
        "legs": tuple(legs),
        "exits": (),
        "pyramids": (PyramidState("p0", legs[0].avg_price or D(100), False, None, False, None),),
    }
    values.update(fields)
    return GroupState(**values)


def average(legs: list[Leg]) -> Decimal:
    fills = [accounting.LegFill(g.filled, g.avg_price, g.fees, g.base_fees, g.closed) for g in legs]
    summary = accounting.summarize(fills, [])
    assert summary.avg_entry is not None
    return summary.avg_entry


def with_target(state: GroupState) -> GroupState:
    """The stored target as group_refresh left it: consistent with the legs."""
    target = aggregate_tp_price(
        average_entry=average(list(state.legs)),
        tp_aggregate_percent=state.tp_aggregate_percent,
        tick_size=RULES.tick_size,
        side=state.side,
    )
    return GroupState(**{**state.__dict__, "tp_target_price": target})


def hybrid(legs: list[tuple[Decimal, Decimal]]) -> GroupState:
    return with_target(
        group([filled_leg(q, p) for q, p in legs], tp_mode="hybrid", tp_aggregate_percent=D(50))
    )


fills = st.lists(st.tuples(quantities, prices), min_size=1, max_size=4)


@given(fills, prices, sides, st.sampled_from(["per_leg", "aggregate", "hybrid", "pyramid_aggregate"]))
def test_the_mark_is_the_unrealized_pnl_the_accounting_module_gives_for_the_legs(legs, price, side, mode):
    state = group([filled_leg(q, p) for q, p in legs], side=side, tp_mode=mode)
    verdict = evaluate(state, price)
    summary = accounting.summarize(
        [accounting.LegFill(q, p, q * p * D("0.001"), D(0), D(0)) for q, p in legs], []
    )
    assert (verdict.unrealized_pnl, verdict.unrealized_pnl_percent) == accounting.unrealized(
        summary, price, short=side == "short"
    )


@given(fills, prices, sides)
def test_a_per_leg_group_without_trailing_or_stop_never_needs_the_full_path(legs, price, side):
    # Its take-profits rest on the exchange: the fill monitor sees them trade, not this pass.
    assert evaluate(group([filled_leg(q, p) for q, p in legs], side=side), price).marked


@given(fills, prices, sides, percents)
def test_the_stop_fires_exactly_where_the_stop_loss_rule_says(legs, price, side, stop):
    state = group([filled_leg(q, p) for q, p in legs], side=side, stop_loss_percent=stop)
    hit = stop_loss_hit(price=price, avg_entry=average(list(state.legs)), stop_loss_percent=stop, side=side)
    assert evaluate(state, price).fires == ("stop_loss" if hit else None)


@given(fills, prices, sides, percents)
def test_an_aggregate_target_fires_at_and_beyond_it_and_nowhere_else(legs, price, side, percent):
    state = with_target(group([filled_leg(q, p) for q, p in legs], side=side, tp_mode="aggregate"))
    state = GroupState(**{**state.__dict__, "tp_aggregate_percent": percent})
    state = with_target(state)
    target = state.tp_target_price
    assert target is not None
    reached = price >= target if side == "long" else price <= target
    assert evaluate(state, price).fires == ("take_profit" if reached else None)


@given(fills, prices, prices, sides, percents)
def test_an_armed_trailing_target_fires_on_a_new_peak_and_on_the_pullback(legs, peak, price, side, deviation):
    state = with_target(
        group(
            [filled_leg(q, p) for q, p in legs],
            side=side,
            tp_mode="aggregate",
            trailing_deviation_percent=deviation,
            trailing_active=True,
            trailing_peak=peak,
        )
    )
    if side == "long":
        moves = price > peak or price <= peak * (1 - deviation / 100)
    else:
        moves = price < peak or price >= peak * (1 + deviation / 100)
    assert evaluate(state, price).marked is not moves


@given(fills, prices, sides)
def test_a_stored_target_the_legs_no_longer_give_is_rewritten_by_the_full_path(legs, price, side):
    state = with_target(group([filled_leg(q, p) for q, p in legs], side=side, tp_mode="aggregate"))
    assert state.tp_target_price is not None
    stale = GroupState(**{**state.__dict__, "tp_target_price": state.tp_target_price + D("0.01")})
    assert evaluate(stale, price).fires == "target_moved"


@given(fills, prices)
def test_a_status_the_orders_no_longer_give_is_rewritten_by_the_full_path(legs, price):
    state = group([*[filled_leg(q, p) for q, p in legs], resting_leg(D(1))])
    assert state.status == "partially_filled" and evaluate(state, price).fires is None
    assert evaluate(GroupState(**{**state.__dict__, "status": "active"}), price).fires == "status"
    sold = group([filled_leg(q, p, closed=q) for q, p in legs])  # everything sold: it closes
    assert evaluate(sold, price).fires == "status"


@given(fills, prices, st.integers(min_value=-60, max_value=60))
def test_a_hybrid_leg_exit_since_the_last_evaluation_defers_to_the_full_path(legs, price, seconds):
    state = hybrid(legs)
    assert state.tp_target_price is not None
    exited = GroupState(**{**state.__dict__, "last_leg_exit_at": NOW + timedelta(seconds=seconds)})
    before_last_look = "take_profit" if price >= state.tp_target_price else None
    assert evaluate(exited, price).fires == ("leg_exit_since" if seconds >= 0 else before_last_look)


@given(fills, prices, prices)
def test_a_hybrid_group_lets_a_resting_leg_target_the_price_reached_go_first(legs, tp, price):
    state = hybrid(legs)
    resting = GroupState(**{**state.__dict__, "exits": (Exit("take_profit", "p0", tp),)})
    expected = "leg_target_resting" if price >= tp else None
    if state.tp_target_price is not None and price >= state.tp_target_price:
        expected = expected or "take_profit"
    assert evaluate(resting, price).fires == expected


@given(prices, prices, percents)
def test_cancel_beyond_fires_only_while_unfilled_safety_orders_are_there_to_cancel(entry, price, percent):
    legs = [filled_leg(D(1), entry), resting_leg(entry * D("0.99"))]
    state = group(legs, cancel_dca_beyond_percent=percent)
    beyond = price >= entry * (1 + percent / 100)
    assert evaluate(state, price).fires == ("cancel_beyond" if beyond else None)
    nothing_left = group([legs[0]], cancel_dca_beyond_percent=percent)
    assert evaluate(nothing_left, price).marked


@given(prices, prices, st.booleans())
def test_a_pyramid_target_fires_once_reached_unless_its_close_is_already_on_the_way(entry, price, closing):
    legs = [filled_leg(D(1), entry)]
    target = aggregate_tp_price(average_entry=entry, tp_aggregate_percent=D(1), tick_size=RULES.tick_size)
    pyramid = PyramidState("p0", entry, False, target, False, None)
    exits = (Exit("close", "p0", None),) if closing else ()
    state = group(legs, tp_mode="pyramid_aggregate", pyramids=(pyramid,), exits=exits)
    fires = evaluate(state, price).fires
    assert fires == (None if closing or price < target else "pyramid_take_profit")
