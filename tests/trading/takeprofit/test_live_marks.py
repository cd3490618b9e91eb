"""Live marks for the open pages (trading/takeprofit/services/live_marks.py): a socket that
watches open groups gets `positions.marked` events between the take-profit ticks, priced from the
shared ticker cache, with the PnL the tick then stores at that price; never another user's."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from accounts.sessions import session_start
from notifications import events
from tests.realtime.conftest import run_in_thread, sockets  # noqa: F401  the socket fixture
from trading.positions.models import PositionGroup
from trading.takeprofit.services.marks import take_profit_dispatch as take_profit_tick

pytestmark = pytest.mark.django_db(transaction=True)
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


@pytest.fixture
def books(make_engine, trader, other_trader, settings) -> tuple[Any, PositionGroup, PositionGroup]:
    """`trader` and `other_trader` each hold one BTC/USDT group bought at 100, marked once."""
    settings.TRADING_LIVE_MARK_SECONDS = 0.1
    mine, theirs = make_engine(trader), make_engine(other_trader)
    for engine in (mine, theirs):
        engine.config(levels=ONE_LEG, tp_mode="aggregate", tp_aggregate_percent="5")
        engine.signal(price="100")
    take_profit_tick()
    return mine, mine.group(), theirs.group()


async def _marks(ws: WebsocketCommunicator, *, price: str, timeout: float = 5) -> dict[str, dict[str, Any]]:
    """The marks of the next `positions.marked` event at `price` (others are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            event = await ws.receive_json_from(timeout=timeout)
            if event["type"] != events.POSITIONS_MARKED:
                continue
            marks = {m["id"]: m for m in event["data"]["marks"]}
            if all(m["last_price"] == price for m in marks.values()):
                return marks


def _stored(group: PositionGroup) -> tuple[Decimal, Decimal]:
    group.refresh_from_db()
    return group.unrealized_pnl, group.unrealized_pnl_percent


async def test_a_watched_group_is_marked_between_ticks_as_the_tick_then_stores_it(books, sockets):  # noqa: F811
    mine, group, theirs = books
    pair = await run_in_thread(lambda: session_start(user=mine.user, request=None))
    ws, _ = await sockets(pair.access)
    await ws.send_json_to({"type": "watch", "kind": "positions", "ids": [str(group.pk), str(theirs.pk)]})

    first = await _marks(ws, price="100")
    assert list(first) == [str(group.pk)]  # another user's group is never priced for this socket

    await run_in_thread(lambda: mine.price("BTC/USDT", "97.3"))
    live = (await _marks(ws, price="97.3"))[str(group.pk)]
    await run_in_thread(take_profit_tick)
    pnl, percent = await run_in_thread(lambda: _stored(group))
    assert pnl < 0
    assert Decimal(live["unrealized_pnl"]) == pnl
    assert Decimal(live["unrealized_pnl_percent"]).quantize(Decimal("1e-12")) == percent.quantize(
        Decimal("1e-12")
    )

    # The tick's own event reached the page: the live mark is sent again after it, so the page
    # never keeps an older tick's figure over a newer price.
    tick = await _marks(ws, price="97.3")
    again = await _marks(ws, price="97.3")
    assert tick[str(group.pk)]["unrealized_pnl"] == again[str(group.pk)]["unrealized_pnl"]


async def test_nothing_is_sent_once_the_page_stops_watching(books, sockets):  # noqa: F811
    mine, group, _ = books
    pair = await run_in_thread(lambda: session_start(user=mine.user, request=None))
    ws, _ = await sockets(pair.access)
    await ws.send_json_to({"type": "watch", "kind": "positions", "ids": [str(group.pk)]})
    await _marks(ws, price="100")
    await ws.send_json_to({"type": "watch", "kind": "positions", "ids": []})
    await asyncio.sleep(0.3)  # a round already under way may still send its mark
    while not await ws.receive_nothing(timeout=0.1):
        await ws.receive_json_from()
    await run_in_thread(lambda: mine.price("BTC/USDT", "98.1"))
    assert await ws.receive_nothing(timeout=1.0)


async def test_a_malformed_watch_is_ignored_and_the_socket_stays_open(books, sockets):  # noqa: F811
    mine = books[0]
    pair = await run_in_thread(lambda: session_start(user=mine.user, request=None))
    ws, _ = await sockets(pair.access)
    for bad in (
        {"type": "watch"},
        {"type": "watch", "kind": "positions", "ids": "x"},
        {"type": "watch", "kind": "nope", "ids": []},
    ):
        await ws.send_json_to(bad)
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=2) == {"type": "pong"}
