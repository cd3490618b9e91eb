"""A real simulator on a free port per test, reached only through real ccxt (and, for what a
Binance client cannot do, the simulator's control client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import ccxt
import pytest

from brokers.simulator import (
    AccountSeed,
    SimulatorControl,
    SimulatorOptions,
    SimulatorServer,
    simulator_exchange,
)

KEY = "test-key-0001"
SECRET = "test-secret-0001"
TOKEN = "test-control-token"
FUNDS = {"USDT": Decimal("10000"), "BTC": Decimal("1")}


def options(**overrides: object) -> SimulatorOptions:
    """Fast, quiet defaults: no ticker thread (prices move only when a test says so), an hour
    of candle history, a fixed seed and token, one funded account."""
    values: dict[str, object] = {
        "port": 0,
        "tick_seconds": 0,
        "history_minutes": 60,
        "seed": 7,
        "control_token": TOKEN,
        "accounts": [AccountSeed(KEY, SECRET, dict(FUNDS))],
    }
    values.update(overrides)
    return SimulatorOptions(**values)  # type: ignore[arg-type]  # keyword names checked by the dataclass


@pytest.fixture
def start_simulator() -> Iterator[Callable[..., SimulatorServer]]:
    started: list[SimulatorServer] = []

    def start(**overrides: object) -> SimulatorServer:
        server = SimulatorServer(options(**overrides)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def simulator(start_simulator: Callable[..., SimulatorServer]) -> SimulatorServer:
    return start_simulator()


@pytest.fixture
def exchange_for(simulator: SimulatorServer) -> Callable[..., ccxt.binance]:
    def make(key: str = KEY, secret: str = SECRET, **kwargs: object) -> ccxt.binance:
        kwargs.setdefault("timeout_ms", 3000)
        kwargs.setdefault("enable_rate_limit", False)
        return simulator_exchange(simulator.base_url, key, secret, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def exchange(exchange_for: Callable[..., ccxt.binance]) -> ccxt.binance:
    return exchange_for()


@pytest.fixture
def control(simulator: SimulatorServer) -> SimulatorControl:
    return SimulatorControl(simulator.base_url, TOKEN)


def d(value: object) -> Decimal:
    """ccxt's unified numbers are floats; compare them as the Decimals they were sent as."""
    return Decimal(str(value))
