"""A real Kotak Neo simulator on a free port per test, driven by a hand-moved clock, and the
adapter talking to it over HTTP exactly as it talks to Kotak. The simulator is steered only
through its control API (`/_sim/...`), as an admin would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from brokers.adapters.kotak import KotakCredentials, KotakNeoAdapter, MemorySessionStore
from brokers.kotak_simulator import KotakSimulatorOptions, KotakSimulatorServer, ManualClock
from brokers.nse_calendar import IST

CONTROL_TOKEN = "kotak-adapter-tests-control"
PUBLIC_KEY = "kotak-adapter-tests-public"
EXCHANGE = "kotak_simulator"
# A valid TOTP secret that is not the account's (pyotp wants at least 112 bits).
WRONG_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Wednesday 3 December 2025, an NSE trading day, 10:00 in India.
TRADING_MORNING = datetime(2025, 12, 3, 10, 0, tzinfo=IST)


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=IST)  # type: ignore[misc]  # year, month, day, hour, minute


@dataclass
class Sim:
    """The running simulator, its clock and its control API."""

    server: Any
    clock: ManualClock

    @property
    def url(self) -> str:
        return self.server.base_url.rstrip("/")

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now_ms() / 1000, tz=UTC)

    def move_to(self, at: datetime) -> None:
        self.clock.set(int(at.timestamp() * 1000))

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(int(delta.total_seconds() * 1000))

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method,
            f"{self.url}/_sim/{path}",
            json=body,
            headers={"Authorization": f"Bearer {CONTROL_TOKEN}"},
            timeout=10,
        )
        assert response.status_code < 300, response.text
        return response.json()

    def provision(self, **fields: Any) -> KotakCredentials:
        answer = self.control("POST", "accounts", fields)
        return KotakCredentials(
            consumer_key=answer["consumer_key"],
            consumer_secret=answer["consumer_secret"],
            mobile_number=answer["mobile_number"],
            ucc=answer["ucc"],
            mpin=answer["mpin"],
            totp_secret=answer["totp_secret"],
        )

    def set_price(self, symbol: str, price: str) -> None:
        self.control("PUT", f"prices/{symbol}", {"price": price})

    def expire_sessions(self) -> int:
        return self.control("POST", "sessions/expire", {})["expired"]

    def faults(self, **config: Any) -> None:
        self.control("PUT", "faults", config)

    def account(self, ucc: str) -> dict[str, Any]:
        return self.control("GET", f"accounts/{ucc}")


@pytest.fixture
def start_sim() -> Iterator[Callable[..., Sim]]:
    started: list[Sim] = []

    def start(**overrides: Any) -> Sim:
        clock = ManualClock(int(TRADING_MORNING.timestamp() * 1000))
        values: dict[str, Any] = {
            "port": 0,
            "clock": clock,
            "control_token": CONTROL_TOKEN,
            "public_consumer_key": PUBLIC_KEY,
            "seed": 11,
            "tick_seconds": 0,  # prices move only with the clock, so a price set stays set
            "history_days": 150,
        }
        values.update(overrides)
        server = KotakSimulatorServer(KotakSimulatorOptions(**values))
        server.start()
        started.append(Sim(server=server, clock=clock))
        return started[-1]

    yield start
    for sim in started:
        sim.server.stop()


@pytest.fixture
def sim(start_sim: Callable[..., Sim]) -> Sim:
    return start_sim()


@pytest.fixture
def credentials(sim: Sim) -> KotakCredentials:
    return sim.provision()


@pytest.fixture
def store() -> MemorySessionStore:
    return MemorySessionStore()


@pytest.fixture
def make_adapter(sim: Sim, store: MemorySessionStore) -> Iterator[Callable[..., KotakNeoAdapter]]:
    made: list[KotakNeoAdapter] = []

    def make(credentials: KotakCredentials, **overrides: Any) -> KotakNeoAdapter:
        values: dict[str, Any] = {
            "credentials": credentials,
            "login_base_url": sim.url,
            "exchange_id": EXCHANGE,
            "session_store": store,
            "session_key": "kotak:session:test",
            "timeout": 5.0,
            "candles_url": f"{sim.url}/_sim/candles",
            "clock": sim.now,
        }
        values.update(overrides)
        adapter = KotakNeoAdapter(**values)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


@pytest.fixture
def adapter(make_adapter: Callable[..., KotakNeoAdapter], credentials: KotakCredentials) -> KotakNeoAdapter:
    return make_adapter(credentials)


@pytest.fixture
def public(sim: Sim) -> Iterator[KotakNeoAdapter]:
    adapter = KotakNeoAdapter.public(
        login_base_url=sim.url,
        consumer_key=PUBLIC_KEY,
        exchange_id=EXCHANGE,
        candles_url=f"{sim.url}/_sim/candles",
        clock=sim.now,
    )
    yield adapter
    adapter.close()


def price_of(value: str) -> Decimal:
    return Decimal(value)
