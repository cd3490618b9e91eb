from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from brokers.nse_calendar import NSECalendar
from brokers.simulator.app import SimulatorOptions
from brokers.simulator.control import EmbeddedSimulator, start_embedded

D = Decimal
BASE_PRICE = D("2873.45")


@pytest.fixture
def admin_api(client_for: Callable[[User], APIClient], admin_user: User) -> APIClient:
    return client_for(admin_user)


@pytest.fixture(scope="module")
def simulator() -> Iterator[EmbeddedSimulator]:
    # The built-in crypto exchange on a free port with an hour of 1m candles; prices move only
    # when a test says so.
    sim = start_embedded(SimulatorOptions(port=0, tick_seconds=0, history_minutes=60))
    yield sim
    sim.stop()


@pytest.fixture
def running_simulator(settings, simulator: EmbeddedSimulator) -> EmbeddedSimulator:
    settings.SIMULATOR_URL = simulator.base_url
    settings.RATELIMIT_BURST_SECONDS = 60  # the fleet limiter has its own tests
    return simulator


def nse_days(start: date, end: date) -> list[date]:
    return NSECalendar().trading_days(start, end)


def daily_csv(days: Iterable[date], *, base: Decimal = BASE_PRICE) -> str:
    """A daily CSV with one plausible candle per day, prices in paise."""
    lines = ["date,open,high,low,close,volume"]
    for i, day in enumerate(days):
        close = base + D(i) / 20
        lines.append(f"{day.isoformat()},{close - 1},{close + 5},{close - 6},{close},{100000 + i}")
    return "\n".join(lines) + "\n"
