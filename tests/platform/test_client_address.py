"""The client's address: `make run` takes it from the connection, not from X-Forwarded-For, and
what the audit trail and the sessions store is an IP address or nothing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from accounts.models import UserSession
from auditlog.models import AuditLog
from config.embedded import server_config

HOSTILE = "<img src=x onerror=alert(1)>"


Send = Callable[[dict[str, Any]], Awaitable[None]]


async def echo_client(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Send) -> None:
    """Answers with the client address uvicorn hands to the application."""
    host = (scope.get("client") or ("none",))[0]
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": host.encode()})


@pytest.fixture
def embedded_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(server_config(host="127.0.0.1", port=port, app=echo_client))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("forwarded", ["6.6.6.6", HOSTILE])
def test_make_run_ignores_x_forwarded_for_from_a_local_client(embedded_server, forwarded):
    # uvicorn's defaults trust the header from 127.0.0.1: a client could pick its own address.
    response = httpx.get(embedded_server, headers={"X-Forwarded-For": forwarded}, timeout=5)
    assert response.text == "127.0.0.1"


@pytest.mark.django_db
def test_a_failed_login_from_an_address_that_is_not_an_ip_is_audited_without_one(anon, trader):
    anon.post(
        "/api/v1/auth/login", {"email": trader.email, "password": "wrong"}, format="json", REMOTE_ADDR=HOSTILE
    )
    entry = AuditLog.objects.get(action="auth.login_failed")
    assert entry.ip is None


@pytest.mark.django_db
def test_a_trusted_proxys_hop_that_is_not_an_ip_is_stored_as_none(anon, trader, password, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    login = anon.post(
        "/api/v1/auth/login",
        {"email": trader.email, "password": password},
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=HOSTILE,
    )
    assert login.status_code == 200
    assert AuditLog.objects.get(action="auth.login").ip is None
    assert UserSession.objects.get(user=trader).ip is None
    sessions = anon.get("/api/v1/auth/sessions", HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    assert [s["ip"] for s in sessions.json()["results"]] == [None]


@pytest.mark.django_db
def test_a_trusted_proxys_hop_is_the_address_stored(anon, trader, password, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    anon.post(
        "/api/v1/auth/login",
        {"email": trader.email, "password": password},
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 2001:DB8::1",
    )
    assert AuditLog.objects.get(action="auth.login").ip == "2001:db8::1"


@pytest.mark.django_db
def test_a_nul_in_the_user_agent_does_not_stop_the_login_or_its_audit_entry(anon, trader, password):
    response = anon.post(
        "/api/v1/auth/login",
        {"email": trader.email, "password": password},
        format="json",
        HTTP_USER_AGENT="curl\x00/8",
    )
    assert response.status_code == 200
    assert AuditLog.objects.get(action="auth.login").user_agent == "curl/8"
