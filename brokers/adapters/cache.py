"""One adapter per (account, thread), reused across tasks.

Building a ccxt client costs ~3 ms (50 ms for the first of a class in a process) and a new
HTTP connection per task; an order path that has a 25 ms budget cannot pay that on every
message. Adapters are not thread-safe, so each worker thread keeps its own; an edited account
(new key, new mode) has a new `updated_at` and gets a new adapter.

Public adapters (market data, no account) are leased from one pool per process instead
(`public_adapter_lease`): web requests read markets too, and under ASGI each request runs in a
thread that ends with it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .base import BrokerAdapter, Market
from .registry import adapter_for, public_adapter

if TYPE_CHECKING:
    from brokers.models import ExchangeConfig

MAX_ADAPTERS_PER_THREAD = 64
_local = threading.local()
# Public adapters not in use, per (exchange, testnet): as many as threads used one at once.
MAX_IDLE_PUBLIC_ADAPTERS = 16
_public_idle: dict[tuple[str, bool], list[BrokerAdapter]] = {}
_public_lock = threading.Lock()


def cached_adapter_for(config: ExchangeConfig) -> BrokerAdapter:
    adapters: OrderedDict[tuple[str, str], BrokerAdapter] = getattr(_local, "adapters", None) or OrderedDict()
    _local.adapters = adapters
    key = (str(config.pk), config.updated_at.isoformat() if config.updated_at else "")
    adapter = adapters.get(key)
    if adapter is not None:
        adapters.move_to_end(key)
        return adapter
    for stale in [k for k in adapters if k[0] == key[0]]:
        adapters.pop(stale).close()
    adapter = adapters[key] = adapter_for(config)
    while len(adapters) > MAX_ADAPTERS_PER_THREAD:
        adapters.popitem(last=False)[1].close()
    return adapter


@contextmanager
def public_adapter_lease(exchange_id: str, *, testnet: bool = False) -> Iterator[BrokerAdapter]:
    """An adapter for an exchange's public market data (markets, tickers), this thread's alone
    for the `with` block. The webhook and the grid preview read markets on every request, and a
    new ccxt client costs milliseconds; so adapters are kept in one pool per process, not per
    thread: under ASGI (`make run`) each request runs in a thread of its own, which a per-thread
    cache never saw again."""
    key = (exchange_id.strip().lower(), testnet)
    with _public_lock:
        idle = _public_idle.get(key)
        adapter = idle.pop() if idle else None
    if adapter is None:
        adapter = public_adapter(key[0], testnet=testnet)
    try:
        yield adapter
    finally:
        with _public_lock:
            idle = _public_idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_PUBLIC_ADAPTERS:
                idle.append(adapter)
                adapter = None
        if adapter is not None:
            adapter.close()


def public_market(exchange_id: str, symbol: str, *, testnet: bool = False) -> Market:
    """The market `symbol` names on an exchange (`BTC/USDT` or `BTCUSDT`), from a leased public
    adapter over the fleet-wide market cache. Raises BadSymbol, or another BrokerError when the
    markets cannot be loaded."""
    with public_adapter_lease(exchange_id, testnet=testnet) as adapter:
        return adapter.market(symbol)


def forget_adapters() -> None:
    """Close this thread's adapters, the idle public ones and their clients' sessions (tests; a
    worker shutting down)."""
    from .ccxt_clients import forget_clients

    with _public_lock:
        idle = [adapter for adapters in _public_idle.values() for adapter in adapters]
        _public_idle.clear()
    for adapter in [*getattr(_local, "adapters", {}).values(), *idle]:
        adapter.close()
    _local.adapters = OrderedDict()
    forget_clients()
