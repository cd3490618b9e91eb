"""Kotak's trading, portfolio and market-data paths: session check, `jData` reading, answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from brokers.simulator.messages import Request, Response

from . import login, rows
from .accounts import Account
from .market_data import MASTER_FOLDER, QUOTES_PREFIX, file_paths, quotes, scrip_master_csv
from .sessions import TRADE
from .validation import OrderRefused
from .wire import gateway_refusal, ist, json_response, not_ok

if TYPE_CHECKING:
    from .app_protocol import KotakSimulatorApp

Handler = Callable[["KotakSimulatorApp", Request], Response]
LIMIT_CHOICES = {
    "seg": ("ALL", "CASH", "CUR", "FO"),
    "exch": ("ALL", "NSE", "BSE"),
    "prod": ("ALL", "CNC", "MIS", "NRML"),
}


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _session(app: KotakSimulatorApp, request: Request) -> Account:
    session = app.sessions.check(request.header("Auth"), kind=TRADE, now_ms=app.clock.now_ms())
    if session is None:
        raise _Refusal(gateway_refusal())
    account = app.engine.accounts.get(session.consumer_key)
    if account is None:
        raise _Refusal(gateway_refusal())
    if request.header("Sid") != session.sid:
        raise _Refusal(not_ok(1003, "Invalid session"))
    return account


def _jdata(request: Request) -> dict[str, str]:
    raw = parse_qs(request.body, keep_blank_values=True).get("jData", [""])[-1]
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _Refusal(not_ok(400, "Invalid jData", 400))
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


def _ok(**fields: Any) -> Response:
    return json_response({"stat": "Ok", **fields, "stCode": 200})


def place(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    order = app.engine.place(account, _jdata(request), app.clock.now_ms())
    return _ok(nOrdNo=order.number)


def modify(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    order = app.engine.modify(account, _jdata(request), app.clock.now_ms())
    return _ok(nOrdNo=order.number)


def cancel(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    order = app.engine.cancel(account, _jdata(request).get("on", ""), app.clock.now_ms())
    return _ok(nOrdNo=order.number)


def history(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    order = account.orders.get(_jdata(request).get("nOrdNo", ""))
    if order is None:
        return not_ok(1006, "Order not found")
    return json_response({"stat": "Ok", "stCode": 200, "data": rows.history_rows(order)})


def order_book(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    data = [rows.order_row(o) for o in reversed(account.orders.values())]
    return json_response({"stat": "Ok", "stCode": 200, "data": data})


def trade_book(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    return json_response(
        {"stat": "Ok", "stCode": 200, "data": [rows.trade_row(f) for f in reversed(account.fills)]}
    )


def positions(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    quotes_ = app.engine.market.quotes
    data = [
        rows.position_row(account.ucc, quotes_[s].spec, p, pos) for (s, p), pos in account.positions.items()
    ]
    return json_response({"stat": "Ok", "stCode": 200, "data": data})


def holdings(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    quotes_ = app.engine.market.quotes
    return json_response(
        {"data": [rows.holding_row(account, quotes_[s], h) for s, h in account.holdings.items()]}
    )


def limits(app: KotakSimulatorApp, request: Request) -> Response:
    account = _session(app, request)
    data = _jdata(request) if request.body else {}
    for name, choices in LIMIT_CHOICES.items():
        if (data.get(name) or "ALL") not in choices:
            return not_ok(1005, f"Invalid {name}")
    return json_response(rows.limits(account))


def _consumer(app: KotakSimulatorApp, request: Request) -> None:
    if not app.known_consumer_key(request.header("Authorization")):
        raise _Refusal(gateway_refusal())


def master_paths(app: KotakSimulatorApp, request: Request) -> Response:
    _consumer(app, request)
    return json_response(file_paths(app.trading_base_url(request), ist(app.clock.now_ms()).date()))


def master_csv(app: KotakSimulatorApp, request: Request) -> Response:
    return Response(200, scrip_master_csv(app.engine.market).encode(), content_type="text/csv; charset=utf-8")


def quote(app: KotakSimulatorApp, request: Request) -> Response:
    _consumer(app, request)
    answer = quotes(app.engine.market, app.engine.index, request.path)
    if not answer:
        return json_response({"stat": "Not_Ok", "emsg": "Invalid instrument/code", "stCode": 1009})
    return json_response(answer)


ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/login/1.0/tradeApiLogin"): login.totp_login,
    ("POST", "/login/1.0/tradeApiValidate"): login.totp_validate,
    ("POST", "/quick/order/rule/ms/place"): place,
    ("POST", "/quick/order/vr/modify"): modify,
    ("POST", "/quick/order/cancel"): cancel,
    ("POST", "/quick/order/history"): history,
    ("GET", "/quick/user/orders"): order_book,
    ("GET", "/quick/user/trades"): trade_book,
    ("GET", "/quick/user/positions"): positions,
    ("GET", "/portfolio/v1/holdings"): holdings,
    ("POST", "/quick/user/limits"): limits,
    ("GET", "/script-details/1.0/masterscrip/file-paths"): master_paths,
}


def route(method: str, path: str) -> Handler | None:
    handler = ROUTES.get((method, path.rstrip("/") or "/"))
    if handler is None and method == "GET" and path.startswith(QUOTES_PREFIX):
        handler = quote
    if handler is None and method == "GET" and path.startswith(MASTER_FOLDER + "/") and path.endswith(".csv"):
        handler = master_csv
    return handler


def run(handler: Handler, app: KotakSimulatorApp, request: Request) -> Response:
    try:
        return handler(app, request)
    except _Refusal as refusal:
        return refusal.response
    except OrderRefused as refused:
        return not_ok(refused.st_code, refused.message)
