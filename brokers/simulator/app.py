"""The simulator as one object: options -> markets, prices, engine, faults; a request in, a
response out. No sockets here (see `server.py`), so all of it runs in unit tests."""

from __future__ import annotations

import logging
import secrets
import string
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import auth, control_api, rest
from .clock import Clock, SystemClock
from .engine import Engine
from .engine_config import EngineConfig
from .errors import BinanceError
from .faults import Fault, FaultConfig, FaultInjector
from .markets import market_table
from .messages import Request, Response, binance_error, json_response, text_response
from .params import Params
from .prices import PriceBoard, build_drivers, parse_price_source

logger = logging.getLogger(__name__)

DEMO_BALANCES: dict[str, Decimal] = {
    "USDT": Decimal("100000"),
    "BTC": Decimal("1"),
    "ETH": Decimal("10"),
    "BNB": Decimal("20"),
    "SOL": Decimal("100"),
}
_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def new_api_key() -> str:
    """64 letters and digits, like a Binance key (and secret)."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))


@dataclass
class AccountSeed:
    api_key: str
    api_secret: str
    balances: dict[str, Decimal] = field(default_factory=lambda: dict(DEMO_BALANCES))


@dataclass
class SimulatorOptions:
    host: str = "127.0.0.1"
    port: int = 9009  # 0: any free port
    seed: int = 0
    price_source: str = "walk"  # walk | stocks | csv:PATH
    tick_seconds: float = 1.0  # 0: prices move only through POST /_sim/tick and price sets
    history_minutes: int = 1000  # one-minute candles made up (walk) or replayed before "now"
    volatility: Decimal = Decimal(1)  # multiplies every market's random-walk step size
    control_token: str = ""  # empty: a random one is made (and printed by the command)
    engine: EngineConfig = field(default_factory=EngineConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    accounts: list[AccountSeed] = field(default_factory=list)
    extra_markets: int = 0  # made-up pairs (X001USDT, ...) beside the real ones, for load tests


class SimulatorApp:
    def __init__(
        self,
        options: SimulatorOptions,
        *,
        clock: Clock | None = None,
        wait: Callable[[float | None], None] | None = None,
    ) -> None:
        parse_price_source(options.price_source)  # fail early on a typo
        self.options = options
        self.clock = clock or SystemClock()
        self.control_token = options.control_token or secrets.token_urlsafe(24)
        kind = options.price_source.partition(":")[0].lower()
        markets = market_table(include_stocks=kind == "stocks", extra=options.extra_markets)
        drivers = build_drivers(
            markets,
            source=options.price_source,
            seed=options.seed,
            history=options.history_minutes,
            volatility=options.volatility,
        )
        board = PriceBoard(markets, drivers, self.clock, history=options.history_minutes)
        self.engine = Engine(markets, board, self.clock, options.engine)
        self.faults = FaultInjector(options.faults, clock=self.clock)
        self._wait = wait or _sleep_wait()
        self._counter_lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        for seed in options.accounts:
            self.engine.create_account(seed.api_key, seed.api_secret, seed.balances)

    # --- dispatch ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        """The response to send, or None to drop the connection without one (a hang fault)."""
        if request.path.startswith("/_sim/"):
            return control_api.handle(self, request)
        endpoint = rest.ROUTES.get((request.method, request.path))
        with self._counter_lock:
            self.requests[request.route if endpoint else "unknown"] += 1
        if endpoint is None:
            return self._count(
                json_response({"code": -1099, "msg": "Not found, unauthenticated, or unauthorized."}, 404)
            )
        client = request.header("X-MBX-APIKEY") or request.client_ip
        fault = self.faults.decide(request.method, request.path, client)
        response: Response | None
        if fault is None:
            response = self._run(endpoint, request)
        else:
            logger.info("simulator fault %s on %s", fault.kind, request.route)
            response = self._faulty(fault, endpoint, request)
        if response is not None:
            response.headers["X-MBX-USED-WEIGHT-1M"] = str(self.faults.used_weight(client))
            latency = self.faults.latency()
            if latency:
                self._wait(latency)  # the network's share, outside every lock
        return self._count(response)

    def _run(self, endpoint: rest.Endpoint, request: Request) -> Response:
        try:
            params = Params(request.query, request.body)
            api_key = ""
            if endpoint.signed:
                api_key = auth.authenticate(
                    api_key=request.header("X-MBX-APIKEY"),
                    query=request.query,
                    body=request.body,
                    params=params.values,
                    secret_for=self._secret_for,
                    now_ms=self.clock.now_ms(),
                )
            return json_response(endpoint.handler(self.engine, params, api_key))
        except BinanceError as error:
            return binance_error(error)
        except Exception:  # a bug must still answer like Binance does, and show in the log
            logger.exception("simulator error on %s", request.route)
            return json_response(
                {"code": -1000, "msg": "An unknown error occurred while processing the request."}, 500
            )

    def _faulty(self, fault: Fault, endpoint: rest.Endpoint, request: Request) -> Response | None:
        if fault.kind in ("rate_limit", "ban"):
            return json_response(fault.payload, fault.status, {"Retry-After": str(fault.retry_after or 1)})
        if fault.kind == "error":
            if fault.after_apply:
                self._run(endpoint, request)  # carried out; only the answer is lost
            title = f"{fault.status} {_STATUS_TEXT.get(fault.status, 'Server Error')}"
            return text_response(fault.status, f"<html><body><h1>{title}</h1></body></html>")
        # a timeout: hold the connection, then close it, with or without the (late) answer
        if fault.after_apply:
            response = self._run(endpoint, request)
            self._wait(fault.hang_seconds)
            return response if fault.respond_after_hang else None
        self._wait(fault.hang_seconds)
        return self._run(endpoint, request) if fault.respond_after_hang else None

    def _secret_for(self, api_key: str) -> str | None:
        account = self.engine.account(api_key)
        return None if account is None else account.api_secret

    def _count(self, response: Response | None) -> Response | None:
        with self._counter_lock:
            self.statuses[response.status if response else 0] += 1
        return response

    # --- for the control API -----------------------------------------------------------------------

    def counters(self) -> dict[str, Any]:
        with self._counter_lock:
            return {
                "requests": sum(self.requests.values()),
                "by_endpoint": dict(self.requests),
                "by_status": {str(k) if k else "dropped": v for k, v in self.statuses.items()},
            }


def _sleep_wait() -> Callable[[float | None], None]:
    event = threading.Event()  # never set: a plain sleep that never answers "never" forever

    def wait(seconds: float | None) -> None:
        event.wait(3600 if seconds is None else seconds)

    return wait
