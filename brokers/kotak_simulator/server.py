"""The Kotak simulator's HTTP server: the crypto simulator's threading HTTP server (a thread per
connection, keep-alive) carrying this app, plus a ticker thread that keeps prices moving with the
clock between requests. `start` serves from background threads (tests, the embedded runner);
`serve_forever` in the foreground (the management command)."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal
from typing import Any

from brokers.simulator.server import BackgroundServer

from .accounts import DEFAULT_FUNDS, DEMO_HOLDINGS, KotakSimCredentials
from .app import KotakSimulatorApp, KotakSimulatorOptions
from .control import KotakSimulatorControl

logger = logging.getLogger(__name__)


class KotakSimulatorServer(BackgroundServer):
    name = "kotak-simulator"
    app: KotakSimulatorApp
    options: KotakSimulatorOptions

    def __init__(self, options: KotakSimulatorOptions | None = None) -> None:
        self.options = options or KotakSimulatorOptions()
        self._stop = threading.Event()  # `_hang` needs it before the app exists
        self.app = KotakSimulatorApp(self.options, wait=self._hang)
        # The crypto simulator's server only calls app.handle(request): this app speaks the same.
        self._serve(self.app)
        self.app.base_url = self.base_url

    def _tick(self) -> None:
        self.app.sync()

    @property
    def control(self) -> KotakSimulatorControl:
        return KotakSimulatorControl(self.base_url, self.app.control_token)

    # --- in-process helpers for tests and the embedded runner ------------------------------------
    def provision_account(
        self,
        *,
        funds: Decimal = DEFAULT_FUNDS,
        holdings: dict[str, tuple[int, Decimal]] | None = None,
        **given: str,
    ) -> KotakSimCredentials:
        """A funded account (by default with the two demo holdings); fields not given are made up."""
        account = self.app.provision(
            given, funds=funds, holdings=DEMO_HOLDINGS if holdings is None else holdings
        )
        return account.credentials

    def set_price(self, symbol: str, price: Decimal) -> Decimal:
        return self.app.set_price(self.app.engine.index[symbol.upper()].symbol, price)

    def expire_sessions(self, ucc: str | None = None) -> int:
        with self.app.lock:
            return self.app.sessions.expire(ucc=ucc)

    def __repr__(self) -> Any:
        return f"KotakSimulatorServer({self.base_url})"
