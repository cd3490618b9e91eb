"""The built-in exchange simulator: a subset of Binance spot REST, served over HTTP, that ccxt's
`binance` class talks to unchanged (paper trading without internet, and the real ccxt code path
in tests).

    from brokers.simulator import SimulatorServer, SimulatorOptions, simulator_exchange
    with SimulatorServer(SimulatorOptions(port=0, tick_seconds=0)) as server:
        exchange = simulator_exchange(server.base_url, key, secret)

`manage.py exchange_simulator` runs it standalone; `start_embedded()` inside another process.
Only `control.py` (lazily) and the management command touch Django; the rest is plain Python.
"""

from .app import AccountSeed, SimulatorApp, SimulatorOptions, new_api_key
from .ccxt_client import simulator_exchange
from .clock import Clock, ManualClock, SystemClock
from .control import (
    EmbeddedSimulator,
    SimulatorControl,
    SimulatorControlError,
    start_embedded,
)
from .engine import Engine
from .engine_config import EngineConfig
from .faults import FaultConfig
from .markets import CRYPTO_MARKETS, STOCK_MARKETS, MarketSpec, market_table
from .server import SimulatorServer

__all__ = [
    "CRYPTO_MARKETS",
    "STOCK_MARKETS",
    "AccountSeed",
    "Clock",
    "EmbeddedSimulator",
    "Engine",
    "EngineConfig",
    "FaultConfig",
    "ManualClock",
    "MarketSpec",
    "SimulatorApp",
    "SimulatorControl",
    "SimulatorControlError",
    "SimulatorOptions",
    "SimulatorServer",
    "SystemClock",
    "market_table",
    "new_api_key",
    "simulator_exchange",
    "start_embedded",
]
