"""What surrounds the engine: live events to the owner only, one shared ticker request per
(exchange, symbol) per tick, reconciliation with the exchange and the beat dispatchers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from brokers.adapters.base import OrderType, Side
from brokers.adapters.cache import cached_adapter_for
from notifications.events import group_for_user
from trading.execution import tasks
from trading.execution.services.reconcile import account_reconcile, accounts_to_reconcile
from trading.positions.models import DCAOrder, OrderStatus, UnknownExchangeOrder
from trading.takeprofit.services.marks import take_profit_dispatch as take_profit_tick

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


def _listen(user) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_for_user(user.pk), channel)
    return channel


def _drain(channel: str) -> list[dict]:
    layer = get_channel_layer()
    received = []

    async def take() -> None:
        import asyncio

        while True:
            try:
                # A second of silence ends the stream: under a loaded CI machine an event can
                # take longer than a few hundred ms to cross the Redis channel layer.
                message = await asyncio.wait_for(layer.receive(channel), 1.0)
            except TimeoutError:
                return
            received.append(message["event"])

    async_to_sync(take)()
    return received


def test_the_owner_receives_signal_order_and_position_events_and_nobody_else(
    make_engine, trader, other_trader
):
    engine = make_engine(trader)
    make_engine(other_trader)
    mine, theirs = _listen(trader), _listen(other_trader)
    engine.config(levels=ONE_LEG)
    signal = engine.signal(price="100")
    events = _drain(mine)
    types = [e["type"] for e in events]
    assert "signal.received" in types and "order.updated" in types and "position.updated" in types
    signal_event = next(e for e in events if e["type"] == "signal.received")
    assert signal_event["data"]["id"] == str(signal.pk) and signal_event["data"]["classification"] == "entry"
    filled = [e["data"] for e in events if e["type"] == "order.updated" and e["data"]["status"] == "filled"]
    assert filled and D(filled[0]["avg_fill_price"]) == D("100")
    # The leg's fill and its take-profit reach the trader in one update, not a stale one first.
    leg_updates = [e["data"] for e in events if e["type"] == "order.updated" and e["data"]["role"] == "leg"]
    assert [u["tp_status"] for u in leg_updates if u["status"] == "filled"] == ["placed"]
    assert D(leg_updates[-1]["tp_price"]) == D("101")
    positions = [e["data"] for e in events if e["type"] == "position.updated"]
    assert positions[-1]["status"] == "active"
    assert _drain(theirs) == []


def test_one_ticker_request_per_symbol_per_tick_whatever_the_number_of_users(
    make_engine, trader, other_trader, settings
):
    from tests.factories import UserFactory

    users = [trader, other_trader, UserFactory(role="trader"), UserFactory(role="trader")]
    for user in users:
        engine = make_engine(user)
        engine.config(levels=ONE_LEG)
        engine.config(levels=ONE_LEG, symbol="ETH/USDT")
        engine.signal(price="100")
        engine.signal(price="100", symbol="ETH/USDT")
    settings.TICKER_CACHE_SECONDS = 5

    def ticker_requests() -> int:
        by_endpoint = engine.control.state()["counters"]["by_endpoint"]
        return sum(int(n) for route, n in by_endpoint.items() if "ticker" in route)

    before = ticker_requests()
    assert take_profit_tick() == 8  # 4 users x 2 symbols evaluated
    assert ticker_requests() - before == 1  # both symbols in one batched request
    assert take_profit_tick() == 8
    assert ticker_requests() - before == 1  # the next tick within the TTL reads the cache


def test_reconciliation_records_fills_we_missed_and_orders_we_did_not_place(engine):
    engine.config()
    engine.price("BTC/USDT", "101")
    engine.signal(price="100")  # three limits rest: 100, 99, 98
    adapter = cached_adapter_for(engine.account)
    foreign = adapter.create_order(
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=D("0.1"),
        price=D("90"),
        client_order_id="placed-by-hand-1",
    )
    engine.price("BTC/USDT", "99")  # two legs fill while no monitor runs
    assert [leg.status for leg in engine.legs()] == ["open", "open", "open"]
    assert accounts_to_reconcile() == [(str(engine.account.pk), str(engine.user.pk))]
    counts = account_reconcile(account_id=str(engine.account.pk))
    assert counts["unknown"] == 1
    assert [leg.status for leg in engine.legs()] == ["filled", "filled", "open"]
    unknown = UnknownExchangeOrder.objects.get()
    assert (unknown.exchange_order_id, unknown.client_order_id, unknown.quantity, unknown.status) == (
        foreign.id,
        "placed-by-hand-1",
        D("0.1"),
        "open",
    )
    adapter.cancel_order(symbol="BTC/USDT", order_id=foreign.id)
    account_reconcile(account_id=str(engine.account.pk))
    unknown.refresh_from_db()
    assert unknown.status == "gone"
    # Reconciling again changes nothing: the same answers are applied idempotently.
    before = list(DCAOrder.objects.order_by("pk").values_list("status", "filled_quantity", "closed_quantity"))
    account_reconcile(account_id=str(engine.account.pk))
    after = list(DCAOrder.objects.order_by("pk").values_list("status", "filled_quantity", "closed_quantity"))
    assert before == after


def test_the_fill_monitor_dispatches_one_message_per_account_with_orders(make_engine, trader, other_trader):
    first, second = make_engine(trader), make_engine(other_trader)
    for engine in (first, second):
        engine.config()
        engine.price("BTC/USDT", "101")
        engine.signal(price="100")
    # Eager: each account's sync runs inside the dispatcher.
    assert tasks.monitor_fills.delay().get() == 0  # the price reached no leg: nothing to check
    first.price("BTC/USDT", "99.5")  # one simulator for both: the leg at 100 of each account
    assert tasks.monitor_fills.delay().get() == 2
    assert tasks.reconcile_all.delay().get() == 2


def test_a_reconcile_asks_the_exchange_only_about_orders_whose_send_may_have_been_lost(engine):
    """An order not sent yet (its placement message waits in the queue) cannot be on the exchange,
    and one a worker is sending right now is recorded by that worker. Looking each of them up cost
    a request per order: during a burst of signals in `make run`, the reconcile's lookups held
    every worker thread in the rate limiter while the placements waited behind them."""
    engine.config()
    engine.price("BTC/USDT", "101")
    engine.signal(price="100")  # three legs rest on the book
    now = timezone.now()

    def copy(n: int, status: str, lease_until=None) -> None:
        for _ in range(n):
            row = engine.legs()[2]
            row.pk, row.client_order_id, row.exchange_order_id = None, f"copy-{DCAOrder.objects.count()}", ""
            row.status, row.lease_until = status, lease_until
            row.save()

    copy(5, OrderStatus.PENDING)  # waiting for their placement message
    copy(3, OrderStatus.SUBMITTING, now + timedelta(seconds=30))  # being sent now
    copy(1, OrderStatus.SUBMITTING, now - timedelta(seconds=1))  # its worker died mid-send
    by_endpoint = engine.control.state()["counters"]["by_endpoint"]
    before = dict(by_endpoint)
    account_reconcile(account_id=str(engine.account.pk))
    after = engine.control.state()["counters"]["by_endpoint"]
    asked = {route: n - before.get(route, 0) for route, n in after.items() if n != before.get(route, 0)}
    lookups = {r: n for r, n in asked.items() if "openOrders" not in r and "myTrades" not in r}
    assert lookups == {"GET /api/v3/order": 1}
    # Nothing was changed on the strength of a lookup that was not made.
    statuses = DCAOrder.objects.values_list("status", flat=True)
    assert sorted(statuses) == ["open"] * 3 + ["pending"] * 5 + ["submitting"] * 4
