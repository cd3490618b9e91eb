"""Position accounting and take-profit triggers (pure modules), with hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trading.positions.accounting import ExitFill, LegFill, allocate, summarize, unrealized
from trading.takeprofit.targets import TrailState, beyond_cancel_level, check_target, stop_loss_hit

D = Decimal
quantities = st.decimals(min_value=D("0.00001"), max_value=D("1000"), places=5)
prices = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)


@given(st.lists(quantities, min_size=1, max_size=6), quantities)
def test_allocation_never_exceeds_a_leg_and_sums_to_what_was_sold(held: list[D], sold: D) -> None:
    remaining = dict(enumerate(held))
    shares = allocate(sold, remaining)
    assert all(D(0) <= shares[k] <= remaining[k] for k in shares)
    assert sum(shares.values()) == min(sold, sum(held))


@given(
    st.lists(st.tuples(quantities, prices), min_size=1, max_size=5), prices, st.decimals(D(0), D(5), places=3)
)
def test_selling_everything_realizes_sells_minus_buys_minus_all_fees(
    legs: list[tuple[D, D]], exit_price: D, fee: D
) -> None:
    bought = sum(q for q, _ in legs)
    buy_fees = [q * p * fee / 100 for q, p in legs]
    fills = [LegFill(q, p, f, D(0), q) for (q, p), f in zip(legs, buy_fees, strict=True)]
    exit_fee = bought * exit_price * fee / 100
    summary = summarize(fills, [ExitFill(bought, exit_price, exit_fee)])
    cost = sum(q * p for q, p in legs)
    assert summary.held == 0
    assert abs(summary.realized - (bought * exit_price - cost - sum(buy_fees) - exit_fee)) < D("1e-12")


@given(
    st.lists(st.tuples(quantities, prices), min_size=2, max_size=5),
    st.decimals(D("0.01"), D("0.99"), places=2),
)
def test_a_proportional_partial_close_keeps_the_average_entry(legs: list[tuple[D, D]], fraction: D) -> None:
    remaining = {i: q for i, (q, _) in enumerate(legs)}
    before = summarize([LegFill(q, p, D(0), D(0), D(0)) for q, p in legs], [])
    shares = allocate(before.held * fraction, remaining)
    after = summarize([LegFill(q, p, D(0), D(0), shares.get(i, D(0))) for i, (q, p) in enumerate(legs)], [])
    assert before.avg_entry is not None and after.avg_entry is not None
    assert abs(after.avg_entry - before.avg_entry) < D("1e-9")


def test_base_fees_are_not_held_and_count_once() -> None:
    # Bought 1 BTC at 100, the exchange kept 0.001 BTC (0.1 USDT) as the fee.
    leg = LegFill(D("1"), D("100"), D("0.1"), D("0.001"), D("0.999"))
    summary = summarize([leg], [ExitFill(D("0.999"), D("110"), D("0.10989"))])
    assert summary.held == 0
    assert summary.realized == D("0.999") * 110 - D("0.999") * 100 - D("0.1") - D("0.10989")


def test_unrealized_counts_the_buy_fees_already_paid() -> None:
    summary = summarize([LegFill(D("2"), D("100"), D("0.2"), D(0), D(0))], [])
    assert unrealized(summary, D("101")) == (D("1.8"), D("0.9"))
    assert unrealized(summary, D("99"), short=False)[0] == D("-2.2")


def test_targets_without_trailing_exit_on_reach() -> None:
    idle = TrailState(False, None)
    assert (
        check_target(price=D("100"), target=D("101"), state=idle, trailing_deviation_percent=None).action
        == "none"
    )
    assert (
        check_target(price=D("101"), target=D("101"), state=idle, trailing_deviation_percent=None).action
        == "exit"
    )
    short = check_target(
        price=D("99"), target=D("99"), state=idle, trailing_deviation_percent=None, side="short"
    )
    assert short.action == "exit"


@given(st.lists(prices, min_size=1, max_size=30), st.decimals(D("0.1"), D("10"), places=1))
def test_trailing_exits_only_after_falling_the_deviation_from_the_peak(path: list[D], deviation: D) -> None:
    target = D("100")
    state = TrailState(False, None)
    for price in path:
        decision = check_target(price=price, target=target, state=state, trailing_deviation_percent=deviation)
        if decision.action == "exit":
            assert state.active and state.peak is not None
            assert price <= state.peak * (1 - deviation / 100)
            return
        if decision.action in ("arm", "track"):
            assert decision.state.peak == price and price >= target
        state = decision.state
    if state.active:
        assert state.peak == max(p for p in path if p >= target) or state.peak >= target


def test_stop_loss_and_cancel_beyond_mirror_for_shorts() -> None:
    assert stop_loss_hit(price=D("95"), avg_entry=D("100"), stop_loss_percent=D("5"))
    assert not stop_loss_hit(price=D("95.01"), avg_entry=D("100"), stop_loss_percent=D("5"))
    assert stop_loss_hit(price=D("105"), avg_entry=D("100"), stop_loss_percent=D("5"), side="short")
    assert beyond_cancel_level(price=D("102"), entry=D("100"), cancel_dca_beyond_percent=D("2"))
    assert beyond_cancel_level(price=D("98"), entry=D("100"), cancel_dca_beyond_percent=D("2"), side="short")
    assert not beyond_cancel_level(price=D("101.99"), entry=D("100"), cancel_dca_beyond_percent=D("2"))
