"""Hostile query parameters and headers on every operation of the OpenAPI schema: never 5xx.
What the server records about a request (the audit trail's and the session's IP) is a valid IP
address or nothing, whatever X-Forwarded-For says and however many proxies are trusted. Posts
with a wrong webhook secret are not written into the trader's log one row each. Removing an
exchange account that still holds positions is refused, not a crash."""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import quote

import pytest
from django.test import Client

from accounts.models import UserSession
from auditlog.models import AuditLog
from auditlog.models_logs import ServiceLog
from tests.factories import PASSWORD
from tests.security.dump import database_rows
from tests.security.estate import Estate, estate_build, path_values
from tests.security.hostile import HUGE, Caller, bad_text
from tests.security.routes import fill, schema_operations
from tests.trading.factories import ExchangeConfigFactory
from trading.signals.models import Signal

pytestmark = pytest.mark.django_db

# As they arrive on the wire: a UTF-8-encoded surrogate, a NUL, a byte that is not UTF-8, 1 MB.
QUERY_VALUES = {"surrogate bytes": "%ED%A0%80", "NUL": "%00", "not UTF-8": "%C0%AF", "1 MB": HUGE}
# Header values are latin-1 text in WSGI: what a client's raw bytes become.
FORWARDED_FOR = [
    "not-an-ip",
    "\xed\xa0\x80",
    "1.2.3.4\x00",
    "<script>alert(1)</script>",
    "999.999.999.999",
    "203.0.113.7, evil",
    "x" * 10_000,
    "::1, ::ffff:1.2.3.4, nonsense",
]


def _url(path: str, caller: Caller, estate: Estate) -> str:
    filled = fill(path, **path_values(path, estate, other=estate.user))
    # The spare account holds nothing (removing one with positions: its own test below).
    return filled + ("?label=spare" if path.startswith("/api/v1/keys/") else "")


@pytest.fixture
def admin(make_engine, admin_user, settings_throttles_off):
    engine = make_engine(admin_user)
    ExchangeConfigFactory(user=admin_user, label="spare")
    return Caller(admin_user), estate_build(admin_user, account=engine.account, symbol="BTC/USDT")


def _operations(method: str | None = None) -> list[tuple[str, str]]:
    # Health waits for workers to answer (its own tests cover it); the schema is static.
    skip = ("/api/v1/health", "/api/v1/schema/", "/api/v1/docs/")
    return sorted(
        op for op in schema_operations() if not op[1].startswith(skip) and (method is None or op[0] == method)
    )


@pytest.mark.parametrize(("method", "path"), _operations("GET"), ids=str)
def test_hostile_query_parameters_never_make_a_5xx(method, path, admin) -> None:
    caller, estate = admin
    names = [
        p["name"] for p in schema_operations()[(method, path)].get("parameters", []) if p["in"] == "query"
    ]
    failures = []
    for name in [*names, "search", "\xed\xa0\x80"]:
        for label, value in QUERY_VALUES.items():
            query = f"{quote(name, safe='%')}={value}"
            response = caller.call(method, _url(path, caller, estate), QUERY_STRING=query)
            if response.status_code >= 500:
                failures.append(f"?{name}= {label}: {response.status_code}")
    assert not failures, f"{method} {path}:\n" + "\n".join(failures)


@pytest.mark.parametrize(("method", "path"), _operations(), ids=str)
def test_hostile_forwarded_for_host_and_agent_headers_never_make_a_5xx_nor_are_stored(
    method, path, admin, settings
) -> None:
    caller, estate = admin
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    headers = [{"HTTP_X_FORWARDED_FOR": value} for value in FORWARDED_FOR] + [
        {"HTTP_HOST": "\xed\xa0\x80.example"},
        {"HTTP_HOST": "evil.example:99999"},
        {"HTTP_USER_AGENT": "\x00\xed\xa0\x80" + "a" * 100_000},
    ]
    failures = []
    for extra in headers:
        response = caller.call(method, _url(path, caller, estate), raw="{}", **extra)
        if response.status_code >= 500:
            failures.append(f"{extra!r:.80}: {response.status_code}")
    assert not failures, f"{method} {path}:\n" + "\n".join(failures)
    stored = [f"{table}.{column}" for table, column, value in database_rows() if bad_text(value)]
    assert not stored, f"a NUL or lone surrogate from a header was stored in {stored}"


@pytest.mark.parametrize("trusted_proxies", [0, 1, 2])
@pytest.mark.parametrize("forwarded_for", FORWARDED_FOR)
def test_the_recorded_ip_is_an_ip_address_or_nothing(
    forwarded_for, trusted_proxies, trader, settings
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": trusted_proxies}
    client = Client(HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR="10.0.0.1")
    login = client.post(
        "/api/v1/auth/login", {"email": trader.email, "password": PASSWORD}, "application/json"
    )
    wrong = client.post(
        "/api/v1/auth/login", {"email": trader.email, "password": "Not-it-42"}, "application/json"
    )
    assert (login.status_code, wrong.status_code) == (200, 401)

    recorded = [
        *AuditLog.objects.values_list("ip", flat=True),
        *UserSession.objects.values_list("ip", flat=True),
    ]
    assert recorded
    for ip in recorded:
        if ip:
            ipaddress.ip_address(ip)  # raises for anything that is not an address


def test_wrong_secrets_do_not_write_a_row_each_into_the_traders_log(
    trader, django_capture_on_commit_callbacks
):
    from config.celery import app
    from tests.trading.signals.test_webhook_endpoint import alert

    body = json.dumps(alert(trader, secret="guessing-the-secret"))
    try:
        with django_capture_on_commit_callbacks(execute=True):  # what the commits would do, done
            for n in range(20):
                Client(REMOTE_ADDR=f"198.51.100.{n}").post(
                    f"/api/v1/webhooks/{trader.pk}", data=body, content_type="text/plain"
                )
    finally:
        with app.connection_for_write() as conn:  # a summary due later: no message left behind
            conn.default_channel.queue_purge("celery")
    # At most one summary row: anyone who knows the URL may post, and must not flood the log.
    assert ServiceLog.objects.filter(user=trader).count() <= 1
    assert not Signal.objects.filter(user=trader).exists()


def test_removing_an_account_that_holds_positions_is_refused_not_a_crash(trader) -> None:
    estate = estate_build(trader)
    path = f"/api/v1/keys/{estate.account.exchange}?label={estate.account.label}"
    response = Caller(trader).call("DELETE", path)
    assert response.status_code < 500, response.content[:300]
    estate.group.refresh_from_db()  # the positions are still there, on their account
