"""The one-process server (`make run`: uvicorn in front of Django) trusts no X-Forwarded-For by
default: a client on the same machine that sends one is recorded at its own address, and the
audit trail's IP is an address, never the header's text.

Starts the real `manage.py run_embedded` on a fresh SQLite in a temporary directory, as the
`make run` smoke test does (its helpers), and talks to it over HTTP."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from config.env import BASE_DIR
from tests.embedded.test_make_run_smoke import NOT_FOR_THE_SERVER, Server, free_port

pytestmark = pytest.mark.slow
FORGED = ["not-an-ip", "203.0.113.66", "<script>x</script>, 198.51.100.1"]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    state: Path = tmp_path_factory.mktemp("embedded-xff")
    env = {key: value for key, value in os.environ.items() if key not in NOT_FOR_THE_SERVER}
    env.update(
        TRADEFLEET_VAR_DIR=str(state / "var"),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        SIMULATOR_URL=f"http://127.0.0.1:{free_port()}",
        KOTAK_SIMULATOR_URL=f"http://127.0.0.1:{free_port()}",
    )
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, cwd=BASE_DIR, env=env, check=True, timeout=300)
    port = free_port()
    command = [sys.executable, "manage.py", "run_embedded", "--host", "127.0.0.1", "--port", str(port)]
    server = Server([*command, "--no-demo-users"], env, port)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.kill()


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_forwarded_for_is_not_the_recorded_address(embedded: Server, forged: str) -> None:
    name = f"xff{FORGED.index(forged)}"
    account = {"email": f"{name}@example.com", "password": "Correct-Horse-42-Battery"}
    forging = {"X-Forwarded-For": forged}
    registered = httpx.post(
        embedded.url("/api/v1/auth/register"), json={**account, "username": name}, headers=forging, timeout=10
    )
    assert registered.status_code == 202, registered.text
    login = httpx.post(embedded.url("/api/v1/auth/login"), json=account, headers=forging, timeout=10)
    assert login.status_code == 200, login.text
    access = login.json()["access"]
    audit = httpx.get(
        embedded.url("/api/v1/audit"), headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert audit.status_code == 200, audit.text

    recorded = {entry["ip"] for entry in audit.json()["results"]}
    assert recorded == {"127.0.0.1"}, f"recorded {recorded} for a client on 127.0.0.1 that sent {forged!r}"
    for ip in recorded:
        ipaddress.ip_address(ip)
