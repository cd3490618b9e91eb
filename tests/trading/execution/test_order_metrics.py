"""The performance dashboard's placement metrics, observed where the engine places orders: each
attempt's outcome by exchange, and the signal's latency to its first order on the exchange."""

from __future__ import annotations

from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db(transaction=True)
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


def orders(exchange: str, outcome: str) -> float:
    labels = {"exchange": exchange, "outcome": outcome}
    return REGISTRY.get_sample_value("tradefleet_orders_total", labels) or 0.0


def signal_latencies() -> float:
    return REGISTRY.get_sample_value("tradefleet_signal_to_order_seconds_count") or 0.0


def test_a_placed_first_leg_counts_an_order_and_its_signal_latency(engine) -> None:
    exchange = engine.account.exchange
    placed, latencies = orders(exchange, "placed"), signal_latencies()
    engine.config(levels=ONE_LEG)
    engine.price("BTC/USDT", "101")
    engine.signal(price="100")

    assert engine.legs()[0].status == "open"
    assert orders(exchange, "placed") == placed + 1
    assert signal_latencies() == latencies + 1


def test_an_order_the_exchange_refuses_counts_as_failed(engine) -> None:
    exchange = engine.account.exchange
    failed, latencies = orders(exchange, "failed"), signal_latencies()
    engine.config(levels=ONE_LEG)
    engine.control.create_account(
        str(engine.account.api_key), str(engine.account.api_secret), {"USDT": "50"}, set_balances=True
    )
    engine.signal(price="100", order_size=str(Decimal(1000)))

    assert engine.legs()[0].status == "failed"
    assert orders(exchange, "failed") == failed + 1
    assert signal_latencies() == latencies  # no order reached the exchange
