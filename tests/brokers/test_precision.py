from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brokers.precision import PrecisionError, amount_to_step, ceil_to, check_order, floor_to, price_to_tick

values = st.decimals(min_value=Decimal("0"), max_value=Decimal("1e9"), places=10, allow_nan=False)
increments = st.sampled_from(
    [Decimal(x) for x in ("0.00000001", "0.00001", "0.001", "0.01", "0.1", "1", "5", "10")]
)


@given(values, increments)
def test_rounding_never_goes_above_the_input_and_lands_on_the_grid(value, increment):
    rounded = floor_to(value, increment)
    assert isinstance(rounded, Decimal)
    assert rounded <= value
    assert value - rounded < increment
    assert rounded % increment == 0


@given(values, increments)
def test_rounding_twice_changes_nothing(value, increment):
    once = floor_to(value, increment)
    assert floor_to(once, increment) == once


@given(values, increments)
def test_rounding_up_never_goes_below_the_input_and_lands_on_the_next_grid_line(value, increment):
    rounded = ceil_to(value, increment)
    assert value <= rounded < value + increment
    assert rounded % increment == 0
    assert ceil_to(rounded, increment) == rounded
    assert rounded - floor_to(value, increment) in (0, increment)


def test_a_sell_at_the_ema_rounds_up_to_the_nse_tick():
    assert ceil_to(Decimal("1463.01"), Decimal("0.05")) == Decimal("1463.05")
    assert ceil_to(Decimal("1463.05"), Decimal("0.05")) == Decimal("1463.05")


def test_btc_usdt_examples():
    assert price_to_tick(Decimal("64123.456"), Decimal("0.01")) == Decimal("64123.45")
    assert amount_to_step(Decimal("0.123456789"), Decimal("0.00001")) == Decimal("0.12345")
    assert str(amount_to_step(Decimal("0.5"), Decimal("0.00001"))) == "0.50000"


def test_check_order_rounds_and_accepts_a_valid_order():
    price, amount = check_order(
        price=Decimal("64123.456"),
        amount=Decimal("0.0012345"),
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.00001"),
        min_qty=Decimal("0.00001"),
        min_notional=Decimal("5"),
    )
    assert (price, amount) == (Decimal("64123.45"), Decimal("0.00123"))


@pytest.mark.parametrize(
    ("price", "amount", "fragment"),
    [
        (Decimal("100"), Decimal("0.000001"), "below the minimum"),
        (Decimal("100"), Decimal("0.01"), "minimum notional"),
        (Decimal("0"), Decimal("1"), "price must be positive"),
        (Decimal("100"), Decimal("-1"), "quantity must be positive"),
    ],
)
def test_check_order_names_the_broken_rule(price, amount, fragment):
    with pytest.raises(PrecisionError, match=fragment):
        check_order(
            price=price,
            amount=amount,
            tick_size=Decimal("0.01"),
            step_size=Decimal("0.00001"),
            min_qty=Decimal("0.00001"),
            min_notional=Decimal("5"),
        )


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=6),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=8),
)
def test_an_accepted_order_respects_every_rule(price, amount):
    tick, step, min_qty, min_notional = Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"), Decimal("5")
    try:
        p, a = check_order(
            price=price,
            amount=amount,
            tick_size=tick,
            step_size=step,
            min_qty=min_qty,
            min_notional=min_notional,
        )
    except PrecisionError:
        return
    assert p <= price and a <= amount
    assert p % tick == 0 and a % step == 0
    assert a >= min_qty and p * a >= min_notional
