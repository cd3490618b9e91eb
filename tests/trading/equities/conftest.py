"""The NSE strategy against the Kotak simulator over HTTP, with a frozen clock the test moves
(time-machine: the platform, its eagerly run Celery tasks and the simulator's server thread all
read the same time). The simulator's market is made up from a seed: with seed 3 and the rules
below, Monday 23 November 2026's close has two stocks whose dip passes every entry rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
import time_machine

from brokers.adapters.kotak import KotakNeoAdapter
from brokers.kotak_simulator import SCRIPS, KotakSimulatorOptions, KotakSimulatorServer
from brokers.nse_calendar import IST
from brokers.services import exchange_config_create
from trading.equities.services.runner import strategy_task_run
from trading.equities.strategy.params import StrategyParams
from trading.equities.strategy.scan import scan_symbol

SEED = 3
RULES = {"min_combined_score": "10", "user_capital": "50000"}
UNIVERSE = [spec.symbol for spec in SCRIPS]
MONDAY_CLOSE = (2026, 11, 23, 15, 45)


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=IST)  # type: ignore[misc]


class Nse:
    def __init__(self, traveller: Any, server: KotakSimulatorServer, user: Any, account: Any) -> None:
        self.traveller, self.server, self.user, self.account = traveller, server, user, account

    def at(self, moment: datetime) -> None:
        self.traveller.move_to(moment)

    def run(self, task: str, moment: datetime) -> str:
        """What beat does at `moment`: send the trader's task (run eagerly here)."""
        self.at(moment)
        return strategy_task_run(user_id=str(self.user.pk), task=task)

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method,
            f"{self.server.base_url.rstrip('/')}/_sim/{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.server.app.control_token}"},
            timeout=10,
        )
        assert response.status_code < 300, response.text
        return response.json()

    def price(self, symbol: str) -> Decimal:
        quotes = {row["symbol"]: row for row in self.control("GET", "state")["symbols"]}
        return Decimal(quotes[symbol]["price"])

    def reference_picks(self, params: StrategyParams) -> list[str]:
        """What the strategy's rules pick on the simulator's candles, read straight from the
        simulator (not through the platform's market data store)."""
        public = KotakNeoAdapter.public(
            login_base_url=self.server.base_url,
            consumer_key=self.server.options.public_consumer_key,
            exchange_id="kotak_simulator",
            candles_url=f"{self.server.base_url.rstrip('/')}/_sim/candles",
        )
        try:
            verdicts = [scan_symbol(s, public.fetch_ohlcv(s, "1d", limit=1000), params) for s in UNIVERSE]
        finally:
            public.close()
        return sorted(v.symbol for v in verdicts if v.tradeable)


@pytest.fixture
def nse(settings: Any, eager_celery: None, trader: Any) -> Iterator[Nse]:
    """The trader's Kotak simulator account, the clock at Monday 15:45 IST."""
    with time_machine.travel(ist(*MONDAY_CLOSE), tick=False) as traveller:
        options = KotakSimulatorOptions(port=0, seed=SEED, tick_seconds=0, history_days=1000)
        with KotakSimulatorServer(options) as server:
            settings.KOTAK_SIMULATOR_URL = server.base_url
            settings.KOTAK_SIMULATOR_CONTROL_TOKEN = server.app.control_token
            settings.KOTAK_SIMULATOR_PUBLIC_KEY = server.options.public_consumer_key
            account = exchange_config_create(user=trader, exchange="kotak_simulator", mode="testnet")
            yield Nse(traveller, server, trader, account)
