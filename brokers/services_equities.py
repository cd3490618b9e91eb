"""What an equities account holds, read from its broker: holdings, today's positions, funds and
the order book (Kotak Neo, the Kotak simulator, paper equities). Reads change nothing, so
nothing is audited; the broker's refusals surface as `brokers.errors` for the API to answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .adapters.cache import cached_adapter_for
from .adapters.equities import EquitiesBrokerAdapter, EquityOrder, Funds, Holding, Position
from .adapters.registry import EQUITIES, asset_class_of
from .models import ExchangeConfig
from .ratelimit import working_for

T = TypeVar("T")


class NotEquities(Exception):
    """The account is a crypto exchange's: it has no holdings, positions or funds in INR."""


def is_equities(config: ExchangeConfig) -> bool:
    return asset_class_of(config.exchange) == EQUITIES


def _read(config: ExchangeConfig, call: Callable[[EquitiesBrokerAdapter], T]) -> T:
    if not is_equities(config):
        raise NotEquities(f"{config.exchange} is not a stock broker")
    adapter = cached_adapter_for(config)
    if not isinstance(adapter, EquitiesBrokerAdapter):  # a registered kind that says equities wrongly
        raise NotEquities(f"{config.exchange} does not serve equities reads")
    with working_for(config):  # a broker's 429s on these reads count for the account (rate_limited)
        return call(adapter)


def equities_holdings(*, config: ExchangeConfig) -> list[Holding]:
    return sorted(_read(config, lambda adapter: adapter.fetch_holdings()), key=lambda h: h.symbol)


def equities_positions(*, config: ExchangeConfig) -> list[Position]:
    positions = _read(config, lambda adapter: adapter.fetch_positions())
    return sorted(positions, key=lambda p: (p.symbol, p.product))


def equities_funds(*, config: ExchangeConfig) -> Funds:
    return _read(config, lambda adapter: adapter.fetch_funds())


def equities_orders(*, config: ExchangeConfig) -> list[EquityOrder]:
    """Today's order book as the broker keeps it, newest first."""
    return _read(config, lambda adapter: adapter.fetch_orders())
