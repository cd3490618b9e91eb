"""A real exchange simulator over HTTP for the ccxt adapter tests (no mocked exchange).

One simulator serves the whole module (it takes ~0.1 s to start but holds state we reset
cheaply); every test gets fresh funded API keys, so tests never see each other's orders, and
faults are cleared after each test."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from brokers import markets, ratelimit
from brokers.adapters.ccxt_adapter import CcxtAdapter
from brokers.simulator.app import SimulatorOptions
from brokers.simulator.control import EmbeddedSimulator, SimulatorControl, start_embedded


def _key() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))


@dataclass
class Keys:
    api_key: str
    secret: str


@pytest.fixture(scope="session")
def simulator() -> Iterator[EmbeddedSimulator]:
    # tick_seconds=0: prices move only when a test sets them, so expectations are exact.
    sim = start_embedded(SimulatorOptions(port=0, tick_seconds=0, history_minutes=120))
    yield sim
    sim.stop()


def _reset_faults(control: SimulatorControl) -> None:
    # clear_faults() zeroes the rates but keeps `match`, `after_apply`, `count`... which the
    # next set_faults() would inherit; reset every field a test may set.
    control.clear_faults()
    control.set_faults(match=[], after_apply=False, count=None, hang_seconds=30.0)


@pytest.fixture
def control(simulator: EmbeddedSimulator) -> Iterator[SimulatorControl]:
    _reset_faults(simulator.control)
    yield simulator.control
    _reset_faults(simulator.control)


@pytest.fixture(autouse=True)
def _exchange_settings(settings, simulator: EmbeddedSimulator) -> Iterator[None]:
    settings.SIMULATOR_URL = simulator.base_url
    # Functional tests must not wait on the fleet limiter (ccxt's binance budget is 20 units/s);
    # the limiter has its own tests. 60 s of burst leaves it in place but never in the way.
    settings.RATELIMIT_BURST_SECONDS = 60
    settings.EXCHANGE_TIMEOUT_MS = 3000
    markets.forget_markets()
    ratelimit.reset_local_state()
    yield
    markets.forget_markets()
    ratelimit.reset_local_state()


@pytest.fixture
def funded(control: SimulatorControl) -> Callable[..., Keys]:
    """A new simulator account: `funded({"USDT": "1000"}, can_withdraw=True)`."""

    def make(balances: dict[str, str] | None = None, **flags: bool) -> Keys:
        keys = Keys(_key(), _key())
        control.create_account(
            keys.api_key,
            keys.secret,
            {k: Decimal(v) for k, v in (balances or {"USDT": "10000"}).items()},
            **flags,
        )
        return keys

    return make


@pytest.fixture
def adapter_for_keys() -> Iterator[Callable[[Keys], CcxtAdapter]]:
    made: list[CcxtAdapter] = []

    def make(keys: Keys) -> CcxtAdapter:
        adapter = CcxtAdapter("simulator", api_key=keys.api_key, secret=keys.secret)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


@pytest.fixture
def keys(funded: Callable[..., Keys]) -> Keys:
    return funded({"USDT": "10000", "BTC": "1"})


@pytest.fixture
def adapter(keys: Keys, adapter_for_keys: Callable[[Keys], CcxtAdapter]) -> CcxtAdapter:
    return adapter_for_keys(keys)


@pytest.fixture
def requests_to(control: SimulatorControl) -> Callable[[str], int]:
    """How many requests the simulator has served on `route` ("GET /api/v3/exchangeInfo")."""

    def count(route: str) -> int:
        return int(control.state()["counters"]["by_endpoint"].get(route, 0))

    return count
