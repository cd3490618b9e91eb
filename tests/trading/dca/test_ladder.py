"""The per-leg table of the DCA editor (3Commas' safety-order figures), checked against
3Commas' published example and by properties over any grid."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.dca.grid import (
    GridError,
    Level,
    Precision,
    capital_from_3commas,
    compute_grid,
    levels_from_3commas,
    validate_levels,
)
from trading.dca.ladder import ladder, max_deviation_percent


def test_3commas_published_example_equal_quantity_legs() -> None:
    # 3Commas: TP 1 % above the average; one unit each at 10000, 9800 and 9600.
    steps = ladder(
        entry=D(10000),
        fills=[(D(10000), D(1)), (D(9800), D(1)), (D(9600), D(1))],
        tp_aggregate_percent=D(1),
        tick_size=D("0.01"),
    )
    assert [s.average_price for s in steps] == [D(10000), D(9900), D(9800)]
    assert [s.tp_price for s in steps] == [D("10100.00"), D("9999.00"), D("9898.00")]
    assert [s.cumulative_quantity for s in steps] == [D(1), D(2), D(3)]
    assert [s.cumulative_notional for s in steps] == [D(10000), D(19800), D(29400)]
    assert [s.deviation_percent for s in steps] == [D(0), D(-2), D(-4)]
    # Rebound after leg n = (TP_n - price_n) / price_n: 1 %, 199/9800, 298/9600.
    assert [round(s.rebound_percent, 4) for s in steps] == [D("1.0000"), D("2.0306"), D("3.1042")]
    assert max_deviation_percent(steps) == D(4)


def test_a_short_ladder_mirrors_the_long_one() -> None:
    steps = ladder(
        entry=D(100),
        fills=[(D(100), D(1)), (D(102), D(1))],
        tp_aggregate_percent=D(1),
        tick_size=D("0.01"),
        side="short",
    )
    assert [s.average_price for s in steps] == [D(100), D(101)]
    assert [s.tp_price for s in steps] == [D("99.00"), D("99.99")]
    assert steps[1].rebound_percent > 0 and steps[1].deviation_percent == D(2)


def test_3commas_capital_is_the_sum_of_the_absolute_order_sizes() -> None:
    sizes = {"step_percent": D(1), "step_scale": D(1), "volume_scale": D(2)}
    # base 100 + 50 + 100 + 200: what a 3Commas user reads as "max amount for bot usage".
    assert capital_from_3commas(base_order=D(100), safety_order=D(50), safety_orders=3, **sizes) == D(450)
    levels = levels_from_3commas(
        base_order=D(100), safety_order=D(50), safety_orders=3, tp_percent=D(1), **sizes
    )
    legs = compute_grid(
        entry=D(100),
        capital=D(450),
        levels=levels,
        market=Precision(tick_size=D("0.01"), step_size=D("0.0001")),
    )
    # capital x weight gives the 3Commas amounts back (to the step), not a rescaled 296.30/148.15.
    assert [round(leg.notional) for leg in legs] == [100, 50, 100, 200]


def test_messages_carry_plain_numbers() -> None:
    with pytest.raises(GridError) as refused:
        validate_levels((Level(D("60.0000000000"), D("50.0000000000"), D(1)),))
    assert "got 60" in str(refused.value) and "60.0000" not in str(refused.value)
    with pytest.raises(GridError) as refused:
        validate_levels((Level(D("0"), D("60.0000000000"), D(1)), Level(D("-1"), D("50.0000000000"), D(1))))
    assert str(refused.value).startswith("weights sum to 110 %, not 100 %")


# --- properties ---------------------------------------------------------------------------------

prices = st.decimals(min_value=D("0.01"), max_value=D(100000), places=2)
quantities = st.decimals(min_value=D("0.001"), max_value=D(1000), places=3)


@st.composite
def falling_fills(draw: st.DrawFn) -> list[tuple[D, D]]:
    """A long grid's fills: each leg at or below the previous one."""
    count = draw(st.integers(min_value=1, max_value=8))
    legs = sorted(draw(st.lists(prices, min_size=count, max_size=count)), reverse=True)
    return [(price, draw(quantities)) for price in legs]


@settings(max_examples=200, deadline=None)
@given(falling_fills(), st.decimals(min_value=D("0.1"), max_value=D(50), places=2))
def test_average_stays_within_the_legs_and_a_long_always_needs_a_rebound(
    fills: list[tuple[D, D]], tp: D
) -> None:
    steps = ladder(entry=fills[0][0], fills=fills, tp_aggregate_percent=tp, tick_size=D("0.01"))
    for n, step in enumerate(steps):
        filled = [price for price, _ in fills[: n + 1]]
        assert min(filled) <= step.average_price <= max(filled)
        assert step.tp_price > step.average_price
        assert step.rebound_percent >= 0
        assert step.deviation_percent <= 0
    averages = [step.average_price for step in steps]
    assert averages == sorted(averages, reverse=True)  # each lower leg pulls the average down
    assert max_deviation_percent(steps) == -steps[-1].deviation_percent
