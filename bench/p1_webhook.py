# ruff: noqa: S108, S603, S607  (a local benchmark: it starts our own servers and keeps its files in a scratch dir)
"""Benchmark P1: webhook ingest on the production stack, beside the bare floor (docs/benchmarks.md).

    .venv/bin/python bench/p1_webhook.py                       # the whole P1 (about 15 minutes)
    .venv/bin/python bench/p1_webhook.py --servers gunicorn --steps 300,400 --duration 20

What it does: creates the PostgreSQL database `tf_bench` (migrated, its signals table emptied),
starts the exchange simulator, a trader with a simulator account and a DCA configuration, then for each server
(uvicorn as shipped in the Procfile, gunicorn with sync workers and persistent connections)
serves the real app plus the bare endpoint (bench/bare_settings.py) and drives both from this
process with an open-loop generator (bench/loadgen.py): first `--rate` for `--duration` seconds,
then each rate of `--steps` for `--step-duration` seconds, the two endpoints alternating at each
rate. Every body has its own trade id, so every request inserts. Redis db 12 (broker), 13
(cache), 14 (channel layer); the Celery queue is purged at the end (no worker runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402
from bench.procs import stop_group  # noqa: E402

DB_URL = "postgres://postgres@127.0.0.1:5432/tf_bench"
REDIS = "redis://127.0.0.1:6379/12"
SIM_PORT = 9019
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
    "DATABASE_URL": DB_URL,
    "REDIS_URL": REDIS,
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ENCRYPTION_KEYS": "bench1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "DEBUG": "false",
    "SIMULATOR_URL": f"http://127.0.0.1:{SIM_PORT}",
    "SIMULATOR_CONTROL_TOKEN": "bench-control-token",
    "SIMULATOR_EMBEDDED": "false",
    "LOG_LEVEL": "WARNING",
    # The trader posts hundreds of alerts a second: a limit far above that, so every request still
    # takes its token from Redis (the limiter's cost is measured) and none is refused.
    "WEBHOOK_RATE_LIMIT": "1000000/s",
    "WEBHOOK_RATE_BURST": "1000000",
    "TRADEFLEET_VAR_DIR": os.environ.get("TRADEFLEET_VAR_DIR", "/tmp/tf-ingest"),
}


def server_command(name: str, python: str, port: int, workers: int) -> tuple[list[str], dict[str, str]]:
    bindir = str(Path(python).parent)
    if name == "uvicorn":  # the Procfile's web line, as shipped
        return [
            f"{bindir}/uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-proxy-headers",
            "--log-level",
            "warning",
        ], {}
    # gunicorn as shipped (Procfile web, Dockerfile CMD): config/gunicorn.py, sync workers, one
    # persistent connection per worker (it turns the pool off and sets CONN_MAX_AGE itself).
    return [f"{bindir}/gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn"], {
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "warning",
    }


def django_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **ENV, **(extra or {})}
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/tf-ingest/prom")
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def prepare(python: str) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'tf_bench'").fetchone():
            conn.execute("CREATE DATABASE tf_bench")
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=django_env(), check=True
    )
    # Every run from an empty signals table: runs add ~130,000 rows each, and this machine's
    # PostgreSQL runs without autovacuum, so a table kept across runs grows (and bloats) under
    # the later ones. (No worker runs, so nothing else refers to these rows.)
    with psycopg.connect(DB_URL.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("TRUNCATE trading_signal CASCADE")
    sim = subprocess.Popen(
        [
            python,
            "manage.py",
            "exchange_simulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(SIM_PORT),
            "--tick-seconds",
            "0",
        ],
        cwd=ROOT,
        env=django_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{SIM_PORT}/api/v3/time")
    out = subprocess.run(
        [python, str(Path(__file__)), "_setup"], cwd=ROOT, env=django_env(), check=True, capture_output=True
    )
    return sim, json.loads(out.stdout.decode().strip().splitlines()[-1])


def setup_trader() -> None:
    """(Runs inside Django.) The bench trader, their simulator account and a BTCUSDT 1h config."""
    import django

    django.setup()
    from accounts.models import User
    from brokers.services import exchange_config_create
    from trading.dca.models import DCAConfig
    from trading.dca.services import dca_config_create

    user = User.objects.filter(email="bench@example.com").first()
    if user is None:
        user = User.objects.create_user("bench@example.com", "bench", "Bench-Password-123")
    if not user.exchange_configs.filter(exchange="simulator").exists():
        exchange_config_create(user=user, exchange="simulator", mode="testnet")
    if not DCAConfig.objects.filter(user=user).exists():
        levels = [
            {"gap_percent": "0", "weight_percent": "50", "tp_percent": "1"},
            {"gap_percent": "-1", "weight_percent": "50", "tp_percent": "1"},
        ]
        dca_config_create(
            user=user,
            fields={"exchange": "simulator", "symbol": "BTCUSDT", "timeframe": "60", "levels": levels},
        )
    print(json.dumps({"user_id": str(user.pk), "secret": str(user.webhook_secret)}))


def wait_http(url: str, timeout: float = 30.0, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2)  # noqa: S310  loopback
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def bodies(trader: dict[str, str], count: int) -> list[bytes]:
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    run = uuid.uuid4().hex[:8]
    out = []
    for i in range(count):
        out.append(
            json.dumps(
                {
                    "secret": trader["secret"],
                    "source": "tradingview",
                    "timestamp": stamp,
                    "tv": {
                        "exchange": "SIMULATOR",
                        "symbol": "BTCUSDT",
                        "timeframe": "60",
                        "action": "buy",
                        "market_position": "long",
                        "market_position_size": "0.002",
                        "prev_market_position": "flat",
                        "prev_market_position_size": "0",
                        "entry_price": "64250.5",
                        "close_price": "64251",
                        "order_size": "0.002",
                    },
                    "strategy_info": {
                        "trade_id": f"{run}-{i}",
                        "alert_name": "BTC Long Entry",
                        "alert_message": "",
                    },
                    "execution_intent": {
                        "type": "signal",
                        "side": "buy",
                        "strategy": "grid",
                        "position_size_type": "quote",
                        "precision_mode": "auto",
                    },
                    "risk": {"stop_loss": None, "take_profit": None, "max_slippage_percent": 0.2},
                }
            ).encode()
        )
    return out


def load(port: int, path: str, trader: dict[str, str], rate: float, duration: float) -> loadgen.Result:
    requests = [loadgen.http_post("127.0.0.1", port, path, b) for b in bodies(trader, int(rate * duration))]
    return asyncio.run(loadgen.run(host="127.0.0.1", port=port, requests=requests, rate=rate))


def purge_queue() -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    # Every priority's list (`celery`, `celery:1`, `celery:5`, ...): left behind, they pile up run
    # after run in Redis' memory.
    client.delete("celery", "ticks", *client.keys("celery:*"), *client.keys("ticks:*"))


def main() -> None:
    if sys.argv[1:2] == ["_setup"]:
        setup_trader()
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", default=str(ROOT / ".venv/bin/python"), help="interpreter of the servers")
    parser.add_argument("--servers", default="uvicorn,gunicorn")
    parser.add_argument("--endpoints", default="webhook,bare")
    parser.add_argument("--uvicorn-workers", type=int, default=2, help="as shipped: WEB_CONCURRENCY=2")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--steps", default="250,300,350,400,450,500")
    parser.add_argument("--step-duration", type=float, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--profile", default="", help="server:endpoint:rate:seconds, py-spy over the workers")
    parser.add_argument("--cooldown", type=float, default=8, help="idle seconds between runs (drain backlog)")
    parser.add_argument("--out", default="/tmp/tf-ingest/p1.json")
    args = parser.parse_args()

    sim, trader = prepare(args.python)
    paths = {"webhook": f"/api/v1/webhooks/{trader['user_id']}", "bare": f"/bench/bare/{trader['user_id']}"}
    endpoints = args.endpoints.split(",")
    steps = [float(s) for s in args.steps.split(",") if s]
    results: list[dict[str, object]] = []
    try:
        for server in args.servers.split(","):
            workers = args.uvicorn_workers if server == "uvicorn" else args.gunicorn_workers
            cmd, extra = server_command(server, args.python, args.port, workers)
            proc = subprocess.Popen(cmd, cwd=ROOT, env=django_env(extra), start_new_session=True)
            try:
                wait_http(
                    f"http://127.0.0.1:{args.port}/api/v1/health", headers={"X-Forwarded-Proto": "https"}
                )
                for endpoint in endpoints:  # warm-up: imports, markets, connections in every worker
                    load(args.port, paths[endpoint], trader, 50, 4)
                # The steps first, lowest rate first, then the long run: an overloaded run leaves a
                # backlog in the listen queue that would be charged to the next one.
                plan = [(r, args.step_duration) for r in sorted(steps)] + [(args.rate, args.duration)]
                for rate, duration in plan:
                    for endpoint in endpoints:
                        res = load(args.port, paths[endpoint], trader, rate, duration)
                        row = {
                            "server": server,
                            "workers": workers,
                            "endpoint": endpoint,
                            "duration": duration,
                            **res.summary(),
                        }
                        results.append(row)
                        print(json.dumps(row), flush=True)
                        time.sleep(args.cooldown)
                if args.profile and args.profile.startswith(server + ":"):
                    profile(args, proc, server, paths, trader)
            finally:
                stop_group(proc, timeout=30)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        purge_queue()
    Path(args.out).write_text(json.dumps(results, indent=1))
    report(results)


def profile(
    args: argparse.Namespace,
    proc: subprocess.Popen[bytes],
    server: str,
    paths: dict[str, str],
    trader: dict[str, str],
) -> None:
    _, endpoint, rate, seconds = args.profile.split(":")
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    spies = [
        subprocess.Popen(
            [
                str(Path(args.python).parent / "py-spy"),
                "record",
                "-p",
                pid,
                "-d",
                seconds,
                "-r",
                "250",
                "-f",
                "raw",
                "-o",
                f"/tmp/tf-ingest/profile-{server}-{endpoint}-{pid}.txt",
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in children
    ]
    time.sleep(1)
    load(args.port, paths[endpoint], trader, float(rate), float(seconds) - 2)
    for spy in spies:
        spy.wait(timeout=60)


def report(results: list[dict[str, object]]) -> None:
    print("\n| server | endpoint | rate | seconds | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['server']} ({r['workers']}) | {r['endpoint']} | {r['rate']:.0f} | {r['duration']:.0f} | "
            f"{r['p50_ms']} | {r['p99_ms']} | {r['errors']} |"
        )
    best: dict[tuple[object, object], float] = {}
    for r in results:
        if r["errors"] == 0 and float(r["p99_ms"]) <= 50:  # type: ignore[arg-type]
            key = (r["server"], r["endpoint"])
            best[key] = max(best.get(key, 0.0), float(r["rate"]))  # type: ignore[arg-type]
    print("\nmax rate with p99 <= 50 ms and no errors:", {f"{k[0]}/{k[1]}": v for k, v in best.items()})


if __name__ == "__main__":
    main()
