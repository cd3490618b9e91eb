"""Market data shared by every user and every process: market metadata per exchange and
short-lived tickers per (exchange, symbol).

Market metadata (symbols, tick and step sizes, minimums) is the same for every account on an
exchange and changes rarely, while `load_markets` is one of the heaviest calls an exchange
serves (binance weighs exchangeInfo at 20). So it is fetched once per exchange per
MARKETS_CACHE_SECONDS for the whole fleet and kept in the Django cache (Redis in production,
in-process memory in embedded mode) as plain JSON: Decimals as strings, nothing pickled, so any
process and any version of the code can read it. A lock (`cache.add`, atomic in both backends)
lets one process reload while the others keep using the previous copy.

Each process also keeps the parsed copy in memory and only asks the cache for a small version
stamp on each call, so building an adapter does not re-parse megabytes of JSON.

Tickers: monitors of many users watch the same symbols; a ticker fetched in the last
TICKER_CACHE_SECONDS is served from the cache, so one tick costs one request per symbol
(ARCHITECTURE.md, flow 4).
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import fields
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from .adapters.base import Market

logger = logging.getLogger(__name__)

# Markets survive this many TTLs in the cache, so a reload that fails (exchange down) can fall
# back to the last good copy instead of failing every order.
STALE_FACTOR = 24
LOCK_SECONDS = 60  # longer than any load_markets call; a dead holder's lock expires by itself
POLL_SECONDS = 0.05
FAILED_RELOAD_BACKOFF = 30  # seconds between reload attempts while the exchange fails them
FAILED = "failed"  # the lock's value during that back-off

Payload = dict[str, Any]

_memo: dict[str, Payload] = {}
_memo_lock = threading.Lock()
# How often a process asks the cache whether another one reloaded the markets. Between checks
# its copy serves without a round trip: the webhook and the order path read markets on every
# call, and a reload (hourly) reaching a process a few seconds late changes nothing.
VERSION_CHECK_SECONDS = 5.0
_memo_checked: dict[str, float] = {}
# Per exchange: (payload version, what `parsed_markets` built from it).
_parsed: dict[str, tuple[float, Any]] = {}
T = TypeVar("T")


def markets_ttl() -> float:
    return float(getattr(settings, "MARKETS_CACHE_SECONDS", 3600))


def ticker_ttl() -> float:
    return float(getattr(settings, "TICKER_CACHE_SECONDS", 2))


def _keys(name: str) -> tuple[str, str, str]:
    return f"markets:v1:{name}:data", f"markets:v1:{name}:version", f"markets:v1:{name}:lock"


# --- Market <-> JSON ---------------------------------------------------------------------------


def market_to_json(market: Market) -> dict[str, Any]:
    return {
        f.name: (str(v) if isinstance(v := getattr(market, f.name), Decimal) else v) for f in fields(Market)
    }


def market_from_json(data: dict[str, Any]) -> Market:
    decimals = {"tick_size", "step_size", "min_qty", "min_notional", "max_qty"}
    values = {
        f.name: (
            Decimal(data[f.name]) if f.name in decimals and data.get(f.name) is not None else data.get(f.name)
        )
        for f in fields(Market)
        if f.name in data
    }
    return Market(**values)


# --- markets -----------------------------------------------------------------------------------


def shared_markets(name: str, loader: Callable[[], Payload], *, reload: bool = False) -> Payload:
    """The market payload for exchange `name` (e.g. `binance`, `binance-testnet`), loaded by
    `loader` at most once per TTL across the fleet. The payload is whatever JSON-able dict the
    loader returns; `fetched_at` (epoch seconds) is added here. With the shared cache (Redis)
    down, this process's copy serves while it is fresh enough, else the loader's answer: an alert
    arriving then is still stored (bench/chaos scenario 4 found a 500 here)."""
    try:
        return _shared_markets(name, loader, reload=reload)
    except RedisError as exc:
        memo = _memo.get(name)
        if (
            memo is not None
            and not reload
            and time.time() - memo["fetched_at"] < markets_ttl() * STALE_FACTOR
        ):
            return memo
        logger.warning("%s markets loaded without the shared cache (%s)", name, type(exc).__name__)
        payload = dict(loader())
        payload["fetched_at"] = time.time()
        return _remember(name, payload)


def _shared_markets(name: str, loader: Callable[[], Payload], *, reload: bool) -> Payload:
    data_key, version_key, lock_key = _keys(name)
    ttl = markets_ttl()
    now = time.time()
    memo = _memo.get(name)
    if (
        not reload
        and memo is not None
        and now - _memo_checked.get(name, 0.0) < VERSION_CHECK_SECONDS
        and now - memo["fetched_at"] < ttl
    ):
        return memo
    _memo_checked[name] = now
    version = cache.get(version_key)
    if not reload:
        if memo is not None and (version is None or version == memo["fetched_at"]):
            # `version is None`: the cache lost the entry (LocMem culls); ours is still good.
            if now - memo["fetched_at"] < ttl:
                return memo
        elif version is not None and now - version < ttl:
            payload = _read(data_key)
            if payload is not None:
                return _remember(name, payload)

    token = secrets.token_hex(8)
    if cache.add(lock_key, token, timeout=LOCK_SECONDS):
        served_stale = False
        try:
            # Another process may have stored a new copy between our read and our lock.
            current = cache.get(version_key)
            if current is not None and current != version and (payload := _read(data_key)) is not None:
                return _remember(name, payload)
            payload, served_stale = _load_and_store(name, loader, fallback=memo or _read(data_key))
            return payload
        finally:
            if cache.get(lock_key) == token:
                if served_stale:
                    # The reload failed and the old copy is served: keep the lock a while, so
                    # the fleet serves the old copy too instead of retrying on every call.
                    cache.set(lock_key, FAILED, timeout=FAILED_RELOAD_BACKOFF)
                else:
                    cache.delete(lock_key)

    # Another process is reloading. A copy we already have (even stale) serves until it is done;
    # with none, wait for theirs rather than hitting the exchange a second time.
    stale = memo or _read(data_key)
    if stale is not None and not reload:
        return _remember(name, stale)
    seen = version
    deadline = time.monotonic() + LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        current = cache.get(version_key)
        if current is not None and current != seen:
            payload = _read(data_key)
            if payload is not None:
                return _remember(name, payload)
        if cache.get(lock_key) in (None, FAILED):
            break  # the holder's load failed: try ourselves
    return _load_and_store(name, loader, fallback=stale)[0]


def _load_and_store(
    name: str, loader: Callable[[], Payload], *, fallback: Payload | None
) -> tuple[Payload, bool]:
    """(payload, served_stale): a fresh load, stored for everyone, or the fallback when the
    load fails and there is one."""
    data_key, version_key, _ = _keys(name)
    try:
        payload = dict(loader())
    except Exception:
        if fallback is None:
            raise
        logger.warning("reloading %s markets failed; serving the copy from %s", name, fallback["fetched_at"])
        return _remember(name, fallback), True
    payload["fetched_at"] = time.time()
    timeout = int(markets_ttl() * STALE_FACTOR)
    # Data first, version second: a reader that sees the new version always finds its data.
    cache.set(data_key, json.dumps(payload, separators=(",", ":")), timeout)
    cache.set(version_key, payload["fetched_at"], timeout)
    return _remember(name, payload), False


def _read(data_key: str) -> Payload | None:
    raw = cache.get(data_key)
    return json.loads(raw) if raw else None


def _remember(name: str, payload: Payload) -> Payload:
    with _memo_lock:
        _memo[name] = payload
    return payload


def parsed_markets(name: str, payload: Payload, parse: Callable[[Payload], T]) -> T:
    """`parse(payload)` once per process and payload version, shared by every adapter of the
    exchange: a fill monitor builds an adapter per account, and parsing the market table for
    each (ccxt's `set_markets` plus our `Market`s: milliseconds for 100 markets, an order of
    magnitude more for Binance's thousands) was most of the cost of a new one. The result is
    read-only for its users; a new payload version (a reload) parses anew."""
    version = payload["fetched_at"]
    hit = _parsed.get(name)
    if hit is not None and hit[0] == version:
        return cast(T, hit[1])
    value = parse(payload)
    with _memo_lock:
        _parsed[name] = (version, value)
    return value


def forget_markets(name: str | None = None) -> None:
    """Drop the in-process copies (tests; the shared cache entry is left alone)."""
    with _memo_lock:
        if name is None:
            _memo.clear()
            _memo_checked.clear()
            _parsed.clear()
        else:
            _memo.pop(name, None)
            _memo_checked.pop(name, None)
            _parsed.pop(name, None)


# --- tickers -----------------------------------------------------------------------------------


def _ticker_key(name: str, symbol: str) -> str:
    return f"ticker:v2:{name}:{symbol}"


def shared_ticker(name: str, symbol: str, fetch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The ticker for `symbol` on exchange `name` as a JSON-able dict, fetched at most once per
    TICKER_CACHE_SECONDS by the whole fleet. When many workers miss at the same moment, one
    fetches (a short lock) and the others wait briefly for its answer."""
    key = _ticker_key(name, symbol)
    ttl = ticker_ttl()
    if (cached := _fresh(cache.get(key), ttl)) is not None:
        return cached
    lock_key = key + ":lock"
    locked = cache.add(lock_key, 1, timeout=max(1, int(ttl * 5)))
    if not locked:
        deadline = time.monotonic() + ttl
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            if (cached := _fresh(cache.get(key), ttl)) is not None:
                return cached
    try:
        if locked and (cached := _fresh(cache.get(key), ttl)) is not None:
            return cached  # stored by the previous holder between our miss and our lock
        ticker = fetch()
        _store_tickers({key: ticker}, ttl)
        return ticker
    finally:
        if locked:
            cache.delete(lock_key)


def shared_tickers(
    name: str, symbols: Iterable[str], fetch_many: Callable[[list[str]], dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Tickers for `symbols`: cached ones from the cache, the rest in one request."""
    wanted = list(dict.fromkeys(symbols))
    keys = {_ticker_key(name, s): s for s in wanted}
    ttl = ticker_ttl()
    found = {
        keys[k]: ticker
        for k, raw in cache.get_many(list(keys)).items()
        if (ticker := _fresh(raw, ttl)) is not None
    }
    missing = [s for s in wanted if s not in found]
    if missing:
        fetched = fetch_many(missing)
        _store_tickers({_ticker_key(name, s): t for s, t in fetched.items()}, ttl)
        found.update(fetched)
    return {s: found[s] for s in wanted if s in found}


def _store_tickers(tickers: dict[str, dict[str, Any]], ttl: float) -> None:
    # Each ticker is stored with the time it was fetched: Django's Redis cache truncates timeouts
    # to whole seconds (and takes 0 as "delete now"), so the entry outlives a sub-second
    # TICKER_CACHE_SECONDS and the reader judges its age instead (`_fresh`).
    if ttl > 0 and tickers:
        at = time.time()
        payload = {key: json.dumps({"at": at, "ticker": t}) for key, t in tickers.items()}
        cache.set_many(payload, timeout=max(1, math.ceil(ttl)))


def _fresh(raw: Any, ttl: float) -> dict[str, Any] | None:
    """The cached ticker if it was fetched less than `ttl` seconds ago (any process's clock)."""
    if not isinstance(raw, str):
        return None
    entry = json.loads(raw)
    if not isinstance(entry, dict) or time.time() - float(entry.get("at", 0)) >= ttl:
        return None
    ticker = entry.get("ticker")
    return ticker if isinstance(ticker, dict) else None
