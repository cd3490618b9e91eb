"""The production process layout as shipped: Compose (with PgBouncer, and the several-hosts files in
deploy/), the proxy, Procfile, Dockerfile, gunicorn.

CI has no Docker engine; `.ci/run` runs Compose's own `docker compose config` (deploy/check-compose).
These checks catch what it would not: a scaled service with a fixed name, the proxy and the
servers disagreeing on a port, a process that bypasses PgBouncer. The gunicorn process itself is
started and served a webhook.
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
from environ import Env

from config import prepared

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_services_and_dependencies_exist(compose) -> None:
    services = compose["services"]
    assert {
        "postgres",
        "pgbouncer",
        "redis",
        "migrate",
        "proxy",
        "web",
        "ws",
        "worker",
        "worker-ticks",
        "worker-ml",
        "beat",
        "flower",
    } <= set(services)
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown service {dependency}"


def test_workers_scale_and_beat_cannot(compose) -> None:
    services = compose["services"]
    for name in ("worker", "worker-ticks", "worker-ml"):
        assert "container_name" not in services[name] and "ports" not in services[name], name
    assert "container_name" in services["beat"]


def _queues(command: str) -> set[str]:
    """The queues a `celery worker` command consumes (none named: the default queue only)."""
    match = re.search(r"(?:-Q|--queues)[ =](\S+)", command)
    return set(match.group(1).split(",")) if match else {"celery"}


def test_the_general_workers_serve_ticks_too_and_worker_ticks_serves_only_ticks(compose) -> None:
    """Priority is global across the queues one worker consumes: only a worker of `ticks` alone
    keeps capacity for the monitors when new signals saturate the others (operations.md,
    "Priorities"). The general workers take `ticks` too, so a fleet without worker-ticks still runs them."""
    services = compose["services"]
    assert _queues(services["worker"]["command"]) == {"celery", django_settings.TICK_QUEUE}
    ticks = services["worker-ticks"]
    command = ticks["command"]
    assert command.startswith("celery -A config worker") and _queues(command) == {django_settings.TICK_QUEUE}
    assert "--concurrency=${TICK_WORKER_CONCURRENCY:-1}" in command
    assert "--hostname=ticks@%h" in command
    assert "ticks@$$HOSTNAME" in ticks["healthcheck"]["test"][1]  # pings itself, not celery@
    assert ticks["deploy"]["replicas"] == "${TICK_WORKER_REPLICAS:-1}"
    worker = services["worker"]
    assert ticks["environment"]["CELERY_METRICS_PORT"] == worker["environment"]["CELERY_METRICS_PORT"]
    assert ticks["stop_grace_period"] == worker["stop_grace_period"]
    assert any(volume.startswith("user-logs:") for volume in ticks["volumes"])
    assert _queues(services["worker-ml"]["command"]) == {django_settings.ML_QUEUE}
    # Prometheus finds every worker service's containers by name.
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    job = next(job for job in scrape["scrape_configs"] if job["job_name"] == "tradefleet-workers")
    assert set(job["dns_sd_configs"][0]["names"]) == {"worker", "worker-ticks", "worker-ml"}


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
    assert set(procfile) == {"release", "web", "ws", "worker", "ticks", "beat"}
    assert _queues(procfile["worker"]) == {"celery", django_settings.TICK_QUEUE}
    assert procfile["ticks"].startswith("celery -A config worker")
    assert _queues(procfile["ticks"]) == {django_settings.TICK_QUEUE}
    assert '--concurrency="${TICK_WORKER_CONCURRENCY:-1}"' in procfile["ticks"]
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


# --- PgBouncer and the several-hosts files (docs/operations.md, "Running on several hosts") -------

APP_SERVICES = ("web", "ws", "worker", "worker-ticks", "beat", "flower", "worker-ml", "migrate")
DIRECT = ("migrate", "worker-ml")  # one server session: migrations, backups and restores


class _ComposeLoader(yaml.SafeLoader):
    """Reads Compose's own merge tags (`!reset`, `!override`) as the plain value."""


def _tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]  # a scalar node here


_ComposeLoader.add_multi_constructor("!", _tagged)


def _load(name: str) -> dict:
    return yaml.load((ROOT / name).read_text(), Loader=_ComposeLoader)  # noqa: S506  # SafeLoader subclass


def _default(value: str) -> str:
    """`${VAR:-default}` -> default; `${VAR:?message}` -> VAR (no default to show); anything else as is."""
    match = re.fullmatch(r"\$\{(\w+)(?::-(.*)|:\?.*)?\}", value)
    if not match:
        return value
    return match.group(2) if match.group(2) is not None else match.group(1)


def test_every_app_process_reaches_postgres_through_pgbouncer_in_transaction_mode(compose) -> None:
    services = compose["services"]
    bouncer = services["pgbouncer"]
    image, tag = bouncer["image"].rsplit(":", 1)
    assert image == "edoburu/pgbouncer" and re.fullmatch(r"v1\.(2[1-9]|[3-9]\d)\.\d+-p\d+", tag), tag
    env = bouncer["environment"]
    assert env["POOL_MODE"] == "transaction" and env["LISTEN_PORT"] == "6432"
    assert env["AUTH_TYPE"] == "scram-sha-256" and env["DB_HOST"] == "postgres"
    assert "pg_isready -h 127.0.0.1 -p 6432" in bouncer["healthcheck"]["test"][1]
    assert "ports" not in bouncer  # the compose network only
    assert bouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        url = services[name]["environment"]["DATABASE_URL"]
        if name in DIRECT:
            assert "@postgres:5432/" in url and "disable_server_side_cursors" not in url, name
        else:
            assert "@pgbouncer:6432/" in url and url.endswith("?disable_server_side_cursors=True"), name
            if name != "flower":  # flower reads only the broker
                assert services[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy", name
        assert "@postgres:5432/" in services[name]["environment"]["DATABASE_DIRECT_URL"], name


def test_pgbouncer_server_connections_fit_postgresql_max_connections(compose) -> None:
    env = compose["services"]["pgbouncer"]["environment"]
    pool, reserve = int(_default(env["DEFAULT_POOL_SIZE"])), int(_default(env["RESERVE_POOL_SIZE"]))
    cap = int(_default(env["MAX_DB_CONNECTIONS"]))
    assert pool + reserve <= cap
    # postgres:16 defaults: max_connections 100, 3 reserved for superusers; the direct ones
    # (worker-ml, migrate, a backup's two, psql) need about 5 more.
    assert cap + 5 <= 100 - 3
    assert int(_default(env["MAX_CLIENT_CONN"])) >= 1000


def test_the_pooled_url_turns_off_server_side_cursors_and_prepared_statements(compose) -> None:
    url = compose["services"]["web"]["environment"]["DATABASE_URL"].replace(
        "${POSTGRES_PASSWORD:?Set POSTGRES_PASSWORD in .env (see .env.example)}", "pw"
    )
    config = Env.db_url_config(url)
    assert config["HOST"] == "pgbouncer" and config["PORT"] == 6432
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True

    class Pooled:  # what config/prepared.py looks at
        vendor = "postgresql"
        settings_dict = config

    class Direct(Pooled):
        settings_dict = Env.db_url_config(url.split("?")[0])

    assert not prepared.preparing(Pooled())  # type: ignore[arg-type]  # a stand-in
    assert prepared.preparing(Direct()) is prepared._enabled  # type: ignore[arg-type]  # a stand-in


def test_a_worker_host_runs_only_workers_behind_its_own_pgbouncer(compose) -> None:
    host = _load("deploy/compose.worker-host.yml")
    services = host["services"]
    assert set(services) == {"pgbouncer", "worker"}  # never beat, migrate, web
    worker, bouncer = services["worker"], services["pgbouncer"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"].startswith("celery -A config worker")
    assert _queues(worker["command"]) == {"celery", django_settings.TICK_QUEUE}
    assert bouncer["image"] == compose["services"]["pgbouncer"]["image"]  # one PgBouncer version
    assert bouncer["environment"]["POOL_MODE"] == "transaction"
    env = worker["environment"]
    assert "@pgbouncer:6432/" in env["DATABASE_URL"] and env["DATABASE_URL"].endswith(
        "disable_server_side_cursors=True"
    )
    for name in ("REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEYS"):
        assert env[name].startswith(f"${{{name}:?"), name  # required: the core host's very value
    assert worker["image"].startswith("${TRADEFLEET_IMAGE:?")
    assert worker["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
    mounts = {volume.split(":")[0]: volume for volume in worker["volumes"]}
    assert mounts["ml-artifacts"].endswith(":ro") and "backups" not in mounts
    for name in ("ml-artifacts", "exports"):  # shared with the core host
        assert host["volumes"][name]["driver_opts"]["type"] == "nfs"


def test_the_core_host_override_replaces_postgres_and_redis_with_managed_services(compose) -> None:
    core = _load("deploy/compose.core-host.yml")
    services = core["services"]
    assert set(services) <= set(compose["services"])  # an override of docker-compose.yml only
    assert services["postgres"]["profiles"] == ["local-db"] and services["redis"]["profiles"] == ["local-db"]
    for name, service in services.items():
        # Nothing started by default may still wait for the switched-off containers.
        assert not {"postgres", "redis"} & set(service.get("depends_on") or {}), name
    for name, service in compose["services"].items():
        # A base service that waits for them is overridden here (a new one must be added).
        if "profiles" not in service and {"postgres", "redis"} & set(service.get("depends_on") or {}):
            assert name in ("postgres", "redis") or "depends_on" in services.get(name, {}), name
    for name in ("web", "ws", "worker", "worker-ticks", "beat", "flower", "simulator", "kotak-simulator"):
        assert "@pgbouncer:6432/" in services[name]["environment"]["DATABASE_URL"], name
    for name in DIRECT:
        assert "${POSTGRES_HOST" in services[name]["environment"]["DATABASE_URL"], name
    for name in ("pgbouncer", "migrate", "flower"):  # their depends_on named postgres or redis
        assert "depends_on" in services[name], name
    text = (ROOT / "deploy/compose.core-host.yml").read_text()
    assert "depends_on: !reset {}" in text and "depends_on: !override" in text
    assert "container_name" not in services.get("beat", {})  # beat keeps the base file's fixed name
