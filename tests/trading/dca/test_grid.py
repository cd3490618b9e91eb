"""The DCA grid math: worked examples from the semantics page's formulas, then properties."""

from __future__ import annotations

import re
from decimal import Decimal as D
from itertools import pairwise

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from brokers.adapters.base import Market
from trading.dca.grid import (
    GridConfig,
    GridError,
    Level,
    Precision,
    aggregate_tp_price,
    average_entry,
    compute_grid,
    levels_from_3commas,
    realized_pnl,
    tp_price,
    trailing_exit_price,
    unrealized_pnl,
    validate_levels,
    winner_close_quantity,
)

CENTS = Precision(tick_size=D("0.01"), step_size=D("0.001"), min_qty=D("0.001"), min_notional=D(10))
THREE_LEGS = (Level(D(0), D(40), D("1.5")), Level(D(-2), D(30), D("1.5")), Level(D(-5), D(30), D(2)))


# --- worked examples ----------------------------------------------------------------------------


def test_long_grid_sits_below_entry_with_quantities_rounded_down() -> None:
    legs = compute_grid(entry=D(100), capital=D(1000), levels=THREE_LEGS, market=CENTS)
    # 1000 * 30 % / 98 = 3.0612.. -> 3.061; 1000 * 30 % / 95 = 3.1578.. -> 3.157
    assert [(leg.price, leg.quantity, leg.notional) for leg in legs] == [
        (D("100.00"), D("4.000"), D("400.00000")),
        (D("98.00"), D("3.061"), D("299.97800")),
        (D("95.00"), D("3.157"), D("299.91500")),
    ]
    assert [leg.tp_price for leg in legs] == [D("101.50"), D("99.47"), D("96.90")]


def test_leg_price_rounds_down_and_take_profit_rounds_away_from_the_fill() -> None:
    levels = (Level(D(0), D(50), D(1)), Level(D("-1.5"), D(50), D(1)))
    legs = compute_grid(entry=D("123.456"), capital=D(1000), levels=levels, market=CENTS)
    assert legs[0].price == D("123.45")  # 123.456 down to the cent
    assert legs[1].price == D("121.60")  # 123.456 * 0.985 = 121.60416
    assert legs[1].tp_price == D("122.82")  # 121.60 * 1.01 = 122.816, up to the cent


def test_short_grid_mirrors_the_long_one() -> None:
    levels = (Level(D(0), D(50), D(2)), Level(D(-3), D(50), D(2)))
    legs = compute_grid(entry=D(100), capital=D(1000), levels=levels, market=CENTS, side="short")
    assert [leg.price for leg in legs] == [D("100.00"), D("103.00")]
    assert [leg.tp_price for leg in legs] == [D("98.00"), D("100.94")]
    assert tp_price(fill_price=D("100.01"), tp_percent=D(1), tick_size=D("0.01"), side="short") == D("99.00")


def test_an_exchange_market_is_accepted_as_precision() -> None:
    market = Market("BTC/USDT", "BTCUSDT", "BTC", "USDT", D("0.1"), D("0.00001"), D("0.00001"), D(5))
    legs = compute_grid(entry=D(60000), capital=D(100), levels=THREE_LEGS, market=market)
    assert legs[1].price == D("58800.0")
    assert legs[1].quantity == D("0.00051")  # 30 / 58800 = 0.000510.. down to the step


def test_3commas_form_expands_into_levels() -> None:
    # base 10, safety 10, d 1 %, s 2, m 2: deviations 1, 3, 7 %; volumes 10, 20, 40 of 80 total.
    levels = levels_from_3commas(
        base_order=D(10),
        safety_order=D(10),
        safety_orders=3,
        step_percent=D(1),
        step_scale=D(2),
        volume_scale=D(2),
        tp_percent=D("1.5"),
    )
    assert [lv.gap_percent for lv in levels] == [D(0), D(-1), D(-3), D(-7)]
    assert [lv.weight_percent for lv in levels] == [D("12.5"), D("12.5"), D(25), D(50)]
    assert {lv.tp_percent for lv in levels} == {D("1.5")}


def test_3commas_rounding_remainder_goes_to_the_base_order() -> None:
    levels = levels_from_3commas(
        base_order=D(10),
        safety_order=D(20),
        safety_orders=2,
        step_percent=D("1.5"),
        step_scale=D(1),
        volume_scale=D("1.5"),
        tp_percent=D(1),
    )
    assert [lv.gap_percent for lv in levels] == [D(0), D("-1.5"), D("-3.0")]
    assert [lv.weight_percent for lv in levels] == [D("16.666667"), D("33.333333"), D("50.000000")]
    assert sum(lv.weight_percent for lv in levels) == 100


def test_3commas_with_no_safety_orders_is_the_entry_alone() -> None:
    levels = levels_from_3commas(
        base_order=D(10),
        safety_order=D(0),
        safety_orders=0,
        step_percent=D(0),
        step_scale=D(0),
        volume_scale=D(0),
        tp_percent=D(2),
    )
    assert levels == (Level(D(0), D(100), D(2)),)


def test_3commas_deviation_past_100_percent_is_refused() -> None:
    with pytest.raises(GridError, match="safety order 4"):
        levels_from_3commas(
            base_order=D(10),
            safety_order=D(10),
            safety_orders=5,
            step_percent=D(10),
            step_scale=D(2),
            volume_scale=D(1),
            tp_percent=D(1),
        )  # 10, 30, 70, 150


def test_group_helpers_follow_the_page() -> None:
    avg = average_entry([(D(100), D(1)), (D(90), D(1))])
    assert avg == D(95)
    assert aggregate_tp_price(average_entry=avg, tp_aggregate_percent=D(2), tick_size=D("0.01")) == D("96.90")
    assert realized_pnl(quantity=D(2), entry_price=avg, exit_price=D("96.9"), fees=D("0.5")) == D("3.3")
    short = realized_pnl(quantity=D(1), entry_price=D(100), exit_price=D(98), fees=D("0.1"), side="short")
    assert short == D("1.9")
    amount, percent = unrealized_pnl(quantity=D(2), average_entry=avg, mark_price=D(90))
    assert amount == D(-10)
    assert percent == D(-10) / D(190) * 100
    assert trailing_exit_price(extreme=D(110), trailing_deviation_percent=D(1)) == D("108.90")
    assert trailing_exit_price(extreme=D(90), trailing_deviation_percent=D(1), side="short") == D("90.90")


def test_winner_closes_only_what_covers_the_loser() -> None:
    # required 50 of a profit of 80, 10 per unit: 5 units.
    common = {"required": D(50), "winner_profit": D(80), "step_size": D("0.001")}
    assert winner_close_quantity(current_price=D(110), average_entry=D(100), **common) == D("5.000")
    assert winner_close_quantity(current_price=D(90), average_entry=D(100), side="short", **common) == D(5)
    assert winner_close_quantity(current_price=D(90), average_entry=D(100), **common) == 0


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((), "at least one level"),
        ((Level(D(-1), D(100), D(1)),), "level 0 is the entry"),
        ((Level(D(0), D(60), D(1)), Level(D(-1), D(30), D(1))), "weights sum to 90"),
        ((Level(D(0), D(50), D(1)), Level(D(1), D(50), D(1))), "level 1: gap_percent"),
        (
            (Level(D(0), D(40), D(1)), Level(D(-3), D(30), D(1)), Level(D(-2), D(30), D(1))),
            "level 2: gap_percent -2 is above",
        ),
        ((Level(D(0), D(100), D(0)),), "level 0: tp_percent"),
        ((Level(D(0), D(101), D(1)), Level(D(-1), D(-1), D(1))), "level 0: weight_percent"),
    ],
)
def test_invalid_levels_name_the_broken_rule(levels: tuple[Level, ...], message: str) -> None:
    with pytest.raises(GridError, match=re.escape(message)):
        validate_levels(levels)


def test_short_take_profit_of_100_percent_is_refused() -> None:
    with pytest.raises(GridError, match="below 100 for a short"):
        validate_levels((Level(D(0), D(100), D(100)),), side="short")
    validate_levels((Level(D(0), D(100), D(100)),))  # a long may double


def test_weights_within_a_hundredth_are_accepted() -> None:
    GridConfig(levels=(Level(D(0), D("50.005"), D(1)), Level(D(-1), D(50), D(1))))


def test_floats_are_refused() -> None:
    with pytest.raises(GridError, match="gap_percent must be a Decimal"):
        Level(0.5, D(1), D(1))  # type: ignore[arg-type]  # the point of the test
    assert Level("-1.5", 100, "2").gap_percent == D("-1.5")  # type: ignore[arg-type]  # str/int convert


def test_leg_below_the_minimum_notional_is_named() -> None:
    levels = (Level(D(0), D(90), D(1)), Level(D(-1), D(10), D(1)))
    market = Precision(tick_size=D("0.01"), step_size=D("0.001"), min_notional=D(15))
    with pytest.raises(GridError, match=r"leg 1: order value 9\.9\d* is below the minimum notional 15"):
        compute_grid(entry=D(100), capital=D(100), levels=levels, market=market)


def test_leg_below_the_minimum_quantity_is_named() -> None:
    market = Precision(tick_size=D("0.01"), step_size=D("0.01"), min_qty=D(1))
    with pytest.raises(
        GridError, match=re.escape("leg 1: quantity 0.91 (of 90.00 at 98.00) is below the minimum quantity 1")
    ):
        compute_grid(entry=D(100), capital=D(300), levels=THREE_LEGS, market=market)


# --- properties ---------------------------------------------------------------------------------

ticks = st.sampled_from([D("0.0001"), D("0.01"), D("0.1"), D("0.5"), D(1), D(10)])
steps = st.sampled_from([D("0.00001"), D("0.001"), D("0.01"), D(1)])
entries = st.decimals(min_value=D("0.5"), max_value=D(200000), places=4)
capitals = st.decimals(min_value=D(10), max_value=D(1000000), places=2)


@st.composite
def level_sets(draw: st.DrawFn) -> tuple[Level, ...]:
    count = draw(st.integers(min_value=1, max_value=6))
    depths = draw(
        st.lists(
            st.decimals(min_value=D("0.1"), max_value=D(60), places=2), min_size=count - 1, max_size=count - 1
        )
    )
    gaps = [D(0)] + [-depth for depth in sorted(depths)]
    shares = draw(st.lists(st.integers(min_value=1, max_value=100), min_size=count, max_size=count))
    weights = [(D(100) * share / sum(shares)).quantize(D("0.0001")) for share in shares]
    weights[0] += D(100) - sum(weights)  # level 0 absorbs the rounding, as the expansion does
    tps = draw(
        st.lists(st.decimals(min_value=D("0.1"), max_value=D(20), places=2), min_size=count, max_size=count)
    )
    return tuple(Level(g, w, t) for g, w, t in zip(gaps, weights, tps, strict=True))


@settings(max_examples=150, deadline=None)
@given(entries, capitals, level_sets(), ticks, steps, st.sampled_from(["long", "short"]))
def test_legs_respect_the_market_and_the_capital(
    entry: D, capital: D, levels: tuple[Level, ...], tick: D, step: D, side: str
) -> None:
    market = Precision(tick_size=tick, step_size=step)
    try:
        legs = compute_grid(entry=entry, capital=capital, levels=levels, market=market, side=side)  # type: ignore[arg-type]  # side drawn as str
    except GridError as exc:
        refusal = str(exc)
        event("refused")
        # only a leg too small for its share (or a short target rounding to 0) may fail here
        assert re.match(r"leg \d+: ", refusal)
        return
    direction = 1 if side == "long" else -1
    for leg, level in zip(legs, levels, strict=True):
        raw_price = entry * (1 + direction * level.gap_percent / 100)
        assert leg.price % tick == 0 and leg.price <= raw_price
        allocation = capital * level.weight_percent / 100
        assert leg.quantity % step == 0 and leg.quantity <= allocation / leg.price
        # rounding down loses strictly less than one step's worth of the level's share
        assert 0 <= allocation - leg.notional < step * leg.price
        assert leg.tp_price % tick == 0
        assert (leg.tp_price - leg.price) * direction > 0
    assert sum(leg.notional for leg in legs) <= capital


@settings(max_examples=150, deadline=None)
@given(
    entries, capitals, level_sets(), ticks, steps, st.decimals(min_value=D(0), max_value=D(5000), places=2)
)
def test_an_accepted_grid_meets_the_minimums_and_a_refusal_names_the_leg(
    entry: D, capital: D, levels: tuple[Level, ...], tick: D, step: D, min_notional: D
) -> None:
    loose_market = Precision(tick_size=tick, step_size=step)
    try:
        loose = compute_grid(entry=entry, capital=capital, levels=levels, market=loose_market)
    except GridError:
        assume(False)  # not a grid the minimums decide; the test above covers those refusals
    # The same rounding with the minimums applied: the first leg below either one must be named.
    too_small = [leg.level for leg in loose if leg.quantity < step or leg.notional < min_notional]
    market = Precision(tick_size=tick, step_size=step, min_qty=step, min_notional=min_notional)
    if too_small:
        with pytest.raises(GridError, match=rf"^leg {too_small[0]}: "):
            compute_grid(entry=entry, capital=capital, levels=levels, market=market)
    else:
        assert compute_grid(entry=entry, capital=capital, levels=levels, market=market) == loose


@settings(max_examples=150, deadline=None)
@given(
    base=st.decimals(min_value=D(1), max_value=D(10000), places=2),
    volume=st.decimals(min_value=D(1), max_value=D(10000), places=2),
    count=st.integers(min_value=1, max_value=12),
    step=st.decimals(min_value=D("0.1"), max_value=D(5), places=2),
    step_scale=st.decimals(min_value=D("0.5"), max_value=D(2), places=2),
    volume_scale=st.decimals(min_value=D("0.5"), max_value=D(3), places=2),
)
def test_3commas_expansion_properties(
    base: D, volume: D, count: int, step: D, step_scale: D, volume_scale: D
) -> None:
    try:
        levels = levels_from_3commas(
            base_order=base,
            safety_order=volume,
            safety_orders=count,
            step_percent=step,
            step_scale=step_scale,
            volume_scale=volume_scale,
            tp_percent=D(1),
        )
    except GridError as exc:
        refusal = str(exc)
        # the only refusals: a deviation reaching 100 % or a share too small to express
        assert re.match(r"safety order \d+: ", refusal)
        return
    assert sum(lv.weight_percent for lv in levels) == 100
    deviations = [-lv.gap_percent for lv in levels]
    assert all(a < b for a, b in pairwise(deviations))
    volumes = [volume * volume_scale ** (n - 1) for n in range(1, count + 1)]
    total = base + sum(volumes)
    for n, level in enumerate(levels[1:], start=1):
        expected_deviation = step * sum(step_scale**k for k in range(n))
        assert abs(level.gap_percent + expected_deviation) < D("1e-20")
        # each safety weight is its volume's share, rounded down to 0.000001 %
        assert 0 <= 100 * volumes[n - 1] / total - level.weight_percent < D("0.000001")


@given(
    fills=st.lists(
        st.tuples(
            st.decimals(min_value=D(1), max_value=D(1000), places=2),
            st.decimals(min_value=D("0.001"), max_value=D(100), places=3),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_average_entry_lies_between_the_fills(fills: list[tuple[D, D]]) -> None:
    avg = average_entry(fills)
    assert min(p for p, _ in fills) - D("1e-20") <= avg <= max(p for p, _ in fills) + D("1e-20")


@given(
    qty=st.decimals(min_value=D("0.001"), max_value=D(100), places=3),
    entry=st.decimals(min_value=D(1), max_value=D(1000), places=2),
    exit_=st.decimals(min_value=D(1), max_value=D(1000), places=2),
)
def test_long_and_short_pnl_are_opposite_before_fees(qty: D, entry: D, exit_: D) -> None:
    long = realized_pnl(quantity=qty, entry_price=entry, exit_price=exit_)
    short = realized_pnl(quantity=qty, entry_price=entry, exit_price=exit_, side="short")
    assert long == -short
    assume(entry != exit_)
    assert (long > 0) == (exit_ > entry)
