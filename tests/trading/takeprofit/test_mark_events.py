"""The `positions.marked` live event: each take-profit tick sends every user with open groups one
event holding the price and unrealized PnL of each group it marked, as the database now holds
them (trading/takeprofit/events.py). Captured on the configured channel layer, in each user's
group, as the user's sockets would get it."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

from notifications import events
from tests.factories import UserFactory
from trading.positions.models import PositionGroup
from trading.takeprofit import events as mark_events
from trading.takeprofit.services.marks import take_profit_dispatch as take_profit_tick

pytestmark = pytest.mark.django_db(transaction=True)
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="quiet bands are a PostgreSQL pass (quiet_marks.py)"
)

Listen = Callable[..., Callable[[], dict[Any, list[dict[str, Any]]]]]


@pytest.fixture
def listen(settings: Any) -> Listen:
    """`received = listen(user, ...)` joins one channel to each user's group; `received()` then
    returns the `positions.marked` events each user got (other events are left out)."""
    settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)  # a fresh layer per test
    events.set_server_loop(None)
    layer = get_channel_layer()

    def join(*users: Any) -> Callable[[], dict[Any, list[dict[str, Any]]]]:
        channels = {}
        for user in users:
            channels[user.pk] = async_to_sync(layer.new_channel)()
            async_to_sync(layer.group_add)(events.group_for_user(user.pk), channels[user.pk])

        async def drain() -> dict[Any, list[dict[str, Any]]]:
            got: dict[Any, list[dict[str, Any]]] = {pk: [] for pk in channels}
            for pk, channel in channels.items():
                while True:
                    try:
                        message = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
                    except TimeoutError:
                        break
                    if message["event"]["type"] == events.POSITIONS_MARKED:
                        got[pk].append(message["event"]["data"])
            return got

        return async_to_sync(drain)

    return join


def _as_stored(group: PositionGroup) -> dict[str, Any]:
    group.refresh_from_db()
    text = lambda value: format(value.normalize(), "f")  # noqa: E731  as the API shows it
    return {
        "id": str(group.pk),
        "symbol": group.symbol,
        "last_price": text(group.last_price),
        "unrealized_pnl": text(group.unrealized_pnl),
        "unrealized_pnl_percent": text(group.unrealized_pnl_percent),
        "marked_at": events.json_safe(group.last_evaluated_at),
    }


def _marks(data: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    (event,) = data  # exactly one event
    return {mark["id"]: mark for mark in event["marks"]}


@pytest.fixture
def fleet(make_engine, trader, other_trader, settings) -> tuple[Any, Any, list[PositionGroup], PositionGroup]:
    """`trader` with a BTC and an ETH group, `other_trader` with a BTC group that has a 3 % stop."""
    settings.TRADING_QUIET_MARGIN_SECONDS = 0  # bands hold at once (test_quiet_marks.py)
    mine, theirs = make_engine(trader), make_engine(other_trader)
    for symbol in ("BTC/USDT", "ETH/USDT"):
        mine.config(symbol=symbol, levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="5")
        mine.signal(price="100", symbol=symbol)
    theirs.config(levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="5", stop_loss_percent="3")
    theirs.signal(price="100")
    return mine, theirs, list(PositionGroup.objects.filter(user=trader)), theirs.group()


def test_a_tick_sends_each_user_one_event_with_the_marks_of_their_groups(fleet, listen):
    mine, theirs, my_groups, their_group = fleet
    idle = UserFactory()  # no group: no event
    received = listen(mine.user, theirs.user, idle)
    mine.price("BTC/USDT", "101.5")
    mine.price("ETH/USDT", "99.2")
    take_profit_tick()
    got = received()
    assert _marks(got[mine.user.pk]) == {str(g.pk): _as_stored(g) for g in my_groups}
    assert _marks(got[theirs.user.pk]) == {str(their_group.pk): _as_stored(their_group)}
    assert got[idle.pk] == []
    btc = next(g for g in my_groups if g.symbol == "BTC/USDT")
    assert _marks(got[mine.user.pk])[str(btc.pk)]["last_price"] == "101.5"


@postgresql_only
def test_groups_marked_in_their_quiet_band_are_in_the_same_one_event(fleet, listen):
    mine, theirs, my_groups, their_group = fleet
    take_profit_tick()  # stores every group's band
    eth = next(g for g in my_groups if g.symbol == "ETH/USDT")
    PositionGroup.objects.get(pk=eth.pk).save()  # a change voids its band: the batch marks it
    received = listen(mine.user, theirs.user)
    mine.price("BTC/USDT", "100.7")
    mine.price("ETH/USDT", "100.3")
    take_profit_tick()
    got = received()
    # BTC marked by the dispatcher's quiet UPDATE, ETH by the batch: one event all the same.
    btc = next(g for g in my_groups if g.symbol == "BTC/USDT")
    assert (
        PositionGroup.objects.get(pk=btc.pk).last_evaluated_at
        != PositionGroup.objects.get(pk=eth.pk).last_evaluated_at
    )
    assert _marks(got[mine.user.pk]) == {str(g.pk): _as_stored(g) for g in my_groups}
    assert _marks(got[theirs.user.pk]) == {str(their_group.pk): _as_stored(their_group)}
    assert _marks(got[theirs.user.pk])[str(their_group.pk)]["last_price"] == "100.7"


def test_a_group_the_tick_closes_is_not_in_the_event(fleet, listen):
    mine, theirs, my_groups, their_group = fleet
    received = listen(mine.user, theirs.user)
    mine.price("BTC/USDT", "96.5")  # through the other trader's 3 % stop
    take_profit_tick()
    got = received()
    assert PositionGroup.objects.get(pk=their_group.pk).close_reason == "stop_loss"
    assert got[theirs.user.pk] == []  # their one group closed: nothing marked
    assert _marks(got[mine.user.pk]) == {str(g.pk): _as_stored(g) for g in my_groups}
    assert {m["last_price"] for m in _marks(got[mine.user.pk]).values()} == {"96.5", "100"}


def test_no_event_when_switched_off(fleet, listen, settings):
    settings.TRADING_MARK_EVENTS = False
    mine, theirs, _, _ = fleet
    received = listen(mine.user, theirs.user)
    take_profit_tick()
    assert received() == {mine.user.pk: [], theirs.user.pk: []}


def test_marks_are_given_as_the_api_shows_amounts(fleet, listen):
    mine, _, _, _ = fleet
    received = listen(mine.user)
    mine.price("BTC/USDT", "100.25")
    take_profit_tick()
    for mark in _marks(received()[mine.user.pk]).values():
        for key in ("last_price", "unrealized_pnl", "unrealized_pnl_percent"):
            assert Decimal(mark[key]) == Decimal(mark[key]).normalize() and "E" not in mark[key]


def test_only_users_with_an_open_socket_are_sent_their_marks(fleet, listen, monkeypatch):
    mine, _, _, _ = fleet
    received = listen(mine.user)  # the other trader has no page open
    sent: list[str] = []
    real = mark_events.publish
    monkeypatch.setattr(
        mark_events, "publish", lambda user_id, *args: sent.append(str(user_id)) or real(user_id, *args)
    )
    take_profit_tick()
    assert sent == [str(mine.user.pk)]
    assert len(received()[mine.user.pk]) == 1
