"""Live marks for the pages a trader has open: between take-profit ticks, every
TRADING_LIVE_MARK_SECONDS the web process prices the open groups its sockets watch
(notifications/live_watch.py) and sends each socket a `positions.marked` event, the tick's own
shape, when a price moved. A price move reaches the page within that period plus the shared
ticker cache's age (TICKER_CACHE_SECONDS), however the beat is set.

One loop per web process for all its sockets: each round reads every watched group in one query
(at most every RELOAD_SECONDS, or when a socket's list or its groups changed) and asks each price
source once, through the same shared ticker cache as the ticks, so the exchange sees no more
requests than the ticks make. The PnL moves along the group's line from its last stored mark,
`unrealized + held * (price - last_price)` (minus for a short), which is
`accounting.unrealized` at the new price for the same holdings; the tick's next mark, from the
database, is the authority.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings

from notifications.events import POSITION_UPDATED, POSITIONS_MARKED, build_event, utc_now_iso
from notifications.live_watch import Send
from trading.execution.prices import PriceMap, Source, prices_fetch, source_of
from trading.positions.models import EVALUATED_GROUP_STATUSES, PositionGroup
from trading.runtime.event_values import plain

logger = logging.getLogger("tradefleet.trading.live_marks")

RELOAD_SECONDS = 2.0  # the groups' holdings and last marks are read again at least this often
PLACES = Decimal("1e-18")  # as the database stores marks (trading/dca/models.py decimal_field)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Held:
    """An open group as its line needs it."""

    id: str
    user_id: str
    symbol: str
    source: Source
    short: bool
    held: Decimal
    cost_basis: Decimal
    last_price: Decimal
    unrealized: Decimal

    def mark(self, price: Decimal, at: str) -> dict[str, Any]:
        move = self.held * (price - self.last_price)
        amount = self.unrealized - move if self.short else self.unrealized + move
        percent = amount * HUNDRED / self.cost_basis
        return {
            "id": self.id,
            "symbol": self.symbol,
            "last_price": plain(price),
            "unrealized_pnl": plain(amount.quantize(PLACES)),
            "unrealized_pnl_percent": plain(percent.quantize(PLACES)),
            "marked_at": at,
        }


@dataclass
class _Socket:
    user_id: str
    ids: list[str]
    send: Send
    groups: list[Held] = field(default_factory=list)
    sent: dict[str, Decimal] = field(default_factory=dict)  # group id -> price last sent
    stale: bool = True  # read its groups again next round


def held_read(wanted: dict[str, list[str]]) -> dict[str, list[Held]]:
    """Per user id, the open groups of theirs among `wanted[user_id]` that hold something and
    have a mark to move from."""
    everyone = {i for ids in wanted.values() for i in ids}
    rows = (
        PositionGroup.objects.filter(
            pk__in=everyone,
            user_id__in=list(wanted),
            status__in=EVALUATED_GROUP_STATUSES,
            filled_quantity__gt=0,
            cost_basis__gt=0,
            last_price__isnull=False,
        )
        .order_by()
        .values_list(
            "pk",
            "user_id",
            "symbol",
            "side",
            "filled_quantity",
            "cost_basis",
            "last_price",
            "unrealized_pnl",
            "account__exchange",
            "account__price_source",
            "account__mode",
        )
    )
    found: dict[str, list[Held]] = defaultdict(list)
    for pk, user_id, symbol, side, held, cost, last, pnl, exchange, price_source, mode in rows:
        if str(pk) in wanted.get(str(user_id), ()):
            source = source_of(exchange, price_source, mode)
            found[str(user_id)].append(
                Held(str(pk), str(user_id), symbol, source, side == "short", held, cost, last, pnl)
            )
    return found


class LiveMarks:
    """The web process's loop (notifications.live_watch.WatchHandler for kind "positions")."""

    def __init__(self) -> None:
        self._sockets: dict[str, _Socket] = {}
        self._task: asyncio.Task[None] | None = None
        self._loaded_at = 0.0

    async def update(self, key: str, user_id: str, ids: list[str], send: Send) -> None:
        if not ids:
            self._sockets.pop(key, None)
            return
        self._sockets[key] = _Socket(user_id, ids, send)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run())

    async def drop(self, key: str) -> None:
        self._sockets.pop(key, None)

    def forwarded(self, key: str, event_type: str) -> None:
        # A worker's mark or a fill just reached the page: the next live mark starts from the
        # database again and is sent even at an unchanged price, so the page never keeps an
        # older tick's figure.
        socket = self._sockets.get(key)
        if socket is not None and event_type in (POSITIONS_MARKED, POSITION_UPDATED):
            socket.stale = True
            socket.sent.clear()

    async def _run(self) -> None:
        period = float(settings.TRADING_LIVE_MARK_SECONDS)
        while self._sockets:
            started = time.monotonic()
            try:
                await self._round()
            except Exception:  # a bad round must not end the loop for every page
                logger.exception("live marks round failed")
            await asyncio.sleep(max(0.05, period - (time.monotonic() - started)))

    async def _round(self) -> None:
        sockets = list(self._sockets.values())
        if time.monotonic() - self._loaded_at >= RELOAD_SECONDS or any(s.stale for s in sockets):
            wanted: dict[str, list[str]] = defaultdict(list)
            for socket in sockets:
                wanted[socket.user_id].extend(socket.ids)
            found = await database_sync_to_async(held_read)(dict(wanted))
            for socket in sockets:
                mine = set(socket.ids)
                socket.groups = [g for g in found.get(socket.user_id, []) if g.id in mine]
                socket.stale = False
            self._loaded_at = time.monotonic()
        needed: dict[Source, set[str]] = defaultdict(set)
        for socket in sockets:
            for group in socket.groups:
                needed[group.source].add(group.symbol)
        if not needed:
            return
        prices: PriceMap = await sync_to_async(prices_fetch, thread_sensitive=False)(needed)
        at = utc_now_iso()
        for socket in sockets:
            marks = []
            for group in socket.groups:
                price = prices.get(group.source, {}).get(group.symbol)
                if price is None or socket.sent.get(group.id) == price:
                    continue
                socket.sent[group.id] = price
                marks.append(group.mark(price, at))
            if not marks:
                continue
            try:
                await socket.send(build_event(POSITIONS_MARKED, {"marks": marks}))
            except Exception:  # that socket is gone; the others still get theirs
                logger.debug("live marks: a socket could not be sent to", exc_info=True)
                self._sockets = {k: s for k, s in self._sockets.items() if s is not socket}


live_marks = LiveMarks()
