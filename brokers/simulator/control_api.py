"""The simulator's own control API under `/_sim/`, for admins (through Django), the embedded
runner and tests. Every call needs `Authorization: Bearer <SIMULATOR_CONTROL_TOKEN>`.

    GET  /_sim/state                     markets and prices, accounts (no secrets), counters,
                                         orders placed in all and client ids reused
    PUT  /_sim/prices/{symbol}           {"price": "64000.5"} (rounded to the tick)
    POST /_sim/tick                      {"steps": 10} advance every price driver
    GET  /_sim/faults | PUT /_sim/faults {"error_rate": 0.1, "after_apply": true, "latency_ms": 30, ...}
    GET  /_sim/engine | PUT /_sim/engine {"liquidity_per_tick": "1000", "spread_bps": "2", ...}
    POST /_sim/accounts                  {"api_key", "api_secret", "balances": {"USDT": "1000"},
                                          "set_balances": false, "can_trade": true, "can_withdraw": false}
    GET  /_sim/accounts/{api_key}        one account's balances and open orders
"""

from __future__ import annotations

import hmac
import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from .errors import BinanceError
from .markets import normalize_symbol
from .messages import Request, Response, json_response

if TYPE_CHECKING:
    from .accounts import Account
    from .clock import Clock
    from .engine import Engine
    from .faults import FaultInjector


class _Options(Protocol):
    seed: int
    price_source: str
    tick_seconds: float


class SimulatorApp(Protocol):
    """The simulator as this API steers it (app.SimulatorApp, which dispatches `/_sim/` here)."""

    clock: Clock
    control_token: str
    engine: Engine
    faults: FaultInjector

    @property
    def options(self) -> _Options: ...

    def counters(self) -> dict[str, Any]: ...


MAX_TICK_STEPS = 100_000


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _decimal(value: Any, name: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ControlError(400, f"{name} must be a decimal number") from None
    if not number.is_finite() or number < 0:
        raise ControlError(400, f"{name} must be a non-negative decimal number")
    return number


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except ValueError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _symbol(app: SimulatorApp, text: str) -> str:
    symbol = normalize_symbol(text)
    if symbol not in app.engine.markets:
        raise ControlError(404, f"no market {text!r}")
    return symbol


def state(app: SimulatorApp) -> dict[str, Any]:
    engine = app.engine
    with engine.lock:
        markets = []
        for symbol, spec in engine.markets.items():
            bid, ask = engine.quote(symbol)
            markets.append(
                {
                    "symbol": symbol,
                    "base": spec.base,
                    "quote": spec.quote,
                    "price": str(engine.board.price(symbol)),
                    "bid": str(bid),
                    "ask": str(ask),
                    "tick_size": str(spec.tick_size),
                    "step_size": str(spec.step_size),
                    "min_qty": str(spec.min_qty),
                    "min_notional": str(spec.min_notional),
                    "driver": engine.board.drivers[symbol].describe(),
                }
            )
        return {
            "server_time": app.clock.now_ms(),
            "price_source": app.options.price_source,
            "seed": app.options.seed,
            "tick_seconds": app.options.tick_seconds,
            "steps": engine.board.steps,
            "markets": markets,
            "accounts": [_account_summary(app, account) for account in engine.accounts()],
            "open_orders": engine.open_order_count(),
            "orders": engine.order_totals(),
            "engine": engine.config.as_dict(),
            "faults": app.faults.state(),
            "counters": app.counters(),
        }


def _account_summary(app: SimulatorApp, account: Account) -> dict[str, Any]:
    """What an admin may see: the key masked, permissions, counts, non-zero balances."""
    return {
        "api_key": account.masked_key,
        "can_trade": account.can_trade,
        "can_withdraw": account.can_withdraw,
        "open_orders": app.engine.book.open_count(account.api_key),
        "trades": len(app.engine.book.trades.get(account.api_key, [])),
        "balances": {
            asset: {"free": str(b.free), "locked": str(b.locked)}
            for asset, b in account.balances.items()
            if b.total
        },
    }


def _set_price(app: SimulatorApp, symbol: str, body: dict[str, Any]) -> dict[str, Any]:
    price = _decimal(body.get("price"), "price")
    if not price:
        raise ControlError(400, "price must be positive")
    applied = app.engine.set_price(_symbol(app, symbol), price)
    return {"symbol": normalize_symbol(symbol), "price": str(applied)}


def _tick(app: SimulatorApp, body: dict[str, Any]) -> dict[str, Any]:
    steps = body.get("steps", 1)
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= MAX_TICK_STEPS:
        raise ControlError(400, f"steps must be an integer from 1 to {MAX_TICK_STEPS}")
    app.engine.tick(steps)
    with app.engine.lock:
        return {
            "steps": app.engine.board.steps,
            "prices": {s: str(p) for s, p in app.engine.board.prices.items()},
        }


def _set_faults(app: SimulatorApp, body: dict[str, Any]) -> dict[str, Any]:
    try:
        app.faults.configure(**body)
    except (TypeError, ValueError) as exc:
        raise ControlError(400, str(exc)) from None
    return app.faults.state()


def _set_engine(app: SimulatorApp, body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name == "max_open_orders":
            if not isinstance(value, int) or value < 1:
                raise ControlError(400, "max_open_orders must be a positive integer")
            changes[name] = value
        else:
            changes[name] = _decimal(value, name, allow_none=name == "liquidity_per_tick")
    try:
        return app.engine.configure(**changes).as_dict()
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None


def _create_account(app: SimulatorApp, body: dict[str, Any]) -> dict[str, Any]:
    api_key, api_secret = body.get("api_key"), body.get("api_secret")
    if not isinstance(api_key, str) or not isinstance(api_secret, str) or len(api_key) < 8 or not api_secret:
        raise ControlError(400, "api_key (8+ characters) and api_secret are required strings")
    balances = body.get("balances") or {}
    if not isinstance(balances, dict):
        raise ControlError(400, "balances must map assets to amounts")
    amounts = {
        str(asset).upper(): _decimal(v, f"balances.{asset}") or Decimal(0) for asset, v in balances.items()
    }
    account = app.engine.create_account(
        api_key,
        api_secret,
        amounts,
        set_balances=bool(body.get("set_balances", False)),
        can_trade=bool(body.get("can_trade", True)),
        can_withdraw=bool(body.get("can_withdraw", False)),
    )
    return _account_view(app, account.api_key)


def _account_view(app: SimulatorApp, api_key: str) -> dict[str, Any]:
    account = app.engine.account(api_key)
    if account is None:
        raise ControlError(404, "no such account")
    return {
        "api_key": account.masked_key,
        "can_trade": account.can_trade,
        "can_withdraw": account.can_withdraw,
        "balances": {a: {"free": str(b.free), "locked": str(b.locked)} for a, b in account.balances.items()},
        "open_orders": [
            {
                "symbol": o.symbol,
                "order_id": o.order_id,
                "client_order_id": o.client_order_id,
                "side": o.side.value,
                "price": str(o.price),
                "quantity": str(o.orig_qty),
                "filled": str(o.executed_qty),
            }
            for o in app.engine.open_orders(api_key)
        ],
    }


def handle(app: SimulatorApp, request: Request) -> Response:
    auth = request.header("Authorization") or ""
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), app.control_token.encode()):
        return json_response(
            {"detail": "control token missing or wrong"}, 401, {"WWW-Authenticate": "Bearer"}
        )
    parts = [unquote(p) for p in request.path.removeprefix("/_sim/").strip("/").split("/")]
    method = request.method
    try:
        body = _body(request) if method in ("PUT", "POST") else {}
        match (method, parts):
            case ("GET", ["state"]):
                return json_response(state(app))
            case ("PUT", ["prices", symbol]):
                return json_response(_set_price(app, symbol, body))
            case ("POST", ["tick"]):
                return json_response(_tick(app, body))
            case ("GET", ["faults"]):
                return json_response(app.faults.state())
            case ("PUT", ["faults"]):
                return json_response(_set_faults(app, body))
            case ("GET", ["engine"]):
                return json_response(app.engine.config.as_dict())
            case ("PUT", ["engine"]):
                return json_response(_set_engine(app, body))
            case ("POST", ["accounts"]):
                return json_response(_create_account(app, body), 201)
            case ("GET", ["accounts", api_key]):
                return json_response(_account_view(app, api_key))
        raise ControlError(404, f"no control endpoint {method} {request.path}")
    except ControlError as exc:
        return json_response({"detail": exc.detail}, exc.status)
    except (BinanceError, ValueError) as exc:
        return json_response({"detail": str(exc)}, 400)
