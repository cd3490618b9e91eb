"""Where the engine keeps orders and fills, with the lookups Binance's endpoints need.

Storage only: the rules (filters, balances, matching) are the engine's. Not thread-safe by
itself: the engine's lock guards it."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TypeVar

from . import errors
from .orders import Fill, Order

T = TypeVar("T")
# A simulator that runs for weeks (a paper-trading desk, `make run`) keeps the newest closed orders
# and trades only: every open order, the last RETAIN_CLOSED_ORDERS closed ones, and each account's
# last RETAIN_TRADES trades. Beyond them it answers as Binance does for an unknown order. Kept
# whole, an hour of 20 signals a second grew the process by about 100 MB (docs/benchmarks.md, P5).
RETAIN_CLOSED_ORDERS = 50_000
RETAIN_TRADES = 10_000


def _window(items: list[T], *, from_start: bool, limit: int) -> list[T]:
    """Binance's paging: the first `limit` after a start point, otherwise the latest `limit`."""
    return items[:limit] if from_start else items[-limit:]


class OrderBook:
    def __init__(self, symbols: Iterable[str]) -> None:
        self.orders: dict[int, Order] = {}
        self.open: dict[str, dict[int, Order]] = {symbol: {} for symbol in symbols}
        self.trades: dict[str, list[Fill]] = {}
        self._open_client_ids: dict[tuple[str, str], int] = {}
        self._by_client_id: dict[tuple[str, str], list[int]] = {}
        self._next_order_id = 1
        self._next_trade_id = 1
        self._arrival: deque[int] = deque()  # order ids, oldest first (open ones are kept)
        self._placed = 0
        self._reused = 0

    def new_order_id(self) -> int:
        self._next_order_id += 1
        return self._next_order_id - 1

    def new_trade_id(self) -> int:
        self._next_trade_id += 1
        return self._next_trade_id - 1

    def add(self, order: Order) -> None:
        self.orders[order.order_id] = order
        ids = self._by_client_id.setdefault((order.api_key, order.client_order_id), [])
        ids.append(order.order_id)
        self._placed += 1
        self._reused += len(ids) == 2
        self._arrival.append(order.order_id)
        if len(self.orders) > RETAIN_CLOSED_ORDERS + len(self._open_client_ids):
            self._forget_closed()

    def _forget_closed(self) -> None:
        """Drop the oldest closed orders until RETAIN_CLOSED_ORDERS are left besides the open ones
        (an open order met on the way goes to the back of the line)."""
        for _ in range(len(self._arrival)):
            if len(self.orders) <= RETAIN_CLOSED_ORDERS + len(self._open_client_ids):
                return
            order_id = self._arrival.popleft()
            order = self.orders.get(order_id)
            if order is None:
                continue
            if order_id in self.open[order.symbol]:
                self._arrival.append(order_id)
                continue
            del self.orders[order_id]
            key = (order.api_key, order.client_order_id)
            ids = self._by_client_id.get(key, [])
            if order_id in ids:
                ids.remove(order_id)
            if not ids:
                self._by_client_id.pop(key, None)

    def rest(self, order: Order) -> None:
        self.open[order.symbol][order.order_id] = order
        self._open_client_ids[(order.api_key, order.client_order_id)] = order.order_id

    def unrest(self, order: Order) -> None:
        self.open[order.symbol].pop(order.order_id, None)
        if self._open_client_ids.get((order.api_key, order.client_order_id)) == order.order_id:
            del self._open_client_ids[(order.api_key, order.client_order_id)]

    def has_open_client_id(self, api_key: str, client_order_id: str) -> bool:
        """Binance keeps `newClientOrderId` unique among an account's OPEN orders only."""
        return (api_key, client_order_id) in self._open_client_ids

    def record_fill(self, api_key: str, fill: Fill) -> None:
        trades = self.trades.setdefault(api_key, [])
        trades.append(fill)
        if len(trades) > RETAIN_TRADES * 5 // 4:  # trimmed in steps, not at every trade
            del trades[: len(trades) - RETAIN_TRADES]

    def find(
        self, api_key: str, symbol: str, order_id: int | None, client_order_id: str | None
    ) -> Order | None:
        if order_id is not None:  # Binance: orderId wins when both are sent
            order = self.orders.get(order_id)
        elif client_order_id is not None:
            # A client id may be reused once its order closed: the latest order wins.
            ids = self._by_client_id.get((api_key, client_order_id), [])
            order = next((self.orders[i] for i in reversed(ids) if self.orders[i].symbol == symbol), None)
        else:
            raise errors.order_id_missing()
        if order is None or order.api_key != api_key or order.symbol != symbol:
            return None
        return order

    def open_for(self, api_key: str, symbols: Iterable[str]) -> list[Order]:
        found = [o for s in symbols for o in self.open[s].values() if o.api_key == api_key]
        return sorted(found, key=lambda o: o.order_id)

    def totals(self) -> dict[str, int]:
        """Orders ever accepted, and client order ids carried by more than one of them (legal once
        the first closed, but a client that places each order exactly once never does it)."""
        return {"placed": self._placed, "client_ids_reused": self._reused}

    def open_count(self, api_key: str | None = None, symbol: str | None = None) -> int:
        books = [self.open[symbol]] if symbol else list(self.open.values())
        return sum(1 for book in books for o in book.values() if api_key is None or o.api_key == api_key)

    def history(
        self,
        api_key: str,
        symbol: str,
        *,
        from_id: int | None,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
    ) -> list[Order]:
        found = [
            o
            for o in self.orders.values()
            if o.api_key == api_key
            and o.symbol == symbol
            and (from_id is None or o.order_id >= from_id)
            and (start_ms is None or o.created_ms >= start_ms)
            and (end_ms is None or o.created_ms <= end_ms)
        ]
        return _window(found, from_start=from_id is not None or start_ms is not None, limit=limit)

    def fills(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: int | None,
        from_id: int | None,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
    ) -> list[Fill]:
        found = [
            f
            for f in self.trades.get(api_key, [])
            if f.symbol == symbol
            and (order_id is None or f.order_id == order_id)
            and (from_id is None or f.trade_id >= from_id)
            and (start_ms is None or f.time_ms >= start_ms)
            and (end_ms is None or f.time_ms <= end_ms)
        ]
        return _window(found, from_start=from_id is not None or start_ms is not None, limit=limit)
