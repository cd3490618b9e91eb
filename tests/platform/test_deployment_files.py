"""The production process layout as shipped: Compose, the proxy, Procfile, Dockerfile, gunicorn.

There is no Docker engine in CI; these checks catch what `docker compose config` would (a
service named in depends_on that does not exist, a mount of a missing file) and what it would
not (a scaled service with a fixed name, the proxy and the servers disagreeing on a port). The
gunicorn process itself is started and served a webhook in the last test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_services_and_dependencies_exist(compose) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "proxy", "web", "ws", "worker", "beat", "flower"} <= set(services)
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown service {dependency}"


def test_workers_scale_and_beat_cannot(compose) -> None:
    worker, beat = compose["services"]["worker"], compose["services"]["beat"]
    assert "container_name" not in worker and "ports" not in worker
    assert "container_name" in beat


def test_the_proxy_routes_websockets_to_ws_and_the_rest_to_web(compose) -> None:
    services = compose["services"]
    proxy = services["proxy"]
    assert proxy["ports"] == ["8000:8080"]
    source = proxy["volumes"][0].split(":")[0]
    conf = (ROOT / source).read_text()
    assert "server web:8000;" in conf and "server ws:8001;" in conf
    ws_block = conf[conf.index("location /ws/") :]
    assert "proxy_pass http://tradefleet_ws;" in ws_block.split("}")[0]
    assert "proxy_set_header Upgrade $http_upgrade;" in ws_block.split("}")[0]
    assert "--port 8001" in services["ws"]["command"]
    assert "ports" not in services["web"] and "ports" not in services["ws"]


def test_procfile_and_dockerfile_serve_http_with_gunicorn_and_websockets_with_uvicorn() -> None:
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ": " in line
    )
    assert set(procfile) == {"release", "web", "ws", "worker", "beat"}
    assert procfile["web"].startswith("gunicorn config.wsgi:application -c python:config.gunicorn")
    assert procfile["ws"].startswith("uvicorn config.asgi:application")
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(
        r'^CMD \["gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn"\]$', dockerfile, re.M
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    django_settings.EMBEDDED or connection.vendor != "postgresql",
    reason="the production web process needs PostgreSQL and Redis (CI runs it)",
)
def test_the_gunicorn_web_process_serves_health_and_a_webhook(trader) -> None:
    db = django_settings.DATABASES["default"]
    port = _free_port()
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{host}/{db['NAME']}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert health.status_code == 200, health.text
        # A webhook with a wrong secret is refused by the real view, through WSGI.
        refused = httpx.post(f"{base}/api/v1/webhooks/{trader.pk}", content=b'{"secret": "nope"}', timeout=5)
        assert refused.status_code == 401
    finally:
        os.killpg(process.pid, 15)
        process.wait(20)
