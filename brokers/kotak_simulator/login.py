"""The two login steps: TOTP (`tradeApiLogin`) gives a view token, MPIN (`tradeApiValidate`) a
session token and the base URL for trading. The TOTP is checked against the wall clock, as an
authenticator app's code is; token expiry against the simulator's clock."""

from __future__ import annotations

import hmac
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pyotp

from brokers.simulator.messages import Request, Response

from .accounts import Account, same_mobile
from .sessions import TRADE, VIEW
from .wire import gateway_refusal, json_response

if TYPE_CHECKING:
    from .app_protocol import KotakSimulatorApp


def _refused(message: str, status: int = 401) -> Response:
    return json_response({"status": "error", "message": message, "errorCode": str(status)}, status)


def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or "{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _account(app: KotakSimulatorApp, request: Request) -> Account | None:
    return app.engine.accounts.get((request.header("Authorization") or "").strip())


def _profile(account: Account, token: str, sid: str, kind: str) -> dict[str, Any]:
    return {
        "token": token,
        "sid": sid,
        "rid": str(uuid.uuid4()),
        "hsServerId": "" if kind == VIEW else "server1",
        "isUserPwdExpired": False,
        "ucc": account.ucc,
        "greetingName": "SIM TRADER",
        "isTrialAccount": False,
        "dataCenter": "E21",
        "searchAPIKey": "",
        "kType": kind,
        "status": "success",
        "clientType": "RI",
        "isNRI": False,
    }


def totp_login(app: KotakSimulatorApp, request: Request) -> Response:
    account = _account(app, request)
    if account is None:
        return gateway_refusal()
    if not request.header("neo-fin-key"):
        return _refused("neo-fin-key header is missing", 400)
    body = _body(request)
    if body is None:
        return _refused("Invalid request body", 400)
    creds = account.credentials
    valid = (
        same_mobile(creds.mobile_number, str(body.get("mobileNumber", "")))
        and str(body.get("ucc", "")).upper() == creds.ucc
        and pyotp.TOTP(creds.totp_secret).verify(
            str(body.get("totp", "")), for_time=time.time(), valid_window=1
        )
    )
    if not valid:
        return _refused("Invalid credentials or TOTP.")
    token, session = app.sessions.issue(
        kind=VIEW, consumer_key=creds.consumer_key, ucc=creds.ucc, now_ms=app.clock.now_ms()
    )
    return json_response({"data": _profile(account, token, session.sid, VIEW)})


def totp_validate(app: KotakSimulatorApp, request: Request) -> Response:
    account = _account(app, request)
    if account is None:
        return gateway_refusal()
    if not request.header("neo-fin-key"):
        return _refused("neo-fin-key header is missing", 400)
    now = app.clock.now_ms()
    view = app.sessions.check(request.header("Auth"), kind=VIEW, now_ms=now)
    if (
        view is None
        or view.sid != request.header("sid")
        or view.consumer_key != account.credentials.consumer_key
    ):
        return gateway_refusal()
    body = _body(request)
    if body is None:
        return _refused("Invalid request body", 400)
    if not hmac.compare_digest(str(body.get("mpin", "")).encode(), account.credentials.mpin.encode()):
        return _refused("Invalid MPIN.")
    token, session = app.sessions.issue(kind=TRADE, consumer_key=view.consumer_key, ucc=view.ucc, now_ms=now)
    data = _profile(account, token, session.sid, TRADE)
    data["baseUrl"] = app.trading_base_url(request)
    return json_response({"data": data})
