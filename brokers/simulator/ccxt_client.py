"""The one place that points ccxt's `binance` class at a simulator.

Every entry of `urls["api"]` (and of the testnet/demo tables, so `set_sandbox_mode` cannot send
anything to the real Binance) gets the simulator's scheme and host, keeping its path; the options
keep `load_markets` on spot `exchangeInfo` alone (no futures, no signed margin or currency
calls). Checked against ccxt 4.5.90: `load_markets`, tickers, klines, depth, balance and every
order call then reach only endpoints the simulator serves."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import ccxt


@lru_cache(maxsize=1)
def _binance_urls() -> dict[str, dict[str, str]]:
    urls = ccxt.binance().urls
    return {
        table: dict(urls[table]) for table in ("api", "test", "demo") if isinstance(urls.get(table), dict)
    }


def _rehost(table: dict[str, str], base_url: str) -> dict[str, str]:
    return {name: base_url + urlsplit(url).path for name, url in table.items() if isinstance(url, str)}


def simulator_exchange(
    base_url: str,
    api_key: str | None = None,
    secret: str | None = None,
    *,
    timeout_ms: int = 10_000,
    enable_rate_limit: bool = True,
    options: dict[str, Any] | None = None,
) -> ccxt.binance:
    """A ccxt `binance` instance that talks to the simulator at `base_url` (`http://host:port`)."""
    base_url = base_url.rstrip("/")
    urls = {table: _rehost(entries, base_url) for table, entries in _binance_urls().items()}
    config: dict[str, Any] = {
        "urls": urls,
        "timeout": timeout_ms,
        "enableRateLimit": enable_rate_limit,
        "options": {
            "defaultType": "spot",
            "fetchMarkets": {"types": ["spot"]},
            "fetchCurrencies": False,  # signed sapi capital/config/getall otherwise
            "fetchMargins": False,  # signed sapi margin pair lists otherwise
            "adjustForTimeDifference": False,
            # ccxt refuses fetch_open_orders() without a symbol unless told the weight is known.
            "fetchOpenOrders": {"warnWithoutSymbol": False},
            **(options or {}),
        },
    }
    if api_key is not None:
        config["apiKey"] = api_key
    if secret is not None:
        config["secret"] = secret
    return ccxt.binance(config)
