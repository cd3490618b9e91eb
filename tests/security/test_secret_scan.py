"""A trader's whole life through the API (register, mistype the password, log in, connect a
simulator account with a key and secret, read the webhook secret, trade by webhook, rotate it,
change and reset the password, log out), then every plaintext secret it involved is looked for
everywhere the platform writes: the answers of every endpoint that is not meant to show it, the
log output, every column of every table, every file under the var directory and every key and
value in Redis (or the in-memory cache of embedded mode). Zero hits.

The endpoints that exist to hand a secret over once are left out of the answers, by name:
`SHOWS_A_SECRET`. Everything runs for real: the exchange simulator over HTTP, Celery eagerly
after each commit (transaction=True), the real database and Redis."""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.sessions import session_start
from brokers.services_simulator import DEMO_BALANCES
from tests.factories import UserFactory
from tests.security.dump import database_rows, local_cache_entries, redis_entries, var_files
from tests.security.estate import LEVELS
from tests.security.routes import schema_operations
from tests.trading.signals.test_webhook_endpoint import alert

pytestmark = pytest.mark.django_db(transaction=True)
V1 = "/api/v1"

# Answers that hand a secret to its owner, by design: tokens at login and refresh; the webhook
# secret on the Webhook setup page and in the alert messages built for pasting.
SHOWS_A_SECRET = {
    ("POST", f"{V1}/auth/login"),
    ("POST", f"{V1}/auth/refresh"),
    ("GET", f"{V1}/webhook-secret"),
    ("POST", f"{V1}/webhook-secret/rotate"),
    ("GET", f"{V1}/webhook-templates"),
}
# Health waits on workers; the schema and its UI are static documents.
NOT_CALLED = ("/api/v1/health", "/api/v1/schema/", "/api/v1/docs/")


@dataclass
class Flow:
    client: APIClient = field(default_factory=lambda: APIClient(raise_request_exception=True))
    secrets: dict[str, str] = field(default_factory=dict)
    answers: list[tuple[str, str, str]] = field(default_factory=list)  # (method, route, text)

    def keep(self, name: str, value: str) -> str:
        assert value and len(value) >= 12, f"{name} is too short to look for"
        self.secrets[name] = value
        return value

    def call(
        self, method: str, route: str, body: Any = None, *, expect: int, token: str = "", **kw: Any
    ) -> Any:
        path = route.format(**kw.pop("args", {}))
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = body if isinstance(body, str) else json.dumps(body or {})
        content_type = "text/plain" if isinstance(body, str) else "application/json"
        response = self.client.generic(method, path, data=data, content_type=content_type, **headers, **kw)
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.content[:300]}"
        )
        self.answers.append((method, route, response.content.decode(errors="replace")))
        return response.json() if response.get("Content-Type", "").startswith("application/json") else None


def _trade_through_the_api(flow: Flow, simulator: Any) -> None:
    email, username = f"scan-{uuid.uuid4().hex[:8]}@example.com", f"scan{uuid.uuid4().hex[:8]}"
    first = flow.keep("password", "Secret-Scan-Pass-1a")
    registration = {"email": email, "username": username, "password": first}
    flow.call("POST", f"{V1}/auth/register", registration, expect=202)  # no tokens: log in next
    typo = flow.keep("mistyped password", "Secret-Scan-Pass-1b")
    flow.call("POST", f"{V1}/auth/login", {"email": email, "password": typo}, expect=401)
    login = flow.call("POST", f"{V1}/auth/login", {"email": email, "password": first}, expect=200)
    flow.keep("refresh token (login)", login["refresh"])
    flow.keep("access token (login)", login["access"])
    user_id = login["user"]["id"]
    pair = flow.call("POST", f"{V1}/auth/refresh", {"refresh": login["refresh"]}, expect=200)
    flow.keep("refresh token (rotated)", pair["refresh"])
    token = flow.keep("access token", pair["access"])

    # An account with a key and secret of the trader's own (registered on the simulator first).
    api_key = flow.keep("API key", uuid.uuid4().hex)
    api_secret = flow.keep("API secret", uuid.uuid4().hex * 2)
    simulator.control.create_account(api_key, api_secret, DEMO_BALANCES)
    account = {"mode": "testnet", "api_key": api_key, "api_secret": api_secret, "label": "main"}
    flow.call("POST", f"{V1}/keys/simulator", account, expect=201, token=token)
    flow.call("PUT", f"{V1}/keys/simulator/validate", expect=200, token=token, QUERY_STRING="label=main")
    grid = {"exchange": "simulator", "symbol": "BTC/USDT", "timeframe": "1h", "levels": LEVELS}
    flow.call("POST", f"{V1}/dca-configs", grid, expect=201, token=token)

    webhook = flow.call("GET", f"{V1}/webhook-secret", expect=200, token=token)
    secret = flow.keep("webhook secret", webhook["secret"])
    trader = _user(user_id)
    simulator.control.set_price("BTC/USDT", "64251")
    entry = json.dumps(alert(trader, secret=secret, tv__order_size="100"))  # 100 USDT, in two legs
    flow.call("POST", f"{V1}/webhooks/{{id}}", entry, expect=202, args={"id": user_id})
    opened = flow.call("GET", f"{V1}/positions", expect=200, token=token)
    signals = flow.call("GET", f"{V1}/signals", expect=200, token=token)["results"]
    assert opened["count"] == 1, (
        f"the alert traded nothing (the signed exchange calls were not made): {signals}"
    )
    flow.call("POST", f"{V1}/webhook-templates/test", {}, expect=200, token=token)
    flow.call("GET", f"{V1}/webhook-templates", expect=200, token=token)
    rotated = flow.call("POST", f"{V1}/webhook-secret/rotate", expect=200, token=token)
    flow.keep("rotated webhook secret", rotated["secret"])
    stale = json.dumps(alert(trader, secret=secret))  # TradingView still sends the old one
    flow.call("POST", f"{V1}/webhooks/{{id}}", stale, expect=401, args={"id": user_id})

    second = flow.keep("changed password", "Secret-Scan-Pass-2a")
    change = {"current_password": first, "new_password": second}
    flow.call("POST", f"{V1}/auth/change-password", change, expect=200, token=token)
    profile = {"email": f"moved-{email}", "current_password": second}
    flow.call("PATCH", f"{V1}/auth/me", profile, expect=200, token=token)
    flow.call("POST", f"{V1}/auth/forgot-password", {"email": f"moved-{email}"}, expect=202)
    reset = re.search(r"token=([\w.:-]+)", mail.outbox[-1].body)
    assert reset, mail.outbox[-1].body
    third = flow.keep("reset password", "Secret-Scan-Pass-3a")
    reset_body = {"token": flow.keep("reset token", reset.group(1)), "new_password": third}
    flow.call("POST", f"{V1}/auth/reset-password", reset_body, expect=200)
    again = flow.call("POST", f"{V1}/auth/login", {"email": f"moved-{email}", "password": third}, expect=200)
    flow.keep("refresh token (after reset)", again["refresh"])
    flow.call("POST", f"{V1}/auth/refresh", {"refresh": pair["refresh"]}, expect=401)  # ended by the reset
    flow.call("POST", f"{V1}/auth/logout", {"refresh": again["refresh"]}, expect=204, token=again["access"])
    _read_everything(flow, session_start(user=_user(user_id), request=None).access)


def _user(user_id: str) -> Any:
    from accounts.models import User

    return User.objects.get(pk=user_id)


def _body(response: Any) -> bytes:
    # A file download (deals.csv) streams: its rows are where a secret would surface too.
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def _read_everything(flow: Flow, token: str) -> None:
    """Every GET of the schema as the trader, then as an admin (who reads everyone's logs and
    audit trail): their answers are where a secret would surface."""
    admin = session_start(user=UserFactory(role=Role.ADMIN), request=None).access
    reads = sorted(
        p for m, p in schema_operations() if m == "GET" and "{" not in p and not p.startswith(NOT_CALLED)
    )
    for caller in (token, admin):
        for path in reads:
            response = flow.client.get(path, HTTP_AUTHORIZATION=f"Bearer {caller}")
            assert response.status_code < 500, f"GET {path}: {response.status_code}"
            flow.answers.append(("GET", path, _body(response).decode(errors="replace")))


def test_no_plaintext_secret_is_left_anywhere(make_engine, engine_simulator, caplog, capfd, settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    caplog.set_level(logging.DEBUG)
    flow = Flow()
    _trade_through_the_api(flow, engine_simulator)
    assert len(flow.secrets) >= 13

    places: list[tuple[str, str]] = [
        (f"answer of {method} {route}", text)
        for method, route, text in flow.answers
        if (method, route) not in SHOWS_A_SECRET
    ]
    out, err = capfd.readouterr()
    places += [("log records", caplog.text), ("stdout", out), ("stderr", err)]
    places += [(f"table {table}.{column}", value) for table, column, value in database_rows()]
    places += [(f"file {path}", text) for path, text in var_files()]
    places += [*redis_entries(), *local_cache_entries()]

    hits = [
        f"{name} in {where}"
        for where, text in places
        for name, secret in flow.secrets.items()
        if secret in text
    ]
    assert not hits, "\n".join(hits[:40])
