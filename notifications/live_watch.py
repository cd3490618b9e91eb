"""What a socket asks to watch more often than the monitors tick: `{"type": "watch", "kind":
"positions", "ids": [...]}` from the web app names the objects its open page shows. An app that
can serve a kind registers a handler for it (trading: live marks of open position groups,
trading/takeprofit/receivers.py); this module only routes, so notifications imports no trading.

A handler sends the socket events of the usual shapes through `send`; `forwarded` tells it that
the socket just passed on an event of that kind from a worker (its own next send must not be
older than that one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_IDS = 200  # one page's rows at most (the positions table shows up to 200)


class WatchHandler(Protocol):
    async def update(self, key: str, user_id: str, ids: list[str], send: Send) -> None: ...
    async def drop(self, key: str) -> None: ...
    def forwarded(self, key: str, event_type: str) -> None: ...


_handlers: dict[str, WatchHandler] = {}


def register(kind: str, handler: WatchHandler) -> None:
    _handlers[kind] = handler


async def watch(key: str, user_id: str, content: dict[str, Any], send: Send) -> None:
    """A socket's new watch list for one kind (an empty list stops it); unknown kinds and
    malformed lists are ignored, like every message this server does not know."""
    handler = _handlers.get(str(content.get("kind", "")))
    ids = content.get("ids")
    if handler is None or not isinstance(ids, list):
        return
    wanted = list(dict.fromkeys(i for i in ids if isinstance(i, str) and 0 < len(i) <= 64))[:MAX_IDS]
    await handler.update(key, user_id, wanted, send)


async def drop(key: str) -> None:
    """The socket closed: every handler forgets it."""
    for handler in _handlers.values():
        await handler.drop(key)


def forwarded(key: str, event_type: str) -> None:
    for handler in _handlers.values():
        handler.forwarded(key, event_type)
