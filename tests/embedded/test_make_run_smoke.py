"""`make run` as a new user runs it: fresh SQLite, demo logins printed, HTTP, WebSocket, Ctrl-C.

Slow (it starts the real process twice) but always run: it is the one test of the whole
one-process platform. No DATABASE_URL or REDIS_URL reaches the process, and its state lives in a
temporary directory, so it is a first start every time.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from config.env import BASE_DIR

pytestmark = pytest.mark.slow

# What pytest-env and CI set for the test run; a new user's `make run` has none of it.
NOT_FOR_THE_SERVER = {
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "CHANNEL_LAYER_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "EMAIL_URL",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "DATABASE_POOL",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "DJANGO_SETTINGS_MODULE",
    "PORT",
    "SIMULATOR_URL",
    "KOTAK_SIMULATOR_URL",
    "SIMULATOR_CONTROL_TOKEN",
    "SIMULATOR_EMBEDDED",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
}
READY_TIMEOUT = 120
STOP_TIMEOUT = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A process started in its own process group, its output collected as it comes."""

    def __init__(self, command: list[str], env: dict[str, str], port: int) -> None:
        self.port = port
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            with self._changed:
                self.lines.append(raw.decode(errors="replace"))
                self._changed.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_healthy(self, timeout: float = READY_TIMEOUT) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the server exited ({self.process.returncode}) before it was ready:\n{self.output}"
                )
            try:
                if httpx.get(self.url("/api/v1/health"), timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        pytest.fail(f"GET /api/v1/health did not answer 200 within {timeout} s:\n{self.output}")

    def wait_for(self, pattern: str, timeout: float = 15) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := re.search(pattern, self.output)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"{pattern!r} never appeared in the output:\n{self.output}")
                self._changed.wait(remaining)
        return found

    def signal_group(self, signum: int) -> None:
        os.killpg(self.process.pid, signum)

    def wait_stopped(self, timeout: float = STOP_TIMEOUT) -> tuple[int, float]:
        started = time.monotonic()
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {timeout} s after the signal:\n{self.output}")
        self._reader.join(5)
        return code, time.monotonic() - started

    def kill(self) -> None:
        """Leave nothing behind, whatever happened."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(10)
        # A child that outlived its parent would still be in the group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def request_json(url: str, *, body: dict[str, Any] | None = None, token: str = "") -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is None:
        response = httpx.get(url, headers=headers, timeout=10)
    else:
        response = httpx.post(url, json=body, headers=headers, timeout=10)
    return response.status_code, response.json()


def log_in(server: Server, email: str, password: str) -> str:
    status, body = request_json(server.url("/api/v1/auth/login"), body={"email": email, "password": password})
    assert status == 200, body
    assert body["user"]["email"] == email
    return body["access"]


@pytest.fixture
def server_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOT_FOR_THE_SERVER}
    env.update(
        TRADEFLEET_VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
        # The embedded exchange simulator on a free port too, so nothing else on 9009 is in the way.
        SIMULATOR_URL=f"http://127.0.0.1:{free_port()}",
        KOTAK_SIMULATOR_URL=f"http://127.0.0.1:{free_port()}",
    )
    return env


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


def test_make_run_serves_the_platform_and_stops_cleanly(
    server_env: dict[str, str], servers: list[Server]
) -> None:
    # First start: `make run` exactly as the README says, on a free port.
    port = free_port()
    first = Server(["make", "--no-print-directory", "run", f"PORT={port}"], server_env, port)
    servers.append(first)
    first.wait_healthy()
    assert "Tradefleet embedded mode: database SQLite" in first.output
    assert str(server_env["TRADEFLEET_VAR_DIR"]) in first.output
    trader_password = first.wait_for(r"trader@tradefleet\.local\s+password: (\S+)").group(1)
    admin_password = first.wait_for(r"admin@tradefleet\.local\s+password: (\S+)").group(1)
    assert f"http://127.0.0.1:{first.port}/api/v1/docs/" in first.output

    # The printed logins work; the trader's token opens the live-events socket.
    access = log_in(first, "trader@tradefleet.local", trader_password)
    with connect(f"ws://127.0.0.1:{first.port}/ws/events/?token={access}", open_timeout=10) as live:
        live.send(json.dumps({"type": "ping"}))
        assert json.loads(live.recv(timeout=5)) == {"type": "pong"}
    with connect(f"ws://127.0.0.1:{first.port}/ws/events/", open_timeout=10) as anonymous:
        with pytest.raises(ConnectionClosed) as refused:
            anonymous.recv(timeout=5)
        assert refused.value.rcvd is not None
        assert refused.value.rcvd.code == 4401

    # The in-process worker runs tasks from the in-memory broker: its heartbeat is visible.
    admin_access = log_in(first, "admin@tradefleet.local", admin_password)
    deadline = time.monotonic() + 15
    while True:
        status, detail = request_json(first.url("/api/v1/health/detail"), token=admin_access)
        if "embedded@" in json.dumps(detail.get("checks", {}).get("workers", {})):
            break
        assert time.monotonic() < deadline, f"no embedded worker in the detailed health: {detail}"
        time.sleep(0.5)
    assert status == 200, detail
    assert access not in first.output, "an access token reached the log"

    # Paper trading out of the box: the demo trader's default account is on the embedded
    # simulator, funded, and validated by the in-process worker through the real ccxt path.
    deadline = time.monotonic() + 20
    while True:
        status, keys = request_json(first.url("/api/v1/keys"), token=access)
        accounts = keys.get("results", [])
        if accounts and accounts[0]["is_validated"]:
            break
        assert time.monotonic() < deadline, f"the demo simulator account was not validated: {keys}"
        time.sleep(0.5)
    assert accounts[0]["exchange"] == "simulator"
    assert accounts[0]["is_default"] is True
    status, market = request_json(first.url("/api/v1/markets/simulator/BTCUSDT"), token=access)
    assert status == 200, market
    assert market["tick_size"] == "0.01"

    # A TradingView alert, pasted from the template, trades at once: the demo trader has a
    # BTC/USDT grid; the in-process worker opens a group and places it on the simulator.
    status, webhook = request_json(first.url("/api/v1/webhook-secret"), token=access)
    assert webhook["url"].startswith(f"http://127.0.0.1:{first.port}/api/v1/webhooks/"), webhook["url"]
    ticker = httpx.get(f"{server_env['SIMULATOR_URL']}/api/v3/ticker/price?symbol=BTCUSDT", timeout=5).json()
    alert = json.loads(json.dumps(webhook["template"]))
    alert["timestamp"] = datetime.now(UTC).isoformat()
    alert["tv"].update(
        exchange="SIMULATOR",
        symbol="BTCUSDT",
        timeframe="60",
        action="buy",
        close_price=ticker["price"],
        entry_price="",
        order_size="",
        market_position="long",
        market_position_size="1",
        prev_market_position="flat",
        prev_market_position_size="0",
    )
    alert["strategy_info"].update(trade_id="smoke-1", alert_message="")
    response = httpx.post(
        webhook["url"], content=json.dumps(alert), headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 20
    while True:
        status, positions = request_json(first.url("/api/v1/positions"), token=access)
        groups = positions.get("results", [])
        if groups and groups[0]["status"] in ("live", "partially_filled", "active"):
            break
        assert time.monotonic() < deadline, f"no position opened from the alert: {positions}"
        time.sleep(0.3)
    assert (groups[0]["symbol"], groups[0]["legs_total"]) == ("BTC/USDT", 3)

    # Ctrl-C in a terminal signals the whole foreground process group: make and the server.
    first.signal_group(signal.SIGINT)
    code, took = first.wait_stopped()
    assert "Tradefleet stopped" in first.output
    assert "a thread did not stop" not in first.output
    assert "Traceback" not in first.output
    # The server exits 0; make, interrupted itself, then re-raises SIGINT on itself by design.
    assert code in (0, -signal.SIGINT, 130), first.output
    assert took < STOP_TIMEOUT

    # Second start, same state directory: no new passwords, ready in seconds, SIGTERM exits 0.
    second = Server(
        [
            sys.executable,
            "manage.py",
            "run_embedded",
            "--host",
            "127.0.0.1",
            "--port",
            str(port := free_port()),
        ],
        server_env,
        port,
    )
    servers.append(second)
    assert second.wait_healthy(timeout=30) < 20
    second.wait_for(r"Demo users exist")
    assert "password:" not in second.output
    access = log_in(second, "trader@tradefleet.local", trader_password)
    # The simulator started empty again; the stored demo key was registered anew and still works.
    validated = httpx.put(
        second.url("/api/v1/keys/simulator/validate"),
        headers={"Authorization": f"Bearer {access}"},
        timeout=20,
    )
    assert validated.status_code == 200, validated.text
    assert validated.json()["is_validated"] is True, validated.json()
    second.process.send_signal(signal.SIGTERM)
    code, took = second.wait_stopped()
    assert code == 0, second.output
    assert "Tradefleet stopped" in second.output
    assert "Traceback" not in second.output
