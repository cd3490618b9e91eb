"""Live exchange candles for charts, shared by every user of an exchange's market data.

Candles are public data: two users charting BTC/USDT 1m on the same exchange see the same bars,
so the fleet asks the exchange once per (market data scope, symbol, timeframe) per short TTL and
keeps the answer in the Django cache (Redis in production) as JSON. The request goes through the
caller's own account adapter, so it passes the fleet rate limiter like every other request.

What is cached per key is the exchange's latest WINDOW candles; a request whose `since` falls
inside that window is a slice of it (so positions opened at different times share one fetch).
An older `since` is fetched from that time on, cached under its timeframe-aligned start, and
kept for an hour once the chunk lies wholly in the past (closed candles never change).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ccxt
from django.core.cache import cache
from redis.exceptions import RedisError

from .adapters.base import BrokerAdapter, Candle
from .adapters.cache import cached_adapter_for
from .adapters.ccxt_adapter import SIMULATOR
from .adapters.registry import KOTAK_SIMULATOR, PAPER
from .errors import BadSymbol

if TYPE_CHECKING:
    from .models import ExchangeConfig

logger = logging.getLogger(__name__)

# ccxt's unified timeframe names (1M counted as 30 days, as ccxt does).
TIMEFRAME_SECONDS: dict[str, int] = {
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "8h": 28800,
    "12h": 43200,
    "1d": 86400,
    "3d": 259200,
    "1w": 604800,
    "1M": 2592000,
}
MAX_LIMIT = 1000
DEFAULT_LIMIT = 300
# The latest candles fetched per key: as many as a request may ask for (binance's klines cap).
WINDOW = MAX_LIMIT
HISTORY_TTL = 3600
LOCK_SECONDS = 30  # longer than a klines call under the exchange timeout; a dead holder's expires
WAIT_SECONDS = 5.0  # how long a second caller waits for the holder's answer before fetching itself
POLL_SECONDS = 0.05

Row = dict[str, Any]  # {"time": epoch seconds, "open".."volume": decimal strings}


@dataclass(frozen=True)
class CandleSeries:
    exchange: str
    symbol: str
    timeframe: str
    tick_size: Decimal
    amount_step: Decimal | None
    candles: list[Row]


class CandlesUnavailable(ValueError):
    """A request this exchange cannot answer; `field` names the query parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def live_ttl(timeframe: str) -> int:
    """Seconds the latest candles are reused: a twelfth of a bar, 3 to 60 s (5 s for 1m), so the
    forming bar stays fresh while a chart polling every few seconds costs one request per TTL."""
    return int(min(60, max(3, TIMEFRAME_SECONDS[timeframe] // 12)))


def market_data_scope(config: ExchangeConfig) -> str:
    """Which candles an account sees: every simulator account shares the one simulated market,
    a paper account sees its price source's, a ccxt account its exchange's public data (testnet
    apart); a broker whose data needs a login is scoped to the account."""
    from .models import Mode

    exchange = str(config.exchange).strip().lower()
    if exchange == PAPER:
        return str(config.price_source or SIMULATOR).strip().lower()
    if exchange in (SIMULATOR, KOTAK_SIMULATOR):
        return exchange
    if exchange in ccxt.exchanges:
        return exchange + ("-testnet" if config.mode == Mode.TESTNET else "")
    return f"{exchange}:{config.pk}"


def candles_read(
    *, config: ExchangeConfig, symbol: str, timeframe: str, since: datetime | None, limit: int
) -> CandleSeries:
    """Candles of `symbol` on `config`'s exchange, oldest first: with `since`, the first `limit`
    opening at or after it; without, the last `limit`. Raises CandlesUnavailable for a market or
    timeframe the exchange does not have, BrokerError when the exchange fails."""
    adapter = cached_adapter_for(config)
    try:
        market = adapter.market(symbol)
    except BadSymbol:
        raise CandlesUnavailable("symbol", f"{config.exchange} has no market {symbol}.") from None
    supported = _exchange_timeframes(adapter)
    if supported is not None and timeframe not in supported:
        raise CandlesUnavailable("timeframe", f"{config.exchange} has no {timeframe} candles.")
    scope, step = market_data_scope(config), TIMEFRAME_SECONDS[timeframe]
    key = f"candles:v1:{scope}:{market.symbol}:{timeframe}"

    def fetch(start: datetime | None) -> Callable[[], list[Row]]:
        return lambda: [
            _row(c) for c in adapter.fetch_ohlcv(market.symbol, timeframe, since=start, limit=WINDOW)
        ]

    now = int(time.time())
    if since is None:
        rows = _shared(f"{key}:latest", live_ttl(timeframe), fetch(None))[-limit:]
    else:
        start = int(since.timestamp()) // step * step
        if start >= now - (WINDOW - 1) * step:
            rows = _shared(f"{key}:latest", live_ttl(timeframe), fetch(None))
        else:
            rows = _shared(
                f"{key}:from:{start}",
                live_ttl(timeframe),
                fetch(datetime.fromtimestamp(start, tz=UTC)),
                keep=lambda got: HISTORY_TTL if got and got[-1]["time"] + 2 * step <= now else None,
            )
        rows = [row for row in rows if row["time"] >= start][:limit]
    return CandleSeries(
        exchange=config.exchange,
        symbol=market.symbol,
        timeframe=timeframe,
        tick_size=market.tick_size,
        amount_step=market.step_size or None,
        candles=rows,
    )


def _row(candle: Candle) -> Row:
    return {
        "time": int(candle.opened_at.timestamp()),
        **{name: format(getattr(candle, name), "f") for name in ("open", "high", "low", "close", "volume")},
    }


def _exchange_timeframes(adapter: BrokerAdapter) -> set[str] | None:
    # ccxt clients list their timeframes; a paper account's are its price source's. None: unknown.
    client = getattr(getattr(adapter, "market_data", adapter), "exchange", None)
    timeframes = getattr(client, "timeframes", None)
    return set(timeframes) if isinstance(timeframes, dict) and timeframes else None


def _shared(
    key: str,
    ttl: int,
    fetch: Callable[[], list[Row]],
    *,
    keep: Callable[[list[Row]], int | None] | None = None,
) -> list[Row]:
    """The cached rows under `key`, else `fetch()` stored for `ttl` seconds (or what `keep`
    says for the rows fetched). One caller fetches a missing key at a time; the others wait
    briefly for its answer instead of asking the exchange too. Without the cache, a plain fetch."""
    try:
        cached = cache.get(key)
        if cached is not None:
            return _decode(cached)
        lock_key = f"{key}:lock"
        locked = cache.add(lock_key, 1, timeout=LOCK_SECONDS)
    except RedisError as exc:
        logger.warning("candles fetched without the shared cache (%s)", type(exc).__name__)
        return fetch()
    if not locked:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            cached = cache.get(key)
            if cached is not None:
                return _decode(cached)
    try:
        if locked and (cached := cache.get(key)) is not None:
            return _decode(cached)  # stored by the previous holder between our miss and our lock
        rows = fetch()
        cache.set(key, json.dumps(rows, separators=(",", ":")), timeout=(keep and keep(rows)) or ttl)
        return rows
    finally:
        if locked:
            cache.delete(lock_key)


def _decode(cached: str) -> list[Row]:
    rows: list[Row] = json.loads(cached)
    return rows
