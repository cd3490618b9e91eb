"""The matching engine and the filters, directly (no HTTP): rules and invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokers.simulator import Engine, EngineConfig, ManualClock, market_table
from brokers.simulator.errors import BinanceError
from brokers.simulator.filters import check_limit_order, check_market_order, check_precision
from brokers.simulator.orders import OrderRequest, OrderType, Side, Status, TimeInForce
from brokers.simulator.prices import PriceBoard, build_drivers

BTC = market_table()["BTCUSDT"]
FUNDS = {"USDT": Decimal(10000), "BTC": Decimal(1)}


def make_engine(**config: object) -> Engine:
    markets = market_table()
    clock = ManualClock()
    board = PriceBoard(markets, build_drivers(markets, source="walk", seed=1, history=2), clock, history=2)
    engine = Engine(markets, board, clock, EngineConfig(**config))  # type: ignore[arg-type]  # test knobs
    engine.create_account("key-0001", "secret", FUNDS)
    engine.set_price("BTCUSDT", Decimal(50000))
    return engine


def limit(
    side: Side, qty: str, price: str, cid: str = "c", tif: TimeInForce = TimeInForce.GTC
) -> OrderRequest:
    return OrderRequest(
        "BTCUSDT", side, OrderType.LIMIT, cid, quantity=Decimal(qty), price=Decimal(price), time_in_force=tif
    )


def market(side: Side, qty: str, cid: str = "m") -> OrderRequest:
    return OrderRequest("BTCUSDT", side, OrderType.MARKET, cid, quantity=Decimal(qty))


@pytest.mark.parametrize(
    ("price", "qty", "failure"),
    [
        ("50000.001", "0.001", "PRICE_FILTER"),  # off the tick
        ("0.001", "0.001", "PRICE_FILTER"),  # below the minimum price
        ("50000", "0.000015", "LOT_SIZE"),  # off the step
        ("50000", "9001", "LOT_SIZE"),  # above the maximum quantity
        ("400", "0.01", "NOTIONAL"),  # 4 USDT < 5
    ],
)
def test_limit_filters(price: str, qty: str, failure: str):
    with pytest.raises(BinanceError, match=f"Filter failure: {failure}") as caught:
        check_limit_order(BTC, price=Decimal(price), quantity=Decimal(qty))
    assert caught.value.code == -1013


def test_filters_accept_the_smallest_valid_order_and_check_market_notional_at_the_price():
    check_limit_order(BTC, price=Decimal("500000"), quantity=Decimal("0.00001"))  # 5 USDT exactly
    with pytest.raises(BinanceError, match="NOTIONAL"):
        check_market_order(BTC, quantity=Decimal("0.00001"), reference_price=Decimal(400000))
    with pytest.raises(BinanceError) as caught:
        check_precision(Decimal("0.000000001"), "quantity")
    assert caught.value.code == -1111


def test_a_resting_sell_fills_when_the_price_rises_to_it():
    engine = make_engine()
    order = engine.place_order("key-0001", limit(Side.SELL, "0.5", "52000"))
    assert order.status == Status.NEW

    engine.set_price("BTCUSDT", Decimal(52000))

    filled = engine.get_order("key-0001", "BTCUSDT", order_id=order.order_id, client_order_id=None)
    assert (filled.status, filled.cum_quote) == (Status.FILLED, Decimal(26000))
    account = engine.account("key-0001")
    assert account is not None
    assert account.balances["USDT"].free == Decimal(10000) + 26000 - 26  # fee 0.1 % in USDT
    assert (account.balances["BTC"].free, account.balances["BTC"].locked) == (Decimal("0.5"), 0)


def test_fill_or_kill_expires_untouched_when_the_cap_is_short():
    engine = make_engine(liquidity_per_tick=Decimal(1000))

    fok = engine.place_order("key-0001", limit(Side.BUY, "0.1", "50000", tif=TimeInForce.FOK))

    assert (fok.status, fok.executed_qty) == (Status.EXPIRED, 0)
    account = engine.account("key-0001")
    assert account is not None and account.balances["USDT"].locked == 0


def test_immediate_or_cancel_takes_what_the_cap_allows():
    engine = make_engine(liquidity_per_tick=Decimal(1000))

    ioc = engine.place_order("key-0001", limit(Side.BUY, "0.1", "50000", tif=TimeInForce.IOC))

    assert (ioc.status, ioc.executed_qty) == (Status.EXPIRED, Decimal("0.02"))
    assert ioc.fills[0].is_maker is False


def test_buys_and_sells_draw_on_separate_liquidity():
    engine = make_engine(liquidity_per_tick=Decimal(1000))
    engine.place_order("key-0001", market(Side.BUY, "0.02", "b"))

    sell = engine.place_order("key-0001", market(Side.SELL, "0.02", "s"))
    late_buy = engine.place_order("key-0001", market(Side.BUY, "0.01", "b2"))

    assert sell.status == Status.FILLED
    assert (late_buy.status, late_buy.executed_qty) == (Status.EXPIRED, 0)  # the buy side is spent this tick


def test_resting_orders_fill_best_price_first():
    engine = make_engine(liquidity_per_tick=Decimal(1000))
    low = engine.place_order("key-0001", limit(Side.BUY, "0.02", "45000", "low"))
    high = engine.place_order("key-0001", limit(Side.BUY, "0.02", "48000", "high"))

    engine.set_price("BTCUSDT", Decimal(44000))

    def filled(order_id: int) -> Decimal:
        return engine.get_order("key-0001", "BTCUSDT", order_id=order_id, client_order_id=None).executed_qty

    assert filled(high.order_id) == Decimal("0.02")
    assert filled(low.order_id) == floor_step((Decimal(1000) - 960) / 45000)


def floor_step(value: Decimal) -> Decimal:
    return (value / BTC.step_size).to_integral_value(rounding="ROUND_FLOOR") * BTC.step_size


def test_an_unknown_key_and_unknown_orders_answer_binance_codes():
    engine = make_engine()
    with pytest.raises(BinanceError) as unknown_key:
        engine.place_order("nobody", market(Side.BUY, "0.001"))
    with pytest.raises(BinanceError) as missing:
        engine.get_order("key-0001", "BTCUSDT", order_id=99, client_order_id=None)
    with pytest.raises(BinanceError) as cancel:
        engine.cancel_order("key-0001", "BTCUSDT", order_id=None, client_order_id="nope")
    with pytest.raises(BinanceError) as symbol:
        engine.open_orders("key-0001", "FOOUSDT")
    assert [e.value.code for e in (unknown_key, missing, cancel, symbol)] == [-2015, -2013, -2011, -1121]


# --- invariants under random sequences of orders, cancels and price moves --------------------------

operation = st.one_of(
    st.tuples(st.just("limit"), st.sampled_from(Side), st.integers(1, 150), st.integers(40_000, 60_000)),
    st.tuples(st.just("market"), st.sampled_from(Side), st.integers(1, 150), st.just(0)),
    st.tuples(st.just("price"), st.just(Side.BUY), st.just(0), st.integers(40_000, 60_000)),
    st.tuples(st.just("cancel"), st.just(Side.BUY), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("tick"), st.just(Side.BUY), st.just(0), st.just(0)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(operation, min_size=3, max_size=40), cap=st.sampled_from([None, Decimal(500), Decimal(5000)])
)
def test_matching_invariants(ops: list[tuple[str, Side, int, int]], cap: Decimal | None):
    engine = make_engine(liquidity_per_tick=cap)
    placed: list[int] = []
    refusals: set[int] = set()
    for n, (kind, side, size, price) in enumerate(ops):
        try:
            if kind == "limit":
                request = limit(side, str(Decimal(size) / 1000), str(price), cid=f"c{n}")
                placed.append(engine.place_order("key-0001", request).order_id)
            elif kind == "market":
                placed.append(
                    engine.place_order("key-0001", market(side, str(Decimal(size) / 1000), f"m{n}")).order_id
                )
            elif kind == "price":
                engine.set_price("BTCUSDT", Decimal(price))
            elif kind == "cancel" and placed:
                engine.cancel_order(
                    "key-0001", "BTCUSDT", order_id=placed[size % len(placed)], client_order_id=None
                )
            elif kind == "tick":
                engine.tick(1)
        except BinanceError as error:
            refusals.add(error.code)
        account = engine.account("key-0001")
        assert account is not None
        for balance in account.balances.values():
            assert balance.free >= 0 and balance.locked >= 0
        for order in engine.all_orders("key-0001", "BTCUSDT", limit=1000):
            assert 0 <= order.executed_qty <= order.orig_qty
            assert order.status != Status.FILLED or order.executed_qty == order.orig_qty

    assert refusals <= {-2010, -2011, -1013}  # refused like Binance (funds, unknown, filters), never a crash
    # Everything still open, canceled: nothing may stay locked. And fills explain every balance.
    for order in engine.open_orders("key-0001"):
        engine.cancel_order("key-0001", "BTCUSDT", order_id=order.order_id, client_order_id=None)
    account = engine.account("key-0001")
    assert account is not None
    assert all(b.locked == 0 for b in account.balances.values())
    trades = engine.my_trades("key-0001", "BTCUSDT", limit=1000)
    bought = sum((t.qty if t.side == Side.BUY else -t.qty for t in trades), Decimal(0))
    paid = sum((t.quote_qty if t.side == Side.BUY else -t.quote_qty for t in trades), Decimal(0))
    fees = sum((t.commission for t in trades), Decimal(0))
    assert account.balances["BTC"].free == FUNDS["BTC"] + bought
    assert account.balances["USDT"].free == FUNDS["USDT"] - paid - fees


def test_a_long_running_simulator_keeps_its_open_orders_and_only_the_newest_closed_ones(monkeypatch):
    """Memory stays bounded over weeks of paper trading: the oldest closed orders and trades are
    forgotten, an open order never is, and the counters still count every order."""
    from brokers.simulator import book

    monkeypatch.setattr(book, "RETAIN_CLOSED_ORDERS", 5)
    monkeypatch.setattr(book, "RETAIN_TRADES", 4)
    engine = make_engine()
    resting = [
        engine.place_order("key-0001", limit(Side.BUY, "0.001", "40000", cid=f"r{i}")) for i in range(3)
    ]
    for i in range(20):  # 20 market buys, each filled (closed) at once
        engine.place_order("key-0001", market(Side.BUY, "0.001", cid=f"m{i}"))
    assert len(engine.book.orders) == 5 + 3
    assert engine.open_orders("key-0001", "BTCUSDT") == sorted(resting, key=lambda o: o.order_id)
    newest = engine.get_order("key-0001", "BTCUSDT", order_id=None, client_order_id="m19")
    assert newest is not None and newest.status == Status.FILLED
    with pytest.raises(BinanceError) as caught:  # forgotten: Binance's "order does not exist"
        engine.get_order("key-0001", "BTCUSDT", order_id=None, client_order_id="m0")
    assert caught.value.code == -2013
    assert len(engine.book.trades["key-0001"]) <= 5
    assert engine.order_totals() == {"placed": 23, "client_ids_reused": 0}
