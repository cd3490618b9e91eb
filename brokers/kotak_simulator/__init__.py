"""The Kotak-Neo-compatible simulator: Kotak Neo's trade API (login in two steps, `jData` orders,
reports, portfolio, limits, quotes, scrip master) over HTTP, with NSE hours and holidays, a seeded
market, AMO, risk rejections, fault injection and a control API. The wire format it speaks is
docs/reference/kotak-neo-wire.md.

    from brokers.kotak_simulator import KotakSimulatorServer, KotakSimulatorOptions, ManualClock
    with KotakSimulatorServer(KotakSimulatorOptions(port=0, clock=ManualClock(ms))) as server:
        creds = server.provision_account()
        ...  # log in at server.base_url with creds

`manage.py kotak_simulator` runs it standalone; `make run` starts it inside its process
(config/embedded.py, start_kotak_simulator). Only the management command touches Django."""

from brokers.simulator.clock import Clock, ManualClock, SystemClock
from brokers.simulator.faults import FaultConfig

from .accounts import DEFAULT_FUNDS, DEMO_HOLDINGS, KotakSimCredentials
from .app import PUBLIC_CONSUMER_KEY, KotakSimulatorApp, KotakSimulatorOptions
from .control import KotakSimulatorControl, KotakSimulatorControlError
from .server import KotakSimulatorServer
from .symbols import SCRIPS, ScripSpec

__all__ = [
    "DEFAULT_FUNDS",
    "DEMO_HOLDINGS",
    "PUBLIC_CONSUMER_KEY",
    "SCRIPS",
    "Clock",
    "FaultConfig",
    "KotakSimCredentials",
    "KotakSimulatorApp",
    "KotakSimulatorControl",
    "KotakSimulatorControlError",
    "KotakSimulatorOptions",
    "KotakSimulatorServer",
    "ManualClock",
    "ScripSpec",
    "SystemClock",
]
