"""Paper equities priced by the real Kotak Neo simulator over HTTP (its public consumer key), on
one hand-moved clock shared by the simulator and the paper ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import requests

from accounts.models import User
from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.equities import Product
from brokers.adapters.kotak import KotakNeoAdapter
from brokers.kotak_simulator import KotakSimulatorOptions, KotakSimulatorServer
from brokers.models import ExchangeConfig
from brokers.nse_calendar import IST, nse_calendar
from brokers.paper_equities.adapter import PaperEquitiesAdapter
from brokers.paper_equities.services import paper_equities_account_create
from brokers.simulator.clock import ManualClock

D = Decimal
CONTROL_TOKEN = "paper-equities-tests-control"
PUBLIC_KEY = "paper-equities-tests-public"
WEDNESDAY, THURSDAY = date(2025, 12, 3), date(2025, 12, 4)


def ms(day: date, hours: int, minutes: int) -> int:
    return int(datetime.combine(day, time(hours, minutes), tzinfo=IST).timestamp() * 1000)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ms(WEDNESDAY, 10, 0))


@pytest.fixture
def kotak(clock: ManualClock) -> Iterator[KotakSimulatorServer]:
    server = KotakSimulatorServer(
        KotakSimulatorOptions(
            port=0, clock=clock, control_token=CONTROL_TOKEN, public_consumer_key=PUBLIC_KEY
        )
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def set_price(kotak: KotakSimulatorServer, symbol: str, price: str) -> None:
    response = requests.put(
        f"{kotak.base_url.rstrip('/')}/_sim/prices/{symbol}",
        json={"price": price},
        headers={"Authorization": f"Bearer {CONTROL_TOKEN}"},
        timeout=10,
    )
    assert response.status_code < 300, response.text


@pytest.fixture
def paper(trader: User, kotak: KotakSimulatorServer, clock: ManualClock) -> Iterator[PaperEquitiesAdapter]:
    url = kotak.base_url.rstrip("/")
    prices = KotakNeoAdapter.public(
        login_base_url=url,
        consumer_key=PUBLIC_KEY,
        exchange_id="kotak_simulator",
        candles_url=f"{url}/_sim/candles",
    )
    config = ExchangeConfig.objects.create(user=trader, exchange="paper_nse", price_source="kotak_simulator")
    paper_equities_account_create(config=config, slippage_bps=D(0))
    adapter = PaperEquitiesAdapter(config, prices, clock=clock)
    yield adapter
    adapter.close()


def test_a_market_buy_fills_at_the_price_the_simulator_quotes(paper, kotak):
    set_price(kotak, "RELIANCE", "1512.30")

    order = paper.create_equity_order(
        symbol="RELIANCE-EQ", side=Side.BUY, type=OrderType.MARKET, quantity=D(5), client_order_id="b1"
    )

    assert (order.symbol, order.status, order.average) == ("RELIANCE", OrderStatus.CLOSED, D("1512.30"))
    assert paper.fetch_funds().available_cash == D(200_000) - D("7561.50") - order.fee


def test_a_resting_limit_order_fills_once_the_simulator_price_crosses_it(paper, kotak):
    set_price(kotak, "ITC", "400.00")
    order = paper.create_equity_order(
        symbol="ITC",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=D(50),
        price=D("395.00"),
        client_order_id="l1",
    )
    assert order.status == OrderStatus.OPEN

    set_price(kotak, "ITC", "394.50")

    filled = paper.fetch_order(symbol="ITC", order_id=order.id)
    assert (filled.status, filled.average) == (OrderStatus.CLOSED, D("395"))


def test_an_amo_fills_at_the_open_of_the_simulators_daily_candle(paper, kotak, clock):
    clock.set(ms(WEDNESDAY, 18, 0))
    order = paper.create_equity_order(
        symbol="INFY",
        side=Side.BUY,
        type=OrderType.MARKET,
        quantity=D(3),
        product=Product.CNC,
        amo=True,
        client_order_id="amo",
    )
    assert order.status == OrderStatus.OPEN

    clock.set(ms(THURSDAY, 9, 45))
    filled = paper.fetch_order(symbol="INFY", order_id=order.id)

    # The simulator publishes a day's daily candle after its close: the open is its first
    # minute candle's.
    session = nse_calendar().session(THURSDAY)
    [first_minute] = paper.fetch_ohlcv("INFY", "1m", since=session.open, limit=1)
    assert first_minute.opened_at.astimezone(IST).date() == THURSDAY
    assert (filled.status, filled.average) == (OrderStatus.CLOSED, first_minute.open)
    [trade] = paper.fetch_my_trades("INFY")
    assert trade.executed_at == nse_calendar().session(THURSDAY).open
