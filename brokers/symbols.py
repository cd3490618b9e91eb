"""Symbols: users write `BTCUSDT`, `btc/usdt` or `BTC/USDT`; markets are keyed `BTC/USDT`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def normalize_symbol(symbol: str, markets: Mapping[str, Any]) -> str | None:
    """The unified symbol in `markets` that `symbol` names, or None."""
    wanted = symbol.strip().upper()
    if wanted in markets:
        return wanted
    compact = wanted.replace("/", "").replace("-", "").replace("_", "")
    for unified, market in markets.items():
        exchange_symbol = getattr(market, "exchange_symbol", "") or unified.replace("/", "")
        if compact in (exchange_symbol.upper(), unified.replace("/", "")):
            return unified
    return None


def path_symbol(symbol: str) -> str:
    """How a symbol appears in an API path: without the slash (`BTCUSDT`)."""
    return symbol.replace("/", "").upper()
