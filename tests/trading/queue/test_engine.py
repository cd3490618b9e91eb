"""The execution pool and its queue on the simulator: entries that find the pool full wait, a
newer signal replaces the queued one, a freed slot (take-profit, close, exit) promotes the best
entry onto the exchange at once, the sweep catches what no hook saw, exits cancel queued entries,
a stopped service promotes nothing, and one user's failing promotion never stops another's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from auditlog.models_logs import ErrorLog
from notifications.events import group_for_user
from trading.dca.models import DCAConfig
from trading.execution.services.closes import position_close
from trading.positions.models import DCAOrder, PositionGroup
from trading.queue.models import QueueEntry
from trading.queue.tasks import promote_queues, sweep_queues
from trading.runtime.models import ServiceStatus
from trading.runtime.services import service_status_for
from trading.settings.models import UserTradingConfig
from trading.settings.services import trading_config_update
from trading.signals.routing import bump_routes

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


def _pool(engine, size: int, **more) -> None:
    trading_config_update(user=engine.user, fields={"max_open_groups": size, **more}, partial=True)


def _full_pool_of_one(engine):
    """BTC opens (its entry fills at once, its take-profit rests at 101); the pool is then full."""
    engine.config(levels=ONE_LEG)
    engine.config(symbol="ETH/USDT")
    _pool(engine, 1)
    engine.signal(price="100")
    return engine.group()


def _open_orders(engine, symbol: str) -> list[dict]:
    orders = engine.control.account(str(engine.account.api_key))["open_orders"]
    return [o for o in orders if o["symbol"] == symbol.replace("/", "")]


def test_a_new_entry_beyond_the_pool_waits_in_the_queue_with_its_rank_and_expected_profit(engine):
    _full_pool_of_one(engine)
    waiting = engine.signal(price="100", symbol="ETH/USDT")
    assert (waiting.status, waiting.classification) == ("queued", "entry")
    assert waiting.reason == "Your execution pool is full (1/1 open position groups): queued at rank 1 of 1."
    entry = QueueEntry.objects.get()
    assert (entry.status, entry.rank, entry.priority_rule, entry.signal_id) == (
        "queued",
        1,
        "alone",
        waiting.pk,
    )
    assert (entry.symbol, entry.entry_price, entry.current_price, entry.loss_percent) == (
        "ETH/USDT",
        D("100"),
        D("100"),
        D("0"),
    )
    # The grid at 100 with 1000: 4 @ 100 -> 101, 3.0303 @ 99 -> 99.99, 3.0612 @ 98 -> 99.47.
    assert entry.expected_profit == D("4") + D("3.0303") * D("0.99") + D("3.0612") * D("1.47")
    assert PositionGroup.objects.count() == 1
    assert _open_orders(engine, "ETH/USDT") == []


def test_a_newer_signal_for_a_queued_pair_replaces_it_and_keeps_its_place_in_time(engine):
    _full_pool_of_one(engine)
    first = engine.signal(price="100", symbol="ETH/USDT")
    queued_at = QueueEntry.objects.get().queued_at
    second = engine.signal(price="95", symbol="ETH/USDT", sent_at=timezone.now() + timedelta(seconds=1))
    entry = QueueEntry.objects.get()  # still one entry for the pair
    assert (entry.replacement_count, entry.entry_price, entry.queued_at) == (1, D("95"), queued_at)
    assert entry.signal_id == second.pk and entry.payload == second.parsed
    assert second.status == "queued"
    assert "replaced the queued signal (replacement 1), rank 1 of 1" in second.reason
    first.refresh_from_db()
    assert first.status == "processed"
    assert first.reason.startswith(f"Replaced in the queue by a newer signal ({second.pk})")


def test_when_the_open_group_takes_profit_the_queued_entry_opens_on_the_exchange_at_the_current_price(
    engine,
):
    btc = _full_pool_of_one(engine)
    waiting = engine.signal(price="100", symbol="ETH/USDT")
    engine.price("ETH/USDT", "97")  # moved against the signal while it waited
    engine.price("BTC/USDT", "101")
    engine.monitor()  # BTC's take-profit fills: its slot frees and the queue promotes at once
    btc.refresh_from_db()
    assert btc.status == "closed"
    entry = QueueEntry.objects.get()
    assert (entry.status, entry.promoted_by) == ("promoted", "auto")
    eth = PositionGroup.objects.get(symbol="ETH/USDT")
    assert entry.group_id == eth.pk
    assert [leg.price for leg in engine.legs(eth)] == [D("97"), D("96.03"), D("95.06")]
    assert len(_open_orders(engine, "ETH/USDT")) >= 2  # the deeper legs rest on the exchange
    waiting.refresh_from_db()
    assert (waiting.status, waiting.classification, waiting.position_group_id) == (
        "processed",
        "entry",
        eth.pk,
    )
    assert "Opened from the queue from rank 1 (a pool slot freed)" in waiting.reason
    assert "current price 97" in waiting.reason


def test_closing_a_position_by_hand_promotes_the_queued_entry(engine):
    btc = _full_pool_of_one(engine)
    engine.signal(price="100", symbol="ETH/USDT")
    position_close(group=btc, actor=engine.user)
    btc.refresh_from_db()
    assert btc.status == "closed"
    assert QueueEntry.objects.get().status == "promoted"
    assert PositionGroup.objects.filter(
        symbol="ETH/USDT", status__in=["live", "active", "partially_filled"]
    ).exists()


def test_the_sweep_promotes_what_no_hook_saw(engine):
    _full_pool_of_one(engine)
    engine.signal(price="100", symbol="ETH/USDT")
    _pool(engine, 2)  # a slot appears without any group closing
    assert QueueEntry.objects.get().status == "queued"
    assert sweep_queues.apply().get() == 1  # one promote_queues batch
    assert QueueEntry.objects.get().status == "promoted"
    assert PositionGroup.objects.filter(symbol="ETH/USDT").count() == 1


def test_an_exit_signal_cancels_the_queued_entry_and_counts_as_done(engine):
    _full_pool_of_one(engine)
    waiting = engine.signal(price="100", symbol="ETH/USDT")
    exit_signal = engine.signal(intent="exit", price="100", symbol="ETH/USDT")
    assert (exit_signal.status, exit_signal.classification) == ("processed", "exit")
    assert exit_signal.reason == "Cancelled the queued signal for ETH/USDT 1h."
    assert QueueEntry.objects.get().status == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == "rejected"
    assert waiting.reason.startswith("Cancelled in the queue by an exit signal")


def test_with_pyramids_taking_a_slot_a_pyramid_waits_as_a_continuation_and_extends_its_group(engine):
    btc = _full_pool_of_one(engine)
    _pool(engine, 1, pyramids_bypass_pool=False)
    pyramid = engine.signal(price="95", sent_at=timezone.now() + timedelta(hours=1))
    assert (pyramid.status, pyramid.classification) == ("queued", "pyramid")
    entry = QueueEntry.objects.get()
    assert (entry.is_pyramid_continuation, entry.group_id) == (True, btc.pk)
    _pool(engine, 2)
    sweep_queues.apply()
    btc.refresh_from_db()
    assert btc.pyramid_count == 2
    assert QueueEntry.objects.get().status == "promoted"


def test_nothing_is_promoted_while_the_service_is_stopped(engine):
    _full_pool_of_one(engine)
    engine.signal(price="100", symbol="ETH/USDT")
    status = service_status_for(engine.user.pk)
    status.running = False
    status.save()
    _pool(engine, 2)
    sweep_queues.apply()
    assert promote_queues.apply(kwargs={"user_ids": [str(engine.user.pk)]}).get() == {
        str(engine.user.pk): "success"
    }
    assert QueueEntry.objects.get().status == "queued"
    assert not PositionGroup.objects.filter(symbol="ETH/USDT").exists()
    status.running = True
    status.save()
    sweep_queues.apply()
    assert QueueEntry.objects.get().status == "promoted"


def test_a_promotion_that_cannot_open_fails_with_the_reason_and_the_next_entry_gets_the_slot(engine):
    _full_pool_of_one(engine)
    engine.config(symbol="SOL/USDT")
    engine.price("SOL/USDT", "100")
    doomed = engine.signal(price="100", symbol="ETH/USDT")
    engine.signal(price="100", symbol="SOL/USDT")  # ranks second: queued later
    DCAConfig.objects.filter(symbol="ETH/USDT").delete()
    _pool(engine, 2)
    sweep_queues.apply()
    eth, sol = QueueEntry.objects.get(symbol="ETH/USDT"), QueueEntry.objects.get(symbol="SOL/USDT")
    assert eth.status == "failed" and "No DCA configuration for ETH/USDT 1h" in eth.reason
    assert sol.status == "promoted"
    doomed.refresh_from_db()
    assert doomed.status == "rejected" and "No DCA configuration" in doomed.reason


def test_a_user_whose_promotion_raises_does_not_stop_the_next_users(make_engine, trader, other_trader):
    broken, fine = make_engine(trader), make_engine(other_trader)
    for engine in (broken, fine):
        _full_pool_of_one(engine)
        engine.signal(price="100", symbol="ETH/USDT")
        _pool(engine, 2)
    # A corrupted row the configuration's validation never lets in: every rule off.
    UserTradingConfig.objects.filter(user=trader).update(queue_rules=[{"rule": "fifo", "enabled": False}])
    bump_routes(trader.pk)
    outcomes = promote_queues.apply(kwargs={"user_ids": [str(trader.pk), str(other_trader.pk)]}).get()
    assert outcomes == {str(trader.pk): "failed", str(other_trader.pk): "success"}
    assert QueueEntry.objects.get(user=other_trader).status == "promoted"
    assert QueueEntry.objects.get(user=trader).status == "queued"
    assert ServiceStatus.objects.get(user=trader).error_count == 1
    assert ErrorLog.objects.filter(user=trader).exists()
    assert not ErrorLog.objects.filter(user=other_trader).exists()


def test_the_owner_is_told_of_every_queue_change_with_the_ranked_queue_and_the_summary(engine):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_for_user(engine.user.pk), channel)
    _full_pool_of_one(engine)
    engine.signal(price="100", symbol="ETH/USDT")
    received = []

    async def take() -> None:
        import asyncio

        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 0.3)
            except TimeoutError:
                return
            received.append(message["event"])

    async_to_sync(take)()
    updates = [e["data"] for e in received if e["type"] == "queue.updated"]
    assert updates, [e["type"] for e in received]
    last = updates[-1]
    assert [(e["symbol"], e["rank"], e["priority_rule"]) for e in last["entries"]] == [
        ("ETH/USDT", 1, "alone")
    ]
    assert last["entries"][0]["entry_price"] == "100"
    assert last["summary"]["open_groups"] == 1 and last["summary"]["max_open_groups"] == 1
    assert last["summary"]["queued"] == 1
    assert last["summary"]["circuit_breaker"]["tripped"] is False
    assert DCAOrder.objects.filter(symbol="ETH/USDT").count() == 0


def test_clearing_the_queue_cancels_every_entry_and_says_why(engine):
    from trading.queue.services.queue import queue_clear

    _full_pool_of_one(engine)
    engine.config(symbol="SOL/USDT")
    engine.price("SOL/USDT", "100")
    engine.signal(price="100", symbol="ETH/USDT")
    waiting = engine.signal(price="100", symbol="SOL/USDT")
    assert queue_clear(user_id=engine.user.pk, reason="Service stopped: positions closed.") == 2
    assert set(QueueEntry.objects.values_list("status", flat=True)) == {"cancelled"}
    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == ("rejected", "Service stopped: positions closed.")
    assert queue_clear(user_id=engine.user.pk, reason="again") == 0
