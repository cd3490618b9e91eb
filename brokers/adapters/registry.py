"""Which adapter serves an exchange account, and which exchanges can be connected.

    adapter_for(config)        an account's adapter (private calls)
    public_adapter("binance")  public market data, no account
    supported_exchanges()      the catalog the API and the account form show

Kinds: `ccxt` (any exchange ccxt knows), `simulator` (the built-in exchange, spoken to through
ccxt's binance client) and `paper` (a ledger in our database filled at another exchange's
prices). Another broker (Kotak Neo, ...) plugs in with `register(...)`: a factory for accounts, an
optional one for public data, and its catalog entry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ccxt

from brokers.errors import BrokerError

from .base import BrokerAdapter
from .ccxt_adapter import SIMULATOR, CcxtAdapter

if TYPE_CHECKING:
    from brokers.models import ExchangeConfig

PAPER = "paper"
LIVE_AND_TESTNET = ["testnet", "live"]
# What ExchangeConfig can hold; ccxt exchanges that sign with a wallet key or need a uid cannot
# be connected (their public data still can).
_STORABLE_CREDENTIALS = {"apiKey", "secret", "password"}


@dataclass(frozen=True)
class BrokerKind:
    entry: dict[str, Any]  # the catalog entry: id, name, modes, kind, needs_password
    for_account: Callable[[ExchangeConfig], BrokerAdapter]
    for_public: Callable[[], BrokerAdapter] | None = None


_registered: dict[str, BrokerKind] = {}


def register(kind: BrokerKind) -> None:
    """The extension point: a non-ccxt broker (e.g. Kotak Neo) registers itself here."""
    _registered[kind.entry["id"]] = kind


def _paper_adapter(config: ExchangeConfig) -> BrokerAdapter:
    from .paper import PaperAdapter

    source = (config.price_source or SIMULATOR).strip().lower()
    if source == PAPER:  # services refuse it; an edited row must not recurse forever
        raise BrokerError("A paper account cannot take its prices from paper", exchange=PAPER)
    return PaperAdapter(config, public_adapter(source))


register(
    BrokerKind(
        entry={
            "id": SIMULATOR,
            "name": "Tradefleet simulator",
            "modes": LIVE_AND_TESTNET,
            "kind": "simulator",
        },
        for_account=CcxtAdapter.from_config,
        for_public=lambda: CcxtAdapter.public(SIMULATOR),
    )
)
register(
    BrokerKind(
        entry={"id": PAPER, "name": "Paper trading", "modes": LIVE_AND_TESTNET, "kind": "paper"},
        for_account=_paper_adapter,
        # Paper has no prices of its own; its catalog entry's markets are the simulator's.
        for_public=lambda: CcxtAdapter.public(SIMULATOR),
    )
)


def adapter_for(config: ExchangeConfig) -> BrokerAdapter:
    """The adapter for an exchange account; raises BrokerError for an exchange we cannot serve."""
    exchange = config.exchange.strip().lower()
    if exchange in _registered:
        return _registered[exchange].for_account(config)
    if exchange in ccxt.exchanges:
        return CcxtAdapter.from_config(config)
    raise BrokerError(f"Unknown exchange '{config.exchange}'", exchange=config.exchange)


def public_adapter(exchange_id: str, *, testnet: bool = False) -> BrokerAdapter:
    """An adapter for public market data (markets, tickers, candles) of `exchange_id`."""
    exchange = exchange_id.strip().lower()
    kind = _registered.get(exchange)
    if kind is not None:
        if kind.for_public is None:
            raise BrokerError(f"{exchange_id} has no public market data", exchange=exchange_id)
        return kind.for_public()
    if exchange in ccxt.exchanges:
        return CcxtAdapter.public(exchange, testnet=testnet)
    raise BrokerError(f"Unknown exchange '{exchange_id}'", exchange=exchange_id)


def supported_exchanges() -> list[dict[str, Any]]:
    """Our own brokers first, then every ccxt exchange an account can be stored for, with the
    modes it offers (testnet only where ccxt knows a sandbox URL)."""
    return [dict(kind.entry) for kind in _registered.values()] + [dict(e) for e in _ccxt_catalog()]


@functools.cache
def _ccxt_catalog() -> tuple[dict[str, Any], ...]:
    # Instantiating the ~100 ccxt classes takes ~0.25 s; the catalog never changes in a process.
    entries = []
    for exchange_id in ccxt.exchanges:
        exchange = getattr(ccxt, exchange_id)()
        required = {name for name, needed in exchange.requiredCredentials.items() if needed}
        if not required <= _STORABLE_CREDENTIALS:
            continue
        entries.append(
            {
                "id": exchange_id,
                "name": exchange.name or exchange_id,
                "modes": LIVE_AND_TESTNET if exchange.urls.get("test") else ["live"],
                "kind": "ccxt",
                "needs_password": "password" in required,
            }
        )
    return tuple(entries)
