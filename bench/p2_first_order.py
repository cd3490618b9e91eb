# ruff: noqa: S108, S603, S607  (a local benchmark: it starts our own servers and keeps its files in a scratch dir)
"""Benchmark P2: webhook -> first order acknowledged by the simulator (docs/benchmarks.md).

    .venv/bin/python -m bench.p2_first_order --rates 10,20,40 --duration 60
    .venv/bin/python -m bench.p2_first_order --rates 20 --duration 20 --pool threads
    .venv/bin/python -m bench.p2_first_order --rates 20 --duration 60 --profile 20

It starts and stops everything itself, as the production stack runs (Procfile,
docker-compose.yml): PostgreSQL database `tf_bench_p2` (created and migrated), Redis db 8
(broker), 9 (cache, rate-limit buckets) and 10 (channel layer), all three flushed first; the
exchange simulator (`manage.py exchange_simulator`, prices fixed with --tick-seconds 0); the web
server (uvicorn as in the Procfile, or gunicorn); Celery workers (`-P prefork -c 2` by default).
The Celery app is bench/p2_worker.py: config.celery's app plus timing probes (wall-clock lines
in a file per process) that give the per-stage breakdown.

Traders: `--users` users, each with a funded simulator account and one DCA configuration per
symbol for any timeframe (3 levels, entry at the signal's price, 100 USDT per pyramid). Every
signal opens a new group: its key (user, symbol, timeframe) is unique in the run, the timeframe
being a distinct number of minutes. The signal's price is 1 % below the simulator's price, so the
entry limit rests on the book (acknowledged `NEW`, no fill).

Per signal: scheduled send time (wall clock), HTTP status and latency, the signal's status and
classification, and from the database `received_at`, `processed_at`, the first leg's
`created_at`, `submitted_at`, `acknowledged_at`. Latency = acknowledged_at - scheduled send.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadgen, ml_load, p2_loadgen  # noqa: E402
from bench.procs import WORKER_QUEUES, stop_group  # noqa: E402

DB_NAME = "tf_bench_p2"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_DBS = (8, 9, 10)
REDIS = "redis://127.0.0.1:6379/8"  # settings: broker 8, cache 9, channel layer 10
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT")
USER_EMAIL = "bench-p2-{}@example.com"
WORK = Path(os.environ.get("P2_WORK_DIR", "/tmp/tf-p2"))


def base_env(sim_port: int) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS,
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ENCRYPTION_KEYS": "bench1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "DEBUG": "false",
        "SIMULATOR_URL": f"http://127.0.0.1:{sim_port}",
        "SIMULATOR_CONTROL_TOKEN": "bench-p2-control-token",
        "SIMULATOR_EMBEDDED": "false",
        "TRADING_MAX_OPEN_GROUPS": "100000",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),  # compose's default
        "TRADEFLEET_VAR_DIR": str(WORK / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(WORK / "prom"),
        "P2_TRACE_DIR": str(WORK / "trace"),
        "PYTHONPATH": str(ROOT),
    }


class Stack:
    """The processes this benchmark starts; `stop()` ends every one of them (by process group)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.env = {**os.environ, **base_env(args.sim_port)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.bindir = str(Path(args.python).parent)

    def start(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        log = open(WORK / f"{name}.log", "ab")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.procs[name] = proc
        return proc

    def stop(self, name: str | None = None) -> None:
        for key in [name] if name else list(self.procs):
            proc = self.procs.pop(key, None)
            if proc is None:
                continue
            stop_group(proc, timeout=20)

    def simulator(self) -> None:
        self.start(
            "simulator",
            [
                self.args.python,
                "manage.py",
                "exchange_simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.args.sim_port),
                "--tick-seconds",
                "0",
                "--control-token",
                self.env["SIMULATOR_CONTROL_TOKEN"],
            ],
        )
        wait_http(f"http://127.0.0.1:{self.args.sim_port}/api/v3/time")

    def web(self) -> None:
        port, workers = str(self.args.port), str(self.args.web_workers)
        if self.args.web == "uvicorn":  # the Procfile's web line
            cmd = [
                f"{self.bindir}/uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                port,
                "--workers",
                workers,
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ]
        else:  # the Procfile's web line: gunicorn with config/gunicorn.py (sync workers)
            cmd = [f"{self.bindir}/gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn"]
            self.env = {**self.env, "PORT": port, "WEB_CONCURRENCY": workers, "LOG_LEVEL": "warning"}
        self.start("web", cmd)
        self.env = {**os.environ, **base_env(self.args.sim_port)}
        wait_http(f"http://127.0.0.1:{self.args.port}/api/v1/health", headers={"X-Forwarded-Proto": "https"})

    def workers(self) -> None:
        celery = [
            f"{self.bindir}/celery",
            "-A",
            "bench.p2_worker",
            "worker",
            "-Q",
            WORKER_QUEUES,
            "--loglevel=INFO",
        ]
        if self.args.pool == "two":  # two workers of one process each
            for n in (1, 2):
                self.start(f"worker{n}", [*celery, "-P", "prefork", "-c", "1", "-n", f"p2w{n}@%h"])
        else:
            self.start(
                "worker", [*celery, "-P", self.args.pool, "-c", str(self.args.concurrency), "-n", "p2w@%h"]
            )

    def ml_worker(self) -> None:
        """Compose's `worker-ml`: the `ml` queue only, one process (with its `nice`, if any)."""
        nice = ["nice", "-n", str(self.args.ml_nice)] if self.args.ml_nice else []
        celery = [*nice, f"{self.bindir}/celery", "-A", "config", "worker", "--loglevel=INFO"]
        self.start("ml", [*celery, "-Q", "ml", "-P", "prefork", "-c", "1", "-n", "p2ml@%h"])

    def worker_pids(self) -> list[int]:
        """The processes that run tasks: prefork children, or the worker itself (threads)."""
        pids: list[int] = []
        for name, proc in self.procs.items():
            if not name.startswith("worker"):  # not "ml": its process trains, it places no order
                continue
            children = subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
            pids.extend(int(c) for c in children) if self.args.pool != "threads" else pids.append(proc.pid)
        return pids


def wait_http(url: str, timeout: float = 60.0, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2)  # noqa: S310  loopback
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


# --- database and traders -------------------------------------------------------------------
def prepare_database(python: str, env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    import redis

    for n in REDIS_DBS:
        redis.Redis.from_url(f"redis://127.0.0.1:6379/{n}").flushdb()


def setup_traders(users: int) -> None:
    """(Runs inside Django.) `users` traders, each with a simulator account funded on the
    simulator just started, a DCA configuration per symbol for any timeframe; the trading rows of
    earlier runs deleted. Prints the traders and the simulator's prices as JSON."""
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection

    from accounts.models import User
    from brokers.services import exchange_config_create
    from brokers.services_simulator import simulator_control
    from trading.dca.models import DCAConfig
    from trading.dca.services import dca_config_create

    control = simulator_control()
    bench_users = list(User.objects.filter(email__startswith="bench-p2-").values_list("pk", flat=True))
    if bench_users:
        with connection.cursor() as cur:  # a fresh start: no open group left from an earlier run
            ids = [str(u) for u in bench_users]
            cur.execute(
                "DELETE FROM trading_fill WHERE order_id IN "
                "(SELECT id FROM trading_dcaorder WHERE user_id = ANY(%s::uuid[]))",
                [ids],
            )
            cur.execute("DELETE FROM trading_dcaorder WHERE user_id = ANY(%s::uuid[])", [ids])
            cur.execute(
                "DELETE FROM trading_pyramid WHERE group_id IN "
                "(SELECT id FROM trading_positiongroup WHERE user_id = ANY(%s::uuid[]))",
                [ids],
            )
            cur.execute("DELETE FROM trading_signal WHERE user_id = ANY(%s::uuid[])", [ids])
            cur.execute("DELETE FROM trading_positiongroup WHERE user_id = ANY(%s::uuid[])", [ids])
    levels = [
        {"gap_percent": "0", "weight_percent": "34", "tp_percent": "1"},
        {"gap_percent": "-1", "weight_percent": "33", "tp_percent": "1"},
        {"gap_percent": "-2", "weight_percent": "33", "tp_percent": "1"},
    ]
    out = []
    for i in range(users):
        email = USER_EMAIL.format(i)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, f"benchp2{i}", "Bench-Password-123")
        account = user.exchange_configs.filter(exchange="simulator").first()
        if account is None:
            account = exchange_config_create(user=user, exchange="simulator", mode="testnet", label="bench")
        # A simulator that just started knows no key: create (or refill) this one.
        control.create_account(account.api_key, account.api_secret, {"USDT": "100000000"}, set_balances=True)
        for symbol in SYMBOLS:
            if not DCAConfig.objects.filter(user=user, symbol__in=[symbol, symbol[:-4] + "/USDT"]).exists():
                dca_config_create(
                    user=user,
                    fields={
                        "exchange": "simulator",
                        "symbol": symbol,
                        "timeframe": "",
                        "levels": levels,
                        "capital_per_pyramid": Decimal("100"),
                    },
                )
        out.append({"user_id": str(user.pk), "secret": str(user.webhook_secret)})
    state = control.state()
    print(json.dumps({"traders": out, "state": state}, default=str))


# --- signals --------------------------------------------------------------------------------
class Keys:
    """Group keys never used before in this run: (trader, symbol, timeframe in minutes)."""

    def __init__(self, traders: list[dict[str, str]]) -> None:
        self.traders = traders
        self.n = 0

    def take(self, count: int) -> list[tuple[dict[str, str], str, str]]:
        out = []
        per_round = len(self.traders) * len(SYMBOLS)
        for _ in range(count):
            i = self.n
            self.n += 1
            trader = self.traders[i % len(self.traders)]
            symbol = SYMBOLS[(i // len(self.traders)) % len(SYMBOLS)]
            minutes = 7 + i // per_round  # 7, 8, 9...: distinct, and never a reserved key of P1
            out.append((trader, symbol, str(minutes)))
        return out


def body(trader: dict[str, str], symbol: str, timeframe: str, price: str, trade_id: str, stamp: str) -> bytes:
    return json.dumps(
        {
            "secret": trader["secret"],
            "source": "tradingview",
            "timestamp": stamp,
            "tv": {
                "exchange": "SIMULATOR",
                "symbol": symbol,
                "timeframe": timeframe,
                "action": "buy",
                "market_position": "long",
                "market_position_size": "0",
                "prev_market_position": "flat",
                "prev_market_position_size": "0",
                "entry_price": price,
                "close_price": price,
                "order_size": "100",
            },
            "strategy_info": {"trade_id": trade_id, "alert_name": "P2 bench", "alert_message": ""},
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


def entry_prices(state: dict[str, Any]) -> dict[str, str]:
    """1 % below the simulator's price, rounded to 2 decimals (every symbol used has tick 0.01)."""
    from decimal import ROUND_DOWN, Decimal

    prices: dict[str, str] = {}
    raw = state.get("prices") or {}
    for symbol in SYMBOLS:
        value = raw.get(symbol) if isinstance(raw, dict) else None
        if isinstance(value, dict):
            value = value.get("price")
        if value is None:
            with urllib.request.urlopen(  # noqa: S310  loopback
                f"{os.environ['P2_SIM_URL']}/api/v3/ticker/price?symbol={symbol}", timeout=5
            ) as answer:
                value = json.loads(answer.read())["price"]
        prices[symbol] = str((Decimal(str(value)) * Decimal("0.99")).quantize(Decimal("0.01"), ROUND_DOWN))
    return prices


def send(
    args: argparse.Namespace, keys: Keys, prices: dict[str, str], rate: float, duration: float
) -> tuple[list[p2_loadgen.Record], int]:
    count = int(rate * duration)
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    run = uuid.uuid4().hex[:8]
    path = "/api/v1/webhooks/{}"
    requests = [
        loadgen.http_post(
            "127.0.0.1",
            args.port,
            path.format(trader["user_id"]),
            body(trader, symbol, tf, prices[symbol], f"{run}-{i}", stamp),
        )
        for i, (trader, symbol, tf) in enumerate(keys.take(count))
    ]
    return asyncio.run(p2_loadgen.run(host="127.0.0.1", port=args.port, requests=requests, rate=rate))


# --- results --------------------------------------------------------------------------------
ROWS_SQL = """
SELECT s.id::text, s.status, s.classification, s.reason,
       extract(epoch FROM s.received_at), extract(epoch FROM s.processed_at),
       o.id::text, o.client_order_id, o.status, o.last_error,
       extract(epoch FROM o.created_at), extract(epoch FROM o.submitted_at),
       extract(epoch FROM o.acknowledged_at)
FROM trading_signal s
LEFT JOIN trading_pyramid p ON p.signal_id = s.id AND p.index = 0
LEFT JOIN trading_dcaorder o ON o.pyramid_id = p.id AND o.role = 'leg' AND o.level = 0
WHERE s.id = ANY(%s::uuid[])
"""


def collect(records: list[p2_loadgen.Record], wait: float) -> dict[str, dict[str, Any]]:
    """Poll the database until every accepted signal's first leg is acknowledged (or `wait` s)."""
    import psycopg

    ids = [r.signal_id for r in records if r.signal_id]
    deadline = time.monotonic() + wait
    rows: dict[str, dict[str, Any]] = {}
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}", autocommit=True) as conn:
        while True:
            rows = {}
            for row in conn.execute(ROWS_SQL, (ids,)).fetchall():
                f = [float(x) if x is not None and i in (4, 5, 10, 11, 12) else x for i, x in enumerate(row)]
                rows[f[0]] = dict(
                    zip(
                        (
                            "id",
                            "status",
                            "classification",
                            "reason",
                            "received",
                            "processed",
                            "order_id",
                            "client_order_id",
                            "order_status",
                            "last_error",
                            "created",
                            "submitted",
                            "acked",
                        ),
                        f,
                        strict=True,
                    )
                )
            done = sum(
                1
                for r in rows.values()
                if r["acked"] is not None or r["status"] not in ("received", "processed")
            )
            if done >= len(ids) or time.monotonic() > deadline:
                return rows
            time.sleep(0.5)


def read_traces() -> dict[str, dict[str, Any]]:
    """{key: {"recv": t, "run": (t0, t1), "http": (t0, t1)}} from the workers' trace files, plus
    the channel-layer sends under key "" ("event")."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    events: list[float] = []
    for path in (WORK / "trace").glob("trace-*.tsv"):
        for line in path.read_text().splitlines():
            kind, name, key, t0, t1 = [*line.split("\t"), "", "", "", "", ""][:5]
            if kind == "recv":
                out[key].setdefault("recv", float(t0))
            elif kind == "run":
                out[key].setdefault("run", (float(t0), float(t1)))
                out[key].setdefault("task", name)
            elif kind == "http":
                out[key].setdefault("http", (float(t0), float(t1)))
            elif kind == "event":
                events.append((float(t1) - float(t0)) * 1000)
    out["__events__"] = {"ms": events}
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(pct(values, 50), 2),
        "p90": round(pct(values, 90), 2),
        "p99": round(pct(values, 99), 2),
        "max": round(max(values, default=float("nan")), 2),
        "mean": round(statistics.fmean(values), 2) if values else float("nan"),
    }


def analyse(
    rate: float, records: list[p2_loadgen.Record], late: int, rows: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    traces = read_traces()
    lat: list[float] = []
    stages: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for rec in records:
        stages["http_response"].append(rec.latency_ms)
        if rec.status != 202:
            errors[f"http_{rec.status}"] += 1
            continue
        row = rows.get(rec.signal_id)
        if row is None:
            errors["signal_missing"] += 1
            continue
        if row["status"] != "processed" or row["classification"] != "entry":
            errors[f"signal_{row['status']}_{row['classification']}"] += 1
            continue
        if row["acked"] is None:
            errors[f"first_leg_not_acknowledged_{row['order_status']}"] += 1
            continue
        ms = lambda a, b: (b - a) * 1000  # noqa: E731
        lat.append(ms(rec.scheduled, row["acked"]))
        stages["send->received_at (web)"].append(ms(rec.scheduled, row["received"]))
        sig = traces.get(rec.signal_id, {})
        order_key = row["order_id"]
        http = traces.get(row["client_order_id"], {}).get("http")
        if "recv" in sig and "run" in sig:
            stages["received_at->worker got message (broker)"].append(ms(row["received"], sig["recv"]))
            stages["worker got message->task start (pool)"].append(ms(sig["recv"], sig["run"][0]))
            stages["task start->first leg row built (classify, grid)"].append(
                ms(sig["run"][0], row["created"])
            )
        else:
            stages["received_at->first leg row built"].append(ms(row["received"], row["created"]))
        stages["row built->processed_at (inserts, refresh)"].append(ms(row["created"], row["processed"]))
        stages["processed_at->submitted_at (commit, on_commit, claim)"].append(
            ms(row["processed"], row["submitted"])
        )
        if http:
            stages["submitted_at->HTTP request starts"].append(ms(row["submitted"], http[0]))
            stages["HTTP create_order (simulator round trip)"].append(ms(http[0], http[1]))
            stages["HTTP answer->acknowledged_at (order_apply lock)"].append(ms(http[1], row["acked"]))
        else:
            stages["submitted_at->acknowledged_at"].append(ms(row["submitted"], row["acked"]))
        if "run" in sig:
            stages["process_signal task duration"].append(ms(*sig["run"]))
        del order_key
    place = [
        (v["run"][1] - v["run"][0]) * 1000
        for v in traces.values()
        if isinstance(v, dict) and v.get("task") == "trading.tasks.place_order" and "run" in v
    ]
    return {
        "rate": rate,
        "sent": len(records),
        "late_starts": late,
        "acknowledged": len(lat),
        "errors": dict(errors),
        "latency_ms": stats(lat),
        "stages_ms": {k: stats(v) for k, v in stages.items()},
        "place_order_task_ms": stats(place),
        "live_event_send_ms": stats(traces["__events__"]["ms"]),
    }


def print_result(res: dict[str, Any]) -> None:
    lat = res["latency_ms"]
    print(
        f"\n== {res['rate']:.0f}/s: sent {res['sent']}, acknowledged {res['acknowledged']}, "
        f"errors {res['errors'] or 0}, late starts {res['late_starts']}"
    )
    print(
        "   webhook -> first order acknowledged: "
        f"p50 {lat['p50']} p90 {lat['p90']} p99 {lat['p99']} max {lat['max']} ms"
    )
    print("   | stage | p50 | p90 | p99 | max | mean |")
    for name, s in res["stages_ms"].items():
        print(f"   | {name} | {s['p50']} | {s['p90']} | {s['p99']} | {s['max']} | {s['mean']} |")
    p, e = res["place_order_task_ms"], res["live_event_send_ms"]
    print(f"   place_order task (other legs): p50 {p['p50']} p99 {p['p99']} ms (n {p['n']})")
    print(f"   live-event channel-layer send: p50 {e['p50']} p99 {e['p99']} ms (n {e['n']})")


def profile(
    stack: Stack, args: argparse.Namespace, keys: Keys, prices: dict[str, str], seconds: float
) -> None:
    pids = stack.worker_pids()
    spies = []
    for pid in pids:
        for fmt in ("speedscope", "raw"):
            ext = "json" if fmt == "speedscope" else "txt"
            spies.append(
                subprocess.Popen(
                    [
                        f"{stack.bindir}/py-spy",
                        "record",
                        "-p",
                        str(pid),
                        "-d",
                        str(int(seconds) + 2),
                        "-r",
                        "200",
                        "-f",
                        fmt,
                        "-o",
                        str(WORK / f"profile-worker-{pid}.{ext}"),
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    time.sleep(1)
    records, late = send(args, keys, prices, args.profile, seconds)
    for spy in spies:
        spy.wait(timeout=120)
    rows = collect(records, 30)
    print(f"\nprofiled run ({args.profile}/s, {seconds} s, py-spy on pids {pids}):")
    print_result(analyse(args.profile, records, late, rows))
    print(
        f"profiles: {WORK}/profile-worker-*.json (speedscope), *.txt (collapsed); "
        "summary: python -m bench.p2_profile"
    )


def main() -> None:
    if sys.argv[1:2] == ["_setup"]:
        setup_traders(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--python", default=str(ROOT / ".venv/bin/python"), help="interpreter of every server process"
    )
    parser.add_argument("--rates", default="10,20,40", help="signals per second, one run each, in this order")
    parser.add_argument("--duration", type=float, default=60, help="seconds per rate")
    parser.add_argument(
        "--pool",
        choices=("prefork", "threads", "two"),
        default="prefork",
        help="prefork: one worker -P prefork -c N; threads: -P threads -c N; two: two -c 1 workers",
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--web", choices=("uvicorn", "gunicorn"), default="gunicorn", help="gunicorn: the Procfile's web"
    )
    parser.add_argument("--web-workers", type=int, default=4, help="WEB_CONCURRENCY (default 4)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--port", type=int, default=8785)
    parser.add_argument("--sim-port", type=int, default=9039)
    parser.add_argument("--warmup", type=float, default=10, help="seconds of 10/s before measuring")
    parser.add_argument("--cooldown", type=float, default=5)
    parser.add_argument(
        "--profile", type=float, default=0, help="after the runs: py-spy the workers at this rate"
    )
    parser.add_argument("--profile-seconds", type=float, default=20)
    parser.add_argument("--out", default=str(WORK / "p2.json"))
    parser.add_argument(
        "--training",
        action="store_true",
        help="measure each rate twice: the ml worker idle, then while it trains a heavy job",
    )
    parser.add_argument("--ml-nice", type=int, default=0, help="run the ml worker under `nice -n N`")
    parser.add_argument("--training-jobs", type=int, default=8, help="jobs queued for each training run")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    for sub in ("trace", "prom", "var"):
        shutil.rmtree(WORK / sub, ignore_errors=True)
        (WORK / sub).mkdir(parents=True)
    stack = Stack(args)
    os.environ["P2_SIM_URL"] = stack.env["SIMULATOR_URL"]
    results: list[dict[str, Any]] = []
    try:
        prepare_database(args.python, stack.env)
        stack.simulator()
        setup = subprocess.run(
            [args.python, "-m", "bench.p2_first_order", "_setup", str(args.users)],
            cwd=ROOT,
            env=stack.env,
            capture_output=True,
        )
        if setup.returncode:
            raise RuntimeError(f"setup failed: {setup.stderr.decode()[-3000:]}")
        data = json.loads(setup.stdout.decode().strip().splitlines()[-1])
        keys, prices = Keys(data["traders"]), entry_prices(data["state"])
        stack.web()
        stack.workers()
        time.sleep(3)
        # Warm-up: imports, markets, each process's adapter per account, DB connections.
        records, _ = send(args, keys, prices, 10, args.warmup)
        rows = collect(records, 60)
        print(
            f"warm-up: {sum(1 for r in rows.values() if r['acked'])} of {len(records)} acknowledged",
            flush=True,
        )
        runs = [(float(r), False) for r in args.rates.split(",") if r]
        if args.training:
            runs = [(rate, training) for rate, _ in runs for training in (False, True)]
        for rate, training in runs:
            time.sleep(args.cooldown)
            job_ids: list[str] = []
            if training:  # the ml worker is training (loading candles, fitting) before the first signal
                ml_load.jobs_end(DB_URL)
                stack.ml_worker()
                job_ids = ml_load.start_training(args.python, stack.env, args.training_jobs)
                ml_load.wait_running(DB_URL, job_ids[0])
                time.sleep(5)
            for path in (WORK / "trace").glob("*.tsv"):
                path.write_text("")
            records, late = send(args, keys, prices, rate, args.duration)
            rows = collect(records, 60)
            res = analyse(rate, records, late, rows)
            res.update(
                pool=args.pool,
                concurrency=args.concurrency,
                web=args.web,
                python=args.python,
                duration=args.duration,
                users=args.users,
                training=training,
                ml_nice=args.ml_nice,
            )
            if training:
                res["training_jobs"] = ml_load.jobs_trained(DB_URL, job_ids)
                print(f"   training jobs after the measurement: {res['training_jobs']}", flush=True)
                if "pending" not in res["training_jobs"]:
                    print("   WARNING: the ml worker ran out of jobs during the measurement", flush=True)
                stack.stop("ml")  # the running job dies with it
                ml_load.jobs_end(DB_URL)
            results.append(res)
            print_result(res)
            sys.stdout.flush()
        if args.profile:
            time.sleep(args.cooldown)
            for path in (WORK / "trace").glob("*.tsv"):
                path.write_text("")
            profile(stack, args, keys, prices, args.profile_seconds)
    finally:
        stack.stop()
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(
        "\n| rate/s | training | sent | p50 ms | p90 ms | p99 ms | max ms | errors "
        "| pass (p50<=25, p99<=60) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        lat = r["latency_ms"]
        ok = not r["errors"] and lat["p50"] <= 25 and lat["p99"] <= 60
        print(
            f"| {r['rate']:.0f} | {'yes' if r.get('training') else 'no'} | {r['sent']} | "
            f"{lat['p50']} | {lat['p90']} | {lat['p99']} | {lat['max']} | "
            f"{sum(r['errors'].values())} | {'pass' if ok else 'FAIL'} |"
        )


if __name__ == "__main__":
    main()
