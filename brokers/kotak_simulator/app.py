"""The Kotak simulator as one object: options -> market, order system, sessions, faults; a request
in, a response out (no sockets here: `server.py` carries them)."""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from brokers.nse_calendar import NSECalendar
from brokers.simulator.clock import Clock, SystemClock
from brokers.simulator.faults import Fault, FaultConfig
from brokers.simulator.messages import Request, Response, text_response

from . import control_api, rest
from .accounts import DEFAULT_FUNDS, Account, Holding, new_credentials
from .engine import Engine
from .faults import PrefixFaultInjector
from .market import Market
from .sessions import SessionBook
from .symbols import SCRIPS
from .timeline import Timeline
from .wire import not_ok

logger = logging.getLogger(__name__)

PUBLIC_CONSUMER_KEY = "tradefleet-public"
_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class KotakSimulatorOptions:
    host: str = "127.0.0.1"
    port: int = 9010  # 0: any free port
    seed: int = 0
    clock: Clock | None = None  # None: the wall clock; ManualClock in tests
    calendar: NSECalendar | None = None  # None: NSE holidays from the library only
    control_token: str = ""  # empty: a random one (read it from app.control_token)
    public_consumer_key: str = PUBLIC_CONSUMER_KEY
    session_ttl_seconds: float = 86_400.0
    step_seconds: float = 5.0  # market time between two price steps
    tick_seconds: float = 1.0  # how often the server's ticker moves the clock's prices (0: only requests do)
    history_days: int = 750  # calendar days of daily candles made up before the start
    faults: FaultConfig = field(default_factory=FaultConfig)


class KotakSimulatorApp:
    def __init__(self, options: KotakSimulatorOptions, *, wait: Callable[[float | None], None]) -> None:
        self.options = options
        self.clock: Clock = options.clock or SystemClock()
        self.control_token = options.control_token or secrets.token_urlsafe(24)
        self.lock = threading.RLock()
        self.base_url = ""  # set by the server once its port is known
        calendar = options.calendar or NSECalendar()
        start = self.clock.now_ms()
        market = Market(
            SCRIPS,
            calendar=calendar,
            seed=options.seed,
            start_ms=start,
            step_seconds=options.step_seconds,
            history_days=options.history_days,
        )
        self.engine = Engine(market, calendar)
        self.timeline = Timeline(self.engine, start)
        self.sessions = SessionBook(session_ttl_seconds=options.session_ttl_seconds)
        self.faults = PrefixFaultInjector(options.faults, clock=self.clock)
        self._wait = wait
        self.sync()

    # --- time and state ------------------------------------------------------------------------
    def sync(self) -> None:
        """Bring prices, fills, the open, the square-off and the close up to the clock's now."""
        with self.lock:
            self.timeline.advance(self.clock.now_ms())

    def set_price(self, symbol: str, price: Decimal) -> Decimal:
        with self.lock:
            self.sync()
            now = self.clock.now_ms()
            applied = self.engine.market.set_price(symbol, price, now)
            self.engine.match_all(now)
            return applied

    def provision(
        self,
        given: dict[str, str],
        *,
        funds: Decimal = DEFAULT_FUNDS,
        holdings: dict[str, tuple[int, Decimal]] | None = None,
    ) -> Account:
        """A new account (or an existing consumer key registered again, its state reset)."""
        credentials = new_credentials(**given)
        with self.lock:
            for key, other in self.engine.accounts.items():
                if other.ucc == credentials.ucc and key != credentials.consumer_key:
                    raise ValueError(f"UCC {credentials.ucc} belongs to another consumer key")
            unknown = [s for s in (holdings or {}) if s not in self.engine.market.quotes]
            if unknown:
                raise ValueError(f"no symbol {unknown[0]!r}")
            account = Account(credentials, funds)
            for symbol, (quantity, average) in (holdings or {}).items():
                account.holdings[symbol] = Holding(quantity, average)
            self.engine.accounts[credentials.consumer_key] = account
            self.sessions.expire(ucc=credentials.ucc)
            return account

    def known_consumer_key(self, key: str | None) -> bool:
        key = (key or "").strip()
        if key and hmac.compare_digest(key.encode(), self.options.public_consumer_key.encode()):
            return True
        return key in self.engine.accounts

    def trading_base_url(self, request: Request) -> str:
        host = request.header("Host")
        return f"http://{host}" if host else self.base_url

    # --- dispatch -----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response | None:
        """The response to send, or None to drop the connection (a hang fault)."""
        if request.path.startswith("/_sim/"):
            return control_api.handle(self, request)
        handler = rest.route(request.method, request.path)
        if handler is None:
            return not_ok(404, "Resource not found", 404)
        fault = self.faults.decide(request.method, request.path, request.client_ip)
        if fault is None:
            response: Response | None = self._run(handler, request)
        else:
            logger.info("kotak simulator fault %s on %s", fault.kind, request.route)
            response = self._faulty(fault, handler, request)
        latency = self.faults.latency()
        if latency and response is not None:
            self._wait(latency)
        return response

    def _run(self, handler: rest.Handler, request: Request) -> Response:
        with self.lock:
            try:
                self.sync()
                return rest.run(handler, self, request)
            except Exception:  # a bug must still answer, and show in the log
                logger.exception("kotak simulator error on %s", request.route)
                return not_ok(500, "Unexpected error", 500)

    def _faulty(self, fault: Fault, handler: rest.Handler, request: Request) -> Response | None:
        if fault.kind == "error":
            if fault.after_apply:
                self._run(handler, request)  # carried out; only the answer is lost
            title = f"{fault.status} {_STATUS_TEXT.get(fault.status, 'Server Error')}"
            return text_response(fault.status, f"<html><body><h1>{title}</h1></body></html>")
        response = self._run(handler, request) if fault.after_apply else None
        self._wait(fault.hang_seconds)  # a timeout: hold the connection, outside the lock
        if fault.respond_after_hang:
            return response or self._run(handler, request)
        return None
