"""The shared price tick: prices fetched once per (price source, symbol) per tick, for every user.

A monitor tick (fills every 10 s, take-profits every 15 s) asks each price source once for all
the symbols it watches (one batched `fetch_tickers`, stored in the shared ticker cache), then
hands the work to batch tasks on any worker. Two things live in the cache beside the tickers:

- per (source, symbol), the lowest and highest price seen since the last fill tick: a resting
  buy limit at or above that low (a sell limit at or below that high) may have traded, so the
  fill monitor looks it up; every other resting order costs no request. Each tick (fills and
  take-profits) widens the range with the price it saw; the fill tick then starts a new one.
- a tick's prices under the tick's id, so batch tasks on other processes read the same prices
  the dispatcher saw instead of asking the exchange again.

Plain strings in the cache (Decimals as text), nothing pickled, like brokers/markets.py.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache

from brokers.adapters.cache import public_adapter_lease
from brokers.errors import BrokerError
from brokers.symbols import normalize_symbol

logger = logging.getLogger("tradefleet.trading.tick")

SEEN_SECONDS = 3600  # a range nobody refreshed for an hour is forgotten (no orders there)
SNAPSHOT_SECONDS = 120  # longer than any batch of one tick may wait in the queue
FETCH_LOCK_SECONDS = 3  # a ticker request that takes longer than this is not waited for
PAPER = "paper"
SIMULATOR = "simulator"


@dataclass(frozen=True, order=True)
class Source:
    """Where a group's prices come from: its exchange (testnet is another market), or for a
    paper account the exchange it copies prices from."""

    exchange: str
    testnet: bool = False

    @property
    def scope(self) -> str:
        return self.exchange + ("-testnet" if self.testnet else "")


def source_of(exchange: str, price_source: str | None, mode: str | None) -> Source:
    exchange = (exchange or "").strip().lower()
    if exchange == PAPER:
        return Source((price_source or SIMULATOR).strip().lower())
    return Source(exchange, mode == "testnet" and exchange != SIMULATOR)


PriceMap = dict[Source, dict[str, Decimal]]


def prices_fetch(wanted: Mapping[Source, Iterable[str]]) -> PriceMap:
    """The last price of every wanted symbol: one batched request per source (fewer when the
    shared ticker cache already holds them). A source that fails is left out and logged."""
    prices: PriceMap = {}
    for source, symbols in sorted(wanted.items()):
        try:
            with public_adapter_lease(source.exchange, testnet=source.testnet) as adapter:
                markets = adapter.load_markets()
                known = {s: normalize_symbol(s, markets) for s in set(symbols)}
                missing = sorted(s for s, unified in known.items() if unified is None)
                if missing:
                    logger.warning("%s has no market %s: not priced", source.scope, ", ".join(missing))
                with _one_fetch_at_a_time(source):
                    tickers = adapter.fetch_tickers(sorted({u for u in known.values() if u}))
        except BrokerError as exc:
            logger.warning("no prices from %s this tick: %s", source.scope, exc.message)
            continue
        prices[source] = {
            symbol: tickers[unified].last
            for symbol, unified in known.items()
            if unified is not None and unified in tickers
        }
    return prices


@contextmanager
def _one_fetch_at_a_time(source: Source) -> Iterator[None]:
    """When the fill and take-profit ticks meet (every 30 s), the second waits for the first's
    request and reads its answer from the shared ticker cache instead of asking again."""
    key = f"tick:v1:fetching:{source.scope}"
    if not cache.add(key, 1, timeout=FETCH_LOCK_SECONDS):
        deadline = time.monotonic() + FETCH_LOCK_SECONDS
        while cache.get(key) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        yield
        return
    try:
        yield
    finally:
        cache.delete(key)


# --- the range of prices seen since the last fill tick ----------------------------------------


def _seen_key(source: Source, symbol: str) -> str:
    return f"tick:v1:seen:{source.scope}:{symbol}"


def prices_observe(prices: PriceMap, *, restart: bool) -> dict[Source, dict[str, tuple[Decimal, Decimal]]]:
    """Widen each (source, symbol)'s range with this tick's price and return (low, high) since
    the last fill tick, this price included. `restart` (the fill tick): the next range starts at
    this price. A symbol seen for the first time has the range of its one price."""
    keys = {_seen_key(source, symbol): (source, symbol) for source, rows in prices.items() for symbol in rows}
    if not keys:
        return {}
    stored = cache.get_many(list(keys))
    ranges: dict[Source, dict[str, tuple[Decimal, Decimal]]] = {}
    updated: dict[str, str] = {}
    for key, (source, symbol) in keys.items():
        last = prices[source][symbol]
        low = high = last
        entry = stored.get(key)
        if isinstance(entry, str) and "|" in entry:
            seen_low, _, seen_high = entry.partition("|")
            low, high = min(low, Decimal(seen_low)), max(high, Decimal(seen_high))
        ranges.setdefault(source, {})[symbol] = (low, high)
        updated[key] = f"{last}|{last}" if restart else f"{low}|{high}"
    cache.set_many(updated, timeout=SEEN_SECONDS)
    return ranges


def crossed(side: str, price: Decimal | None, seen: tuple[Decimal, Decimal] | None) -> bool:
    """Whether a resting limit at `price` may have traded while the price ranged over `seen`."""
    if price is None or seen is None:
        return False
    low, high = seen
    return price >= low if side == "buy" else price <= high


# --- one tick's prices, for its batch tasks ---------------------------------------------------


def snapshot_store(prices: PriceMap) -> str:
    tick = uuid.uuid4().hex
    payload = {source.scope: {s: str(p) for s, p in rows.items()} for source, rows in prices.items()}
    cache.set(f"tick:v1:prices:{tick}", json.dumps(payload, separators=(",", ":")), SNAPSHOT_SECONDS)
    return tick


def snapshot_read(tick: str) -> dict[str, dict[str, Decimal]] | None:
    """{scope: {symbol: price}} of the tick, or None when the cache no longer has it."""
    raw = cache.get(f"tick:v1:prices:{tick}") if tick else None
    if not raw:
        return None
    return {scope: {s: Decimal(p) for s, p in rows.items()} for scope, rows in json.loads(raw).items()}
