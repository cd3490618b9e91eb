"""A paper account as users get it: created by the exchange-account service, built by the
registry, filled at the prices of the real exchange simulator over HTTP (through ccxt)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from brokers import markets, ratelimit
from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.paper import PaperAdapter
from brokers.adapters.registry import adapter_for
from brokers.paper_math import ceil_to
from brokers.services import exchange_config_create
from brokers.simulator.app import SimulatorOptions
from brokers.simulator.control import EmbeddedSimulator, start_embedded

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def simulator() -> Iterator[EmbeddedSimulator]:
    # tick_seconds=0: the price moves only when a test sets it.
    sim = start_embedded(SimulatorOptions(port=0, tick_seconds=0, history_minutes=60))
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _prices_from_the_simulator(settings, simulator: EmbeddedSimulator) -> Iterator[None]:
    settings.SIMULATOR_URL = simulator.base_url
    settings.TICKER_CACHE_SECONDS = 0  # every call sees the price the test just set
    settings.RATELIMIT_BURST_SECONDS = 60
    settings.EXCHANGE_TIMEOUT_MS = 3000
    markets.forget_markets()
    ratelimit.reset_local_state()
    yield
    markets.forget_markets()
    ratelimit.reset_local_state()


@pytest.fixture
def paper(trader) -> Iterator[PaperAdapter]:
    config = exchange_config_create(user=trader, exchange="paper", mode="testnet")
    adapter = adapter_for(config)
    assert isinstance(adapter, PaperAdapter)
    yield adapter
    adapter.close()


def test_a_paper_market_buy_fills_at_the_simulators_ask_plus_slippage(paper, simulator):
    simulator.control.set_price("BTCUSDT", "60000")
    ticker = paper.fetch_ticker("BTC/USDT")
    assert ticker.ask is not None

    order = paper.create_order(
        symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET, amount=D("0.01"), client_order_id="sim-1"
    )

    # Default paper costs: 5 bps of slippage, 0.1 % fee, 10,000 USDT to start.
    fill = ceil_to(ticker.ask * D("1.0005"), paper.market("BTC/USDT").tick_size)
    assert (order.status, order.average, order.fee_asset) == (OrderStatus.CLOSED, fill, "USDT")
    balances = paper.fetch_balance()
    assert balances["BTC"].free == D("0.01")
    assert balances["USDT"].free == D("10000") - fill * D("0.01") * D("1.001")


def test_a_resting_paper_order_fills_when_the_simulators_price_falls_to_it(paper, simulator):
    simulator.control.set_price("BTCUSDT", "60000")
    order = paper.create_order(
        symbol="BTCUSDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=D("0.01"),
        price=D("59000"),
        client_order_id="sim-dip",
    )
    assert order.status == OrderStatus.OPEN

    simulator.control.set_price("BTCUSDT", "58000")

    filled = paper.fetch_order(symbol="BTC/USDT", order_id=order.id)
    assert (filled.status, filled.average) == (OrderStatus.CLOSED, D("59000"))
