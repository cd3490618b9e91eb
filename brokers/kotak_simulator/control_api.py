"""The simulator's control API under `/_sim/` (docs/reference/kotak-neo-wire.md lists it): every
call needs `Authorization: Bearer <control token>`, except `/_sim/candles`, which takes a consumer
key like Kotak's quotes."""

from __future__ import annotations

import hmac
import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from brokers.simulator.messages import Request, Response

from .accounts import DEMO_HOLDINGS, Account
from .market_data import CandleQueryError, candles
from .wire import gateway_refusal, iso_utc, json_response, money, to_ms, utc

if TYPE_CHECKING:
    from .app_protocol import KotakSimulatorApp


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ControlError(400, f"{name} must be a decimal number") from None
    if not number.is_finite() or number < 0:
        raise ControlError(400, f"{name} must be a non-negative decimal number")
    return number


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or "{}")
    except ValueError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _holdings(body: dict[str, Any]) -> dict[str, tuple[int, Decimal]]:
    if "holdings" not in body or body["holdings"] is None:
        return dict(DEMO_HOLDINGS)
    out = {}
    for item in body["holdings"]:
        if not isinstance(item, dict):
            raise ControlError(400, "holdings must be a list of {symbol, quantity, average_price}")
        symbol = str(item.get("symbol", "")).upper()
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or quantity <= 0:
            raise ControlError(400, "holdings quantities must be positive integers")
        out[symbol] = (quantity, _decimal(item.get("average_price"), "average_price"))
    return out


def provision(app: KotakSimulatorApp, body: dict[str, Any]) -> dict[str, Any]:
    fields = ("consumer_key", "consumer_secret", "mobile_number", "ucc", "mpin", "totp_secret")
    given = {name: str(body[name]) for name in fields if body.get(name)}
    funds = _decimal(body.get("funds", "500000"), "funds")
    try:
        account = app.provision(given, funds=funds, holdings=_holdings(body))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    creds = account.credentials
    return {
        **{name: getattr(creds, name) for name in fields},
        "funds": money(account.cash),
        "holdings": [
            {"symbol": s, "quantity": h.quantity, "average_price": str(h.average_price)}
            for s, h in account.holdings.items()
        ],
    }


def account_view(account: Account) -> dict[str, Any]:
    return {
        "ucc": account.ucc,
        "consumer_key": account.credentials.consumer_key[:4] + "…",
        "cash": money(account.cash),
        "blocked": money(account.blocked),
        "holdings": [
            {"symbol": s, "quantity": h.quantity, "average_price": str(h.average_price)}
            for s, h in account.holdings.items()
        ],
        "open_orders": len(account.live_orders()),
        "orders": [
            {
                "nOrdNo": o.number,
                "symbol": o.spec.symbol,
                "side": o.side,
                "status": o.status,
                "quantity": o.quantity,
                "filled": o.filled,
            }
            for o in account.orders.values()
        ],
    }


def state(app: KotakSimulatorApp) -> dict[str, Any]:
    now = app.clock.now_ms()
    calendar = app.engine.calendar
    session = calendar.session(calendar.today(utc(now)))
    symbols = [
        {
            "symbol": q.spec.symbol,
            "trading_symbol": q.spec.trading_symbol,
            "token": q.spec.token,
            "tick_size": str(q.spec.tick),
            "price": str(q.price()),
            "open": str(q.price(q.day_open)),
            "high": str(q.price(q.high)),
            "low": str(q.price(q.low)),
            "prev_close": str(q.price(q.prev_close)),
        }
        for q in app.engine.market.quotes.values()
    ]
    return {
        "now": iso_utc(now),
        "market_open": calendar.is_open(utc(now)),
        "amo_accepted": calendar.amo_accepted(utc(now)),
        "session": None
        if session is None
        else {
            "day": session.day.isoformat(),
            "open": iso_utc(to_ms(session.open)),
            "close": iso_utc(to_ms(session.close)),
        },
        "symbols": symbols,
        "accounts": [
            {k: v for k, v in account_view(a).items() if k != "orders"} for a in app.engine.accounts.values()
        ],
        "sessions": app.sessions.live_count(now),
        "faults": app.faults.state(),
        "public_consumer_key": app.options.public_consumer_key,
    }


def _set_price(app: KotakSimulatorApp, symbol: str, body: dict[str, Any]) -> dict[str, Any]:
    price = _decimal(body.get("price"), "price")
    if not price:
        raise ControlError(400, "price must be positive")
    spec = app.engine.index.get(symbol.upper())
    if spec is None:
        raise ControlError(404, f"no symbol {symbol!r}")
    return {"symbol": spec.symbol, "price": str(app.set_price(spec.symbol, price))}


def _dispatch(app: KotakSimulatorApp, request: Request, parts: list[str]) -> Response:
    method = request.method
    body = _body(request) if method in ("PUT", "POST") else {}
    match (method, parts):
        case ("GET", ["state"]):
            return json_response(state(app))
        case ("POST", ["accounts"]):
            return json_response(provision(app, body), 201)
        case ("GET", ["accounts", ucc]):
            account = app.engine.account_by_ucc(ucc)
            if account is None:
                raise ControlError(404, "no such account")
            return json_response(account_view(account))
        case ("PUT", ["prices", symbol]):
            return json_response(_set_price(app, symbol, body))
        case ("POST", ["sessions", "expire"]):
            return json_response({"expired": app.sessions.expire(ucc=body.get("ucc") or None)})
        case ("GET", ["faults"]):
            return json_response(app.faults.state())
        case ("PUT", ["faults"]):
            try:
                app.faults.configure(**body)
            except (TypeError, ValueError) as exc:
                raise ControlError(400, str(exc)) from None
            return json_response(app.faults.state())
    raise ControlError(404, f"no control endpoint {method} {request.path}")


def handle(app: KotakSimulatorApp, request: Request) -> Response:
    parts = [unquote(p) for p in request.path.removeprefix("/_sim/").strip("/").split("/")]
    try:
        if parts == ["candles"] and request.method == "GET":
            if not app.known_consumer_key(request.header("Authorization")):
                return gateway_refusal()
            with app.lock:
                app.sync()
                return json_response(
                    candles(app.engine.market, app.engine.index, request.query, app.clock.now_ms())
                )
        auth = request.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), app.control_token.encode()):
            return json_response(
                {"detail": "control token missing or wrong"}, 401, {"WWW-Authenticate": "Bearer"}
            )
        with app.lock:
            app.sync()
            return _dispatch(app, request, parts)
    except ControlError as exc:
        return json_response({"detail": exc.detail}, exc.status)
    except CandleQueryError as exc:
        return json_response({"detail": str(exc)}, exc.status)
