"""The `paper_nse` catalog entry: paper trading on NSE equities, priced by a public market-data
adapter (`config.price_source`, by default the Kotak simulator). Imported by
brokers/adapters/registry.py, which makes the kind known to `adapter_for` and the catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brokers.adapters.base import BrokerAdapter
from brokers.adapters.registry import LIVE_AND_TESTNET, PAPER, BrokerKind, public_adapter, register
from brokers.errors import BrokerError

if TYPE_CHECKING:
    from brokers.models import ExchangeConfig

PAPER_NSE = "paper_nse"
DEFAULT_PRICE_SOURCE = "kotak_simulator"


def price_source_of(config: ExchangeConfig) -> str:
    return (config.price_source or DEFAULT_PRICE_SOURCE).strip().lower()


def paper_equities_adapter(config: ExchangeConfig) -> BrokerAdapter:
    from .adapter import PaperEquitiesAdapter

    source = price_source_of(config)
    if source in (PAPER, PAPER_NSE):  # services refuse it; an edited row must not recurse forever
        raise BrokerError("A paper account cannot take its prices from paper", exchange=PAPER_NSE)
    return PaperEquitiesAdapter(config, public_adapter(source))


register(
    BrokerKind(
        entry={
            "id": PAPER_NSE,
            "name": "Paper trading (NSE)",
            "modes": LIVE_AND_TESTNET,
            "kind": "paper",
            "asset_class": "equities",
            "credential_fields": [],
        },
        for_account=paper_equities_adapter,
        # No prices of its own: its catalog entry's markets are the default price source's.
        for_public=lambda: public_adapter(DEFAULT_PRICE_SOURCE),
    )
)
