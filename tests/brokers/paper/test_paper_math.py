"""Properties of the paper ledger's money math (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from brokers import paper_math as pm
from brokers.adapters.base import Side, Ticker

D = Decimal
TICK, STEP = D("0.01"), D("0.00001")

prices = st.integers(min_value=1, max_value=10**8).map(lambda n: n * TICK)  # 0.01 .. 1,000,000
amounts = st.integers(min_value=1, max_value=10**8).map(lambda n: n * STEP)  # 0.00001 .. 1,000
fee_rates = st.decimals(min_value=D(0), max_value=D("0.01"), places=6)
funds = st.decimals(min_value=D(0), max_value=D("1e9"), places=8)
holdings = st.builds(pm.Holding, free=funds, locked=funds)
sides = st.sampled_from([Side.BUY, Side.SELL])


def ticker(*, bid: Decimal | None, ask: Decimal | None, last: Decimal) -> Ticker:
    return Ticker(symbol="BTC/USDT", last=last, bid=bid, ask=ask, timestamp=datetime.now(UTC))


def never_negative(*held: pm.Holding) -> bool:
    return all(h.free >= 0 and h.locked >= 0 for h in held)


@given(prices, amounts, fee_rates)
def test_fees_are_never_negative_and_never_undercharged(price, amount, rate):
    fill = pm.fill_at(Side.BUY, price=price, amount=amount, fee_rate=rate)
    assert fill.fee >= 0
    assert fill.fee >= fill.cost * rate  # rounded up, for the house
    assert fill.fee - fill.cost * rate < pm.QUANTUM


@given(holdings, prices, amounts, fee_rates)
def test_a_reservation_is_released_exactly_on_cancel(holding, price, amount, rate):
    reserved = pm.reservation(Side.BUY, price=price, amount=amount, fee_rate=rate)
    assume(reserved <= holding.free)
    assert holding.lock(reserved).release(reserved) == holding


@given(holdings, prices, amounts, fee_rates)
def test_locking_more_than_is_free_is_refused(holding, price, amount, rate):
    reserved = pm.reservation(Side.BUY, price=price, amount=amount, fee_rate=rate)
    assume(reserved > holding.free)
    with pytest.raises(pm.InsufficientBalance):
        holding.lock(reserved)


@given(
    quote=holdings,
    base=holdings,
    limit=prices,
    improvement=st.integers(min_value=0, max_value=100),
    amount=amounts,
    maker=fee_rates,
    taker=fee_rates,
)
def test_a_buy_fill_spends_exactly_cost_plus_fee_and_returns_the_rest(
    quote, base, limit, improvement, amount, maker, taker
):
    """A limit buy reserves at its price and the higher fee, then fills at that price or better
    at either rate: what leaves the account is the fill's cost and fee, never more, never less."""
    reserved = pm.reservation(Side.BUY, price=limit, amount=amount, fee_rate=max(maker, taker))
    assume(reserved <= quote.free)
    fill_price = max(limit - improvement * TICK, TICK)
    fill = pm.fill_at(Side.BUY, price=fill_price, amount=amount, fee_rate=maker)
    new_quote, new_base = pm.settle(fill, reserved=reserved, quote=quote.lock(reserved), base=base)
    assert never_negative(new_quote, new_base)
    assert quote.total - new_quote.total == fill.cost + fill.fee
    assert new_quote.locked == quote.locked  # the whole reservation left `locked`
    assert new_base.free == base.free + amount


@given(quote=holdings, spare=holdings, price=prices, amount=amounts, rate=fee_rates)
def test_a_sell_fill_never_goes_negative(quote, spare, price, amount, rate):
    # Built to hold the amount (filtering random holdings for it discards most draws).
    base = pm.Holding(free=amount + spare.free, locked=spare.locked)
    fill = pm.fill_at(Side.SELL, price=price, amount=amount, fee_rate=rate)
    new_quote, new_base = pm.settle(fill, reserved=amount, quote=quote, base=base.lock(amount))
    assert never_negative(new_quote, new_base)
    assert new_base.total == base.total - amount
    assert new_quote.free - quote.free == fill.cost - fill.fee >= 0


@given(start=funds, price=prices, amount=amounts, rate=fee_rates)
def test_a_buy_then_a_sell_of_the_same_amount_at_the_same_price_loses_exactly_the_fees(
    start, price, amount, rate
):
    quote, base = pm.Holding(free=start), pm.Holding()
    reserved = pm.reservation(Side.BUY, price=price, amount=amount, fee_rate=rate)
    assume(reserved <= start)
    buy = pm.fill_at(Side.BUY, price=price, amount=amount, fee_rate=rate)
    quote, base = pm.settle(buy, reserved=reserved, quote=quote.lock(reserved), base=base)
    sell = pm.fill_at(Side.SELL, price=price, amount=amount, fee_rate=rate)
    quote, base = pm.settle(sell, reserved=amount, quote=quote, base=base.lock(amount))
    assert base == pm.Holding()
    assert start - quote.total == buy.fee + sell.fee


operations = st.lists(
    st.tuples(st.sampled_from(["lock", "release", "spend_locked", "credit"]), funds), max_size=30
)


@given(holdings, operations)
def test_no_sequence_of_ledger_operations_goes_below_zero(holding, ops):
    for name, amount in ops:
        try:
            holding = getattr(holding, name)(amount)
        except pm.LedgerError:
            continue
        assert never_negative(holding)


@given(sides, prices, st.decimals(min_value=D(0), max_value=D(500), places=2))
def test_slippage_only_ever_worsens_the_price_and_lands_on_the_tick(side, reference, bps):
    price = pm.slipped_price(side, reference, slippage_bps=bps, tick=TICK)
    exact = reference * (1 + bps / pm.BPS) if side == Side.BUY else reference * (1 - bps / pm.BPS)
    assert price % TICK == 0
    if side == Side.BUY:
        assert reference <= exact <= price < exact + TICK
    else:
        assert reference >= exact >= price > exact - TICK


@given(sides, prices, prices, st.decimals(min_value=D(0), max_value=D(100), places=2))
def test_a_marketable_limit_never_fills_beyond_its_limit(side, limit, market, bps):
    quote = ticker(bid=market, ask=market, last=market)
    price = pm.marketable_fill_price(side, limit, quote, slippage_bps=bps, tick=TICK)
    if price is None:
        assert (market > limit) if side == Side.BUY else (market < limit)
    elif side == Side.BUY:
        assert market <= price <= limit
    else:
        assert limit <= price <= market


def test_crossing_uses_the_ask_for_buys_the_bid_for_sells_and_falls_back_to_last():
    book = ticker(bid=D(99), ask=D(101), last=D(100))
    assert pm.is_crossed(Side.BUY, D(101), book) and not pm.is_crossed(Side.BUY, D("100.99"), book)
    assert pm.is_crossed(Side.SELL, D(99), book) and not pm.is_crossed(Side.SELL, D("99.01"), book)
    last_only = ticker(bid=None, ask=None, last=D(100))
    assert pm.is_crossed(Side.BUY, D(100), last_only) and pm.is_crossed(Side.SELL, D(100), last_only)


def test_a_buy_fill_cannot_cost_more_than_was_reserved():
    reserved = pm.reservation(Side.BUY, price=D(100), amount=D(1), fee_rate=D(0))
    dearer = pm.fill_at(Side.BUY, price=D(101), amount=D(1), fee_rate=D(0))
    with pytest.raises(pm.LedgerError, match="more than"):
        pm.settle(dearer, reserved=reserved, quote=pm.Holding(free=D(1000)).lock(reserved), base=pm.Holding())


def test_costs_and_fees_round_for_the_house_to_eight_decimals():
    # 0.123456789 ETH at 0.01234 BTC costs 0.00152345677... BTC: a buyer pays 0.00152346.
    assert pm.buy_cost(D("0.01234"), D("0.123456789")) == D("0.00152346")
    assert pm.sell_proceeds(D("0.01234"), D("0.123456789")) == D("0.00152345")
    assert pm.fee_for(D("0.00152346"), D("0.001")) == D("0.00000153")
