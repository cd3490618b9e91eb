"""The execution engine against a real exchange simulator over HTTP (no mocked exchange).

`engine` runs Celery tasks eagerly, in the test's thread, right after each commit: a webhook or
a service call carries on through placement and cancellation exactly as a worker would, and the
test then moves the simulator's price and runs the monitors itself (beat is not running).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from brokers import markets, ratelimit
from brokers.adapters.cache import forget_adapters
from brokers.models import ExchangeConfig
from brokers.services import exchange_config_create
from brokers.simulator import SimulatorOptions
from brokers.simulator.control import EmbeddedSimulator, SimulatorControl, start_embedded
from config.celery import app as celery_app
from trading.dca import services as dca_services
from trading.dca.models import DCAConfig
from trading.positions.marks import marks_freshen
from trading.positions.models import DCAOrder, PositionGroup
from trading.signals.models import Signal, SignalStatus

LEVELS = [
    {"gap_percent": "0", "weight_percent": "40", "tp_percent": "1"},
    {"gap_percent": "-1", "weight_percent": "30", "tp_percent": "1"},
    {"gap_percent": "-2", "weight_percent": "30", "tp_percent": "1.5"},
]


DECIMAL_FIELDS = {
    "tp_aggregate_percent",
    "trailing_deviation_percent",
    "stop_loss_percent",
    "cancel_dca_beyond_percent",
    "capital_per_pyramid",
    "max_total_exposure",
    "base_order",
    "safety_order",
    "step_percent",
    "step_scale",
    "volume_scale",
}


@pytest.fixture(scope="session")
def engine_simulator() -> Iterator[EmbeddedSimulator]:
    # tick_seconds=0: prices move only when a test sets them.
    sim = start_embedded(SimulatorOptions(port=0, tick_seconds=0, history_minutes=30))
    yield sim
    sim.stop()


@dataclass
class Engine:
    sim: EmbeddedSimulator
    user: Any
    account: ExchangeConfig

    @property
    def control(self) -> SimulatorControl:
        return self.sim.control

    def price(self, symbol: str, price: str | Decimal) -> None:
        self.control.set_price(symbol, price)

    def config(self, **fields: Any) -> DCAConfig:
        data: dict[str, Any] = {
            "exchange": "simulator",
            "symbol": "BTC/USDT",
            "timeframe": "1h",
            "levels": LEVELS,
        }
        # As the API's serializer hands them over: decimals as Decimal.
        data.update(
            {k: Decimal(v) if isinstance(v, str) and k in DECIMAL_FIELDS else v for k, v in fields.items()}
        )
        return dca_services.dca_config_create(user=self.user, fields=data)

    def signal(
        self,
        *,
        intent: str = "signal",
        price: str = "100",
        symbol: str = "BTC/USDT",
        process: bool = True,
        **extra: Any,
    ) -> Signal:
        """A received signal as the webhook stores it, then processed as the worker would."""
        from trading.queue.services.processing import signal_process

        sent_at: datetime = extra.pop("sent_at", None) or timezone.now()
        parsed = {"order_size": extra.pop("order_size", "1000"), "position_size_type": "quote", **extra}
        signal = Signal.objects.create(
            user=self.user,
            account=self.account,
            exchange="simulator",
            symbol=symbol,
            timeframe=extra.pop("timeframe", "1h"),
            side=extra.pop("side", "long"),
            intent_type=intent,
            price=Decimal(price),
            parsed=parsed,
            idempotency_key=uuid.uuid4().hex,
            status=SignalStatus.RECEIVED,
            sent_at=sent_at,
        )
        if process:
            signal_process(signal_id=str(signal.pk))
            signal.refresh_from_db()
        return signal

    def monitor(self) -> None:
        """One fill-monitor tick and one take-profit tick, as beat would run them (the
        dispatchers, whose batches run eagerly), then the fill tick that sees what they sent."""
        from trading.execution.tasks import monitor_fills
        from trading.takeprofit.tasks import check_take_profits

        monitor_fills.delay()
        check_take_profits.delay()
        monitor_fills.delay()

    def group(self) -> PositionGroup:
        """The user's newest group as every reader sees it: a quiet group's mark is brought to
        its symbol's latest tick first (trading/positions/marks.py)."""
        marks_freshen(users=[self.user])
        return PositionGroup.objects.filter(user=self.user).latest("opened_at")

    def legs(self, group: PositionGroup | None = None) -> list[DCAOrder]:
        group = group or self.group()
        return list(DCAOrder.objects.filter(group=group, role="leg").order_by("pyramid__index", "level"))

    def balance(self, asset: str) -> Decimal:
        balances = self.control.account(str(self.account.api_key))["balances"]
        entry = balances.get(asset) or {}
        return Decimal(str(entry.get("free", "0"))) + Decimal(str(entry.get("locked", "0")))


@pytest.fixture
def eager_celery() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def make_engine(
    settings: Any, engine_simulator: EmbeddedSimulator, eager_celery: None
) -> Iterator[Callable[..., Engine]]:
    settings.SIMULATOR_URL = engine_simulator.base_url
    settings.SIMULATOR_CONTROL_TOKEN = engine_simulator.control.token
    settings.RATELIMIT_BURST_SECONDS = 60
    settings.EXCHANGE_TIMEOUT_MS = 3000
    settings.TICKER_CACHE_SECONDS = 0  # each monitor tick sees the price the test just set
    markets.forget_markets()
    ratelimit.reset_local_state()
    forget_adapters()
    engine_simulator.control.clear_faults()
    engine_simulator.control.set_faults(match=[], after_apply=False, count=None, hang_seconds=30.0)
    engine_simulator.control.set_price("BTC/USDT", "100")
    engine_simulator.control.set_price("ETH/USDT", "100")

    def make(user: Any) -> Engine:
        account = exchange_config_create(user=user, exchange="simulator", mode="testnet", label="main")
        return Engine(engine_simulator, user, account)

    yield make
    engine_simulator.control.clear_faults()
    engine_simulator.control.set_faults(match=[], after_apply=False, count=None, hang_seconds=30.0)
    forget_adapters()
    markets.forget_markets()


@pytest.fixture
def engine(make_engine: Callable[..., Engine], trader: Any) -> Engine:
    return make_engine(trader)
