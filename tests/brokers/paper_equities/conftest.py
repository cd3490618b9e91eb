from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from accounts.models import User
from brokers.models import ExchangeConfig
from brokers.nse_calendar import IST
from brokers.paper_equities.adapter import PaperEquitiesAdapter
from brokers.paper_equities.services import paper_equities_account_create
from brokers.simulator.clock import ManualClock
from tests.brokers.paper_equities.nse_prices import NsePrices

D = Decimal
# A plain trading week of 2025: Mon 3 .. Fri 7 March (Holi closes NSE on Fri 14 March).
MONDAY = date(2025, 3, 3)
TUESDAY = date(2025, 3, 4)


def ms(day: date, clock_time: str) -> int:
    """`clock_time` (HH:MM, India) on `day` in epoch milliseconds, for the ManualClock."""
    hours, minutes = (int(part) for part in clock_time.split(":"))
    return int(datetime.combine(day, time(hours, minutes), tzinfo=IST).timestamp() * 1000)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ms(MONDAY, "10:00"))


@pytest.fixture
def set_time(clock: ManualClock) -> Callable[[date, str], None]:
    def move(day: date, clock_time: str) -> None:
        clock.set(ms(day, clock_time))

    return move


@pytest.fixture
def prices() -> NsePrices:
    source = NsePrices()
    source.set_price("RELIANCE", "1250.00")
    source.set_price("TCS", "3500.00")
    source.set_price("INFY", "250.00")
    return source


@pytest.fixture
def open_paper_nse(prices: NsePrices, clock: ManualClock) -> Callable[..., PaperEquitiesAdapter]:
    """A paper NSE account of `user`: Rs 2,00,000, no slippage unless told."""

    def make(user: User, label: str = "default", **options: object) -> PaperEquitiesAdapter:
        config = ExchangeConfig.objects.create(
            user=user, exchange="paper_nse", label=label, price_source="kotak_simulator"
        )
        options.setdefault("slippage_bps", D(0))
        paper_equities_account_create(config=config, **options)  # type: ignore[arg-type]  # test helper
        return PaperEquitiesAdapter(config, prices, clock=clock)

    return make


@pytest.fixture
def paper(trader: User, open_paper_nse: Callable[..., PaperEquitiesAdapter]) -> PaperEquitiesAdapter:
    return open_paper_nse(trader)
