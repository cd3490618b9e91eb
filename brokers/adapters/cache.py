"""One adapter per (account, thread), reused across tasks.

Building a ccxt client costs ~3 ms (50 ms for the first of a class in a process) and a new
HTTP connection per task; an order path that has a 25 ms budget cannot pay that on every
message. Adapters are not thread-safe, so each worker thread keeps its own; an edited account
(new key, new mode) has a new `updated_at` and gets a new adapter.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from .base import BrokerAdapter
from .registry import adapter_for, public_adapter

if TYPE_CHECKING:
    from brokers.models import ExchangeConfig

MAX_ADAPTERS_PER_THREAD = 64
_local = threading.local()


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


def cached_public_adapter(exchange_id: str, *, testnet: bool = False) -> BrokerAdapter:
    """This thread's adapter for an exchange's public market data (markets, tickers): the
    webhook and the grid preview read markets on every request, and a new ccxt client per
    request costs milliseconds."""
    public: dict[tuple[str, bool], BrokerAdapter] = getattr(_local, "public", None) or {}
    _local.public = public
    key = (exchange_id.strip().lower(), testnet)
    adapter = public.get(key)
    if adapter is None:
        adapter = public[key] = public_adapter(key[0], testnet=testnet)
    return adapter


def forget_adapters() -> None:
    """Close this thread's adapters and their clients' sessions (tests; a worker shutting down)."""
    from .ccxt_clients import forget_clients

    for adapter in [*getattr(_local, "adapters", {}).values(), *getattr(_local, "public", {}).values()]:
        adapter.close()
    _local.adapters = OrderedDict()
    _local.public = {}
    forget_clients()
