"""A real Kotak simulator on a free port per test, on a hand-driven clock, reached over HTTP the
way Kotak's own clients talk to Kotak."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, time
from decimal import Decimal

import pytest

from brokers.kotak_simulator import (
    KotakSimCredentials,
    KotakSimulatorControl,
    KotakSimulatorOptions,
    KotakSimulatorServer,
    ManualClock,
)
from brokers.nse_calendar import NSECalendar

from .kotak_client import KotakClient

TOKEN = "kotak-control-token"
CALENDAR = NSECalendar()
FRIDAY = date(2025, 12, 5)  # an ordinary NSE trading day


def ist_ms(day: date, hour: int, minute: int = 0) -> int:
    return int(CALENDAR.at_ist(day, time(hour, minute)).timestamp() * 1000)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ist_ms(FRIDAY, 10, 0))


@pytest.fixture
def make_sim(clock: ManualClock) -> Iterator[Callable[..., KotakSimulatorServer]]:
    servers: list[KotakSimulatorServer] = []

    def make(**overrides: object) -> KotakSimulatorServer:
        values: dict[str, object] = {
            "port": 0,
            "clock": clock,
            "seed": 11,
            "tick_seconds": 0,
            "step_seconds": 60,
            "history_days": 40,
            "control_token": TOKEN,
        }
        values.update(overrides)
        server = KotakSimulatorServer(KotakSimulatorOptions(**values)).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def sim(make_sim: Callable[..., KotakSimulatorServer]) -> KotakSimulatorServer:
    return make_sim()


@pytest.fixture
def control(sim: KotakSimulatorServer) -> KotakSimulatorControl:
    return KotakSimulatorControl(sim.base_url, TOKEN)


@pytest.fixture
def creds(sim: KotakSimulatorServer) -> KotakSimCredentials:
    return sim.provision_account(funds=Decimal(500_000))


@pytest.fixture
def neo(sim: KotakSimulatorServer, creds: KotakSimCredentials) -> KotakClient:
    client = KotakClient(sim.base_url, creds)
    client.login()
    return client


def ltp(client: KotakClient, scrip: str = "2885") -> Decimal:
    return Decimal(client.quote(scrip, "ltp").json()[0]["ltp"])
