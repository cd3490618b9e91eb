"""`GET /api/v1/market/candles` against the built-in exchange simulator over HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from brokers import markets, ratelimit
from brokers.adapters.cache import forget_adapters
from brokers.candles import candles_read
from brokers.models import ExchangeConfig
from brokers.services import exchange_config_create
from brokers.simulator.control import EmbeddedSimulator

URL = "/api/v1/market/candles"
KLINES = "GET /api/v3/klines"


@pytest.fixture
def simulator_account(
    settings: Any, point_at_simulator: EmbeddedSimulator
) -> Iterator[Callable[[Any], ExchangeConfig]]:
    settings.EXCHANGE_TIMEOUT_MS = 3000
    markets.forget_markets()
    ratelimit.reset_local_state()
    forget_adapters()
    yield lambda user: exchange_config_create(user=user, exchange="simulator", mode="testnet", label="main")
    forget_adapters()
    markets.forget_markets()


def klines_requests(sim: EmbeddedSimulator) -> int:
    return sim.server.app.counters()["by_endpoint"].get(KLINES, 0)


def test_candles_come_oldest_first_with_consistent_prices_and_the_tick_size(
    api: APIClient,
    trader: Any,
    simulator_account: Callable[[Any], ExchangeConfig],
    running_simulator: EmbeddedSimulator,
):
    simulator_account(trader)
    running_simulator.control.set_price("XRP/USDT", "0.5412")

    response = api.get(URL, {"exchange": "simulator", "symbol": "XRPUSDT", "timeframe": "5m", "limit": 6})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["exchange"], body["symbol"], body["timeframe"]) == ("simulator", "XRP/USDT", "5m")
    assert Decimal(body["tick_size"]) == Decimal("0.0001")
    assert body["amount_step"] is not None
    candles = body["candles"]
    assert len(candles) == 6
    assert [b["time"] - a["time"] for a, b in itertools.pairwise(candles)] == [300] * 5
    for candle in candles:
        o, h, low, c = (Decimal(candle[k]) for k in ("open", "high", "low", "close"))
        assert low <= min(o, c) <= max(o, c) <= h
        assert isinstance(candle["volume"], str)
    assert Decimal(candles[-1]["close"]) == Decimal("0.5412")


def test_a_second_reader_is_served_from_the_cache_shared_between_users(
    client_for: Callable[[Any], APIClient],
    trader: Any,
    other_trader: Any,
    simulator_account: Callable[[Any], ExchangeConfig],
    running_simulator: EmbeddedSimulator,
):
    simulator_account(trader)
    simulator_account(other_trader)
    query = {"exchange": "simulator", "symbol": "BTC/USDT", "timeframe": "1m", "limit": 20}
    before = klines_requests(running_simulator)

    first = client_for(trader).get(URL, query)
    assert klines_requests(running_simulator) == before + 1
    again = client_for(trader).get(URL, query)
    other = client_for(other_trader).get(URL, {**query, "limit": 5})

    assert first.status_code == again.status_code == other.status_code == 200
    assert klines_requests(running_simulator) == before + 1  # one exchange request for all three answers
    assert again.json()["candles"] == first.json()["candles"]
    assert other.json()["candles"] == first.json()["candles"][-5:]


def test_since_returns_the_candles_from_that_time_on(
    api: APIClient,
    trader: Any,
    simulator_account: Callable[[Any], ExchangeConfig],
    running_simulator: EmbeddedSimulator,
):
    simulator_account(trader)
    latest = api.get(
        URL, {"exchange": "simulator", "symbol": "ETH/USDT", "timeframe": "1m", "limit": 30}
    ).json()
    since = latest["candles"][10]["time"]

    by_ms = api.get(
        URL, {"exchange": "simulator", "symbol": "ETH/USDT", "timeframe": "1m", "since": since * 1000 + 1}
    )
    by_iso = api.get(
        URL,
        {"exchange": "simulator", "symbol": "ETH/USDT", "timeframe": "1m", "since": "2000-01-01T00:00:00"},
    )

    assert by_ms.status_code == 200, by_ms.json()
    assert by_ms.json()["candles"][0]["time"] == since
    assert by_ms.json()["candles"][: len(latest["candles"]) - 10] == latest["candles"][10:]
    assert by_iso.status_code == 200, by_iso.json()
    assert by_iso.json()["candles"][0]["time"] <= latest["candles"][0]["time"]


def test_another_users_account_is_404(
    api: APIClient, other_trader: Any, simulator_account: Callable[[Any], ExchangeConfig]
):
    theirs = simulator_account(other_trader)

    response = api.get(URL, {"account": str(theirs.pk), "symbol": "BTC/USDT", "timeframe": "1m"})

    assert response.status_code == 404


def test_no_account_on_the_exchange_is_a_field_error(api: APIClient, simulator_account: Any):
    response = api.get(URL, {"exchange": "simulator", "symbol": "BTC/USDT"})

    assert response.status_code == 400
    assert "exchange" in response.json()["errors"]


def test_bad_timeframe_unknown_symbol_and_bad_since_are_field_errors(
    api: APIClient, trader: Any, simulator_account: Callable[[Any], ExchangeConfig]
):
    simulator_account(trader)
    query = {"exchange": "simulator", "symbol": "BTC/USDT"}

    bad_timeframe = api.get(URL, {**query, "timeframe": "7m"})
    unknown_symbol = api.get(URL, {**query, "symbol": "NOPE/USDT", "timeframe": "1m"})
    bad_since = api.get(URL, {**query, "since": "yesterday"})
    too_many = api.get(URL, {**query, "limit": 1001})

    assert bad_timeframe.status_code == 400 and "timeframe" in bad_timeframe.json()["errors"]
    assert unknown_symbol.status_code == 400 and "symbol" in unknown_symbol.json()["errors"]
    assert bad_since.status_code == 400 and "since" in bad_since.json()["errors"]
    assert too_many.status_code == 400 and "limit" in too_many.json()["errors"]


def test_unauthenticated_is_401(anon: APIClient, db: None):
    assert anon.get(URL, {"exchange": "simulator", "symbol": "BTC/USDT"}).status_code == 401


def test_readers_arriving_together_cause_one_exchange_request(
    trader: Any, simulator_account: Callable[[Any], ExchangeConfig], running_simulator: EmbeddedSimulator
):
    account = simulator_account(trader)
    before = klines_requests(running_simulator)

    def read() -> int:
        series = candles_read(config=account, symbol="SOL/USDT", timeframe="15m", since=None, limit=10)
        forget_adapters()  # this thread's adapter dies with it
        return len(series.candles)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: read(), range(4)))

    assert answers == [answers[0]] * 4 and answers[0] > 0
    assert klines_requests(running_simulator) == before + 1
