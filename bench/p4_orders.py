# ruff: noqa: S108, S603, S607  (a local benchmark: it starts our own servers and keeps its files in a scratch dir)
"""Benchmark P4: order-placement throughput, 2 worker processes against 1 (docs/benchmarks.md).

    /tmp/venv-deb/bin/python -m bench.p4_orders --python /tmp/venv-deb/bin/python \\
        --orders 2000 --users 20 --latency-ms 30,0 --workers 1,2

Per latency and per worker count, from a clean start each time: a fresh exchange simulator
(`manage.py exchange_simulator --tick-seconds 0`, prices fixed; the per-answer latency set over
its control API), the bench traders' trading rows deleted, `--users` traders, each with a funded
simulator account and a DCA configuration per symbol. Then `celery -A config worker` as deployed
(`-P prefork -c N`, or with `--pool separate` N workers of `-c 1`) starts and finishes its
start-up reconciliation; a warm-up batch is placed (imports, one ccxt adapter per account and
process, database connections); the consumers are cancelled; the same `--orders` limit buys
(same `--seed`: same trader, symbol, price and quantity in the same sequence) are committed
`pending` as the engine commits them (groups with their configuration and market snapshots, a
pyramid, `order_rows.new_order` rows with the client order id fixed), one `place_order`
message each is sent (what `enqueue_place` sends, with a longer expiry: see `enqueue`), and
the consumers are added back: the clock starts there and stops at the last
`acknowledged_at`. Every order rests on the book (1-3 % under the market), so every answer is
the common `NEW`.

Throughput = orders / (last acknowledged_at - consumers resumed). Per-order time = claim
(`submitted_at`) to `acknowledged_at`: the task's own work for one order, HTTP round trip
included. Exactly once: the simulator's count of orders placed and of client ids used twice,
its open orders' client ids against the rows' client ids, and its POST /api/v3/order count.
CPU seconds of the simulator, the worker's consumer (prefork parent) and pool processes, our
PostgreSQL backends and our Redis over the measured window, database connections opened
meanwhile, and how busy the whole machine was, show what the run was short of. `--profile`
records the workers with py-spy (collapsed stacks in the work dir).

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust). Redis: `--redis-url` (db n, n+1, n+2
for broker, cache and rate-limit buckets, channel layer; flushed); a redis-server is started on
that port when none answers there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.procs import WORKER_QUEUES, stop_group

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT")
USER_EMAIL = "bench-p4-{}@example.com"
WORK = Path(os.environ.get("P4_WORK_DIR", "/tmp/tf-p4"))
LEVELS = [{"gap_percent": str(-i), "weight_percent": "10", "tp_percent": "1"} for i in range(10)]
NOTIONAL = Decimal("20")  # USDT per order: over every market's minimum notional
WARMUP_TAG, MEASURED_TAG = "p4-warmup", "p4-orders"  # the groups' timeframe: max 10 characters
CONTROL_TOKEN = "bench-p4-control-token"  # noqa: S105  a local simulator's, made up here


def base_env(args: argparse.Namespace) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ENCRYPTION_KEYS": "bench1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "DEBUG": "false",
        "SIMULATOR_URL": f"http://127.0.0.1:{args.sim_port}",
        "SIMULATOR_CONTROL_TOKEN": CONTROL_TOKEN,
        "SIMULATOR_EMBEDDED": "false",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),  # compose's default
        "TRADEFLEET_VAR_DIR": str(WORK / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(WORK / "prom"),
        "PYTHONPATH": str(ROOT),
    }
    for item in args.env:  # variants: --env SERVICE_LOG_LEVEL=WARNING
        name, _, value = item.partition("=")
        env[name] = value
    if not args.shared_limit:
        # One rate-limit bucket per API key instead of one for the whole exchange: the simulator
        # stands for an exchange, and binance's per-IP budget (100 orders/s) would cap both runs
        # and measure the limiter instead of the workers.
        env["RATELIMIT_PER_KEY_EXCHANGES"] = "simulator"
    return env


# --- processes --------------------------------------------------------------------------------
class Stack:
    """The processes this benchmark starts; `stop()` ends every one of them (by process group)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.env = {**os.environ, **base_env(args)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.bindir = str(Path(args.python).parent)

    def start(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        log = open(WORK / f"{name}.log", "ab")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.procs[name] = proc
        return proc

    def stop(self, prefix: str = "") -> None:
        for key in [k for k in self.procs if k.startswith(prefix)]:
            stop_group(self.procs.pop(key), timeout=30)

    def redis(self) -> None:
        parts = urlsplit(self.args.redis_url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 6379
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            pass
        cmd = ["redis-server", "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no"]
        self.start("redis", cmd)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not come up")

    def simulator(self) -> None:
        cmd = [self.args.python, "manage.py", "exchange_simulator", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.args.sim_port), "--tick-seconds", "0", "--control-token", CONTROL_TOKEN]
        self.start("simulator", cmd)
        wait_http(f"http://127.0.0.1:{self.args.sim_port}/api/v3/time")

    def workers(self, count: int) -> list[str]:
        """Start `count` worker processes; returns the Celery node names."""
        celery = [f"{self.bindir}/celery", "-A", "config", "worker", "-Q", WORKER_QUEUES, "--loglevel=INFO"]
        if self.args.pool == "separate":  # N workers of one pool process each
            names = [f"p4w{n}@bench" for n in range(1, count + 1)]
            for n, name in enumerate(names, 1):
                self.start(f"worker{n}", [*celery, "-P", "prefork", "-c", "1", "-n", name])
            return names
        self.start("worker", [*celery, "-P", "prefork", "-c", str(count), "-n", "p4w@bench"])
        return ["p4w@bench"]

    def pids(self, name: str, *, parents: bool = True, children: bool = True) -> list[int]:
        """A started process and its children (prefork pool processes)."""
        out: list[int] = []
        for key, proc in self.procs.items():
            if key.startswith(name):
                if parents:
                    out.append(proc.pid)
                if children:
                    kids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
                    out.extend(int(pid) for pid in kids.stdout.split())
        return out


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310  loopback
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


# --- CPU accounting -------------------------------------------------------------------------------
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    return total


def every_process() -> dict[int, tuple[str, float]]:
    """Every process's (name, CPU seconds): with a second reading, what else the machine ran."""
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name, fields = raw[raw.index("(") + 1 : raw.rindex(")")], raw.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def others_cpu(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], counted: set[int], top: int = 6
) -> dict[str, float]:
    """CPU seconds of the processes not counted by name, summed by process name (kernel threads,
    PostgreSQL's own background processes, the harness, the machine's idle services)."""
    by_name: dict[str, float] = {}
    for pid, (name, cpu) in after.items():
        if pid in counted:
            continue
        prev = before.get(pid)
        spent = cpu - (prev[1] if prev and prev[0] == name else 0.0)
        if spent > 0:
            key = name.split("/")[0]  # kworker/1:1H-kblockd -> kworker
            by_name[key] = by_name.get(key, 0.0) + spent
    ranked = sorted(by_name.items(), key=lambda kv: -kv[1])
    out = {name: round(cpu, 2) for name, cpu in ranked[:top]}
    out["rest"] = round(sum(cpu for _, cpu in ranked[top:]), 2)
    return out


def machine_busy() -> tuple[float, float, float]:
    """(busy, total, stolen) CPU seconds of the whole machine since boot, all cores. Stolen time
    (the hypervisor ran another guest) counts as busy: this machine could not use it."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK, values[7] / CLK_TCK


# --- rows -----------------------------------------------------------------------------------------
@dataclass
class Run:
    latency_ms: float
    workers: int
    orders: int
    round: int = 0
    seconds: float = 0.0
    acknowledged: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    per_order_ms: dict[str, float] = field(default_factory=dict)
    exactly_once: dict[str, Any] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    others_cpu: dict[str, float] = field(default_factory=dict)
    db_connections_opened: int = 0

    @property
    def rate(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else 0.0


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args.db,)).fetchone():
            conn.execute(f"CREATE DATABASE {args.db}")
    subprocess.run(
        [args.python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def flush_redis(url: str) -> None:
    import redis

    parts = urlsplit(url)
    first = int((parts.path or "/0").lstrip("/") or 0)
    for n in (first, first + 1, first + 2):
        redis.Redis(host=parts.hostname or "127.0.0.1", port=parts.port or 6379, db=n).flushdb()


def seed_traders(users: int) -> list[Any]:
    """The bench traders with their simulator accounts (funded on the simulator just started);
    every trading row of an earlier run deleted, and the tables vacuumed."""
    from django.db import connection

    from accounts.models import User
    from brokers.services import exchange_config_create
    from brokers.services_simulator import simulator_control
    from trading.dca.models import DCAConfig
    from trading.dca.services import dca_config_create

    control = simulator_control()
    ids = [str(u) for u in User.objects.filter(email__startswith="bench-p4-").values_list("pk", flat=True)]
    if ids:
        with connection.cursor() as cur:
            for sql in (
                "DELETE FROM trading_fill WHERE order_id IN "
                "(SELECT id FROM trading_dcaorder WHERE user_id = ANY(%s::uuid[]))",
                "DELETE FROM trading_dcaorder WHERE user_id = ANY(%s::uuid[])",
                "DELETE FROM trading_pyramid WHERE group_id IN "
                "(SELECT id FROM trading_positiongroup WHERE user_id = ANY(%s::uuid[]))",
                "DELETE FROM trading_positiongroup WHERE user_id = ANY(%s::uuid[])",
            ):
                cur.execute(sql, [ids])
    with connection.cursor() as cur:
        # This machine's PostgreSQL runs without autovacuum: each run leaves ~100,000 dead order
        # rows (a deleted batch, two updates per order), and later runs in one sequence slowed
        # down (83 -> 74 -> 71 orders/s at 4 processes). Cleared as autovacuum keeps a live database.
        for table in ("trading_fill", "trading_dcaorder", "trading_pyramid", "trading_positiongroup"):
            cur.execute(f"VACUUM ANALYZE {table}")
    accounts = []
    for i in range(users):
        email = USER_EMAIL.format(i)
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, f"benchp4{i}", "Bench-Password-123"
        )
        account = user.exchange_configs.filter(exchange="simulator").first()
        if account is None:
            account = exchange_config_create(user=user, exchange="simulator", mode="testnet", label="bench")
        control.create_account(account.api_key, account.api_secret, {"USDT": "100000000"}, set_balances=True)
        for symbol in SYMBOLS:
            if not DCAConfig.objects.filter(user=user, symbol__in=[symbol, f"{symbol[:-4]}/USDT"]).exists():
                dca_config_create(
                    user=user,
                    fields={
                        "exchange": "simulator",
                        "symbol": symbol,
                        "timeframe": "",
                        "levels": LEVELS,
                        "capital_per_pyramid": Decimal("200"),
                    },
                )
        accounts.append(account)
    return accounts


def seed_orders(accounts: list[Any], count: int, seed: int, tag: str) -> list[str]:
    """`count` pending limit buys, one group per (trader, symbol), rows as the engine builds them;
    the same `seed` gives the same sequence of (trader, symbol, price, quantity)."""
    from django.utils import timezone

    from brokers.services_simulator import simulator_control
    from trading.execution.services.order_rows import new_order
    from trading.positions.models import DCAOrder, OrderRole

    markets = {m["symbol"]: m for m in simulator_control().state()["markets"]}
    rng = random.Random(seed)
    groups: dict[tuple[int, str], tuple[Any, Any]] = {}
    rows = []
    for i in range(count):
        a, symbol = rng.randrange(len(accounts)), rng.choice(SYMBOLS)
        spec = markets[symbol]
        tick, step = Decimal(spec["tick_size"]), Decimal(spec["step_size"])
        price = Decimal(spec["price"]) * (1 - Decimal(rng.randrange(100, 300)) / 10_000)
        price = price.quantize(tick, ROUND_DOWN)
        quantity = max((NOTIONAL / price / step).to_integral_value(ROUND_UP) * step, Decimal(spec["min_qty"]))
        account = accounts[a]
        group, pyramid = groups.get((a, symbol)) or (None, None)
        if group is None:
            group, pyramid = groups[(a, symbol)] = open_group(account, symbol, tag, price)
        rows.append(
            new_order(
                user_id=account.user_id,
                group=group,
                pyramid=pyramid,
                role=OrderRole.LEG,
                level=i % 10,
                symbol=group.symbol,
                side="buy",
                order_type="limit",
                price=price,
                quantity=quantity,
                created_at=timezone.now(),
            )
        )
    DCAOrder.objects.bulk_create(rows, batch_size=500)
    return [str(r.pk) for r in rows]


def open_group(account: Any, symbol: str, tag: str, price: Decimal) -> tuple[Any, Any]:
    """A group and its first pyramid as the engine opens them (processing._open_group):
    the DCA configuration's snapshot and the market's, which every claim reads back."""
    from django.utils import timezone

    from brokers.adapters.cache import cached_adapter_for
    from brokers.markets import market_to_json
    from trading.dca.models import DCAConfig
    from trading.dca.services import dca_config_snapshot
    from trading.positions.models import PositionGroup, Pyramid

    unified = f"{symbol[:-4]}/USDT"
    config = DCAConfig.objects.filter(user_id=account.user_id, symbol__in=[symbol, unified]).first()
    market = cached_adapter_for(account).market(unified)
    now = timezone.now()
    group = PositionGroup.objects.create(
        user_id=account.user_id,
        account=account,
        exchange="simulator",
        symbol=unified,
        timeframe=tag,
        side="long",
        pyramid_count=1,
        last_pyramid_at=now,
        dca_config=config,
        config_snapshot=dca_config_snapshot(config),
        market_snapshot=market_to_json(market),
        max_pyramids=config.max_pyramids,
        tp_mode=config.tp_mode,
    )
    pyramid = Pyramid.objects.create(group=group, index=0, entry_price=price, capital=Decimal("200"))
    return group, pyramid


def enqueue(ids: list[str], expires: float) -> None:
    """What `enqueue_place` sends after the commit, with a longer expiry than its 60 s: a single
    worker takes over a minute for 2,000 orders at 30 ms, and messages dropped as expired wait
    for the sweeper (beat, every 30 s), which does not run here."""
    from trading.execution.tasks import place_order
    from trading.positions.models import DCAOrder

    users = dict(DCAOrder.objects.filter(pk__in=ids).values_list("pk", "user_id"))
    for order_id in ids:
        kwargs = {"order_id": order_id, "user_id": str(users[uuid.UUID(order_id)])}
        place_order.apply_async(kwargs=kwargs, expires=expires)


def queue_depth(url: str) -> int:
    """Messages waiting in the broker (every priority list of the default queue) or delivered
    and not yet acknowledged."""
    import redis

    client = redis.Redis.from_url(url)
    waiting = sum(int(client.llen(key)) for key in client.scan_iter(match="celery*"))
    return waiting + int(client.hlen("unacked"))


DONE_SQL = """
SELECT count(*) FROM trading_dcaorder o JOIN trading_positiongroup g ON g.id = o.group_id
WHERE g.timeframe = %s AND o.status NOT IN ('pending', 'submitting')
"""


def wait_done(ids: list[str], timeout: float, tag: str = "") -> dict[str, dict[str, Any]]:
    """Wait until every order is answered (or `timeout`), then read the rows. With `tag` (the
    groups' timeframe) the polling is one cheap count, not a 2,000-id query every time."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while tag and time.monotonic() < deadline:
        with connection.cursor() as cur:
            cur.execute(DONE_SQL, [tag])
            if cur.fetchone()[0] >= len(ids):
                break
        time.sleep(0.1)
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id::text, client_order_id, status, exchange_order_id, last_error, attempts, "
                "extract(epoch FROM submitted_at), extract(epoch FROM acknowledged_at) "
                "FROM trading_dcaorder WHERE id = ANY(%s::uuid[])",
                [ids],
            )
            rows = {
                r[0]: {
                    "client_order_id": r[1],
                    "status": r[2],
                    "exchange_order_id": r[3],
                    "last_error": r[4],
                    "attempts": r[5],
                    "submitted": None if r[6] is None else float(r[6]),
                    "acked": None if r[7] is None else float(r[7]),
                }
                for r in cur.fetchall()
            }
        done = sum(1 for r in rows.values() if r["status"] not in ("pending", "submitting"))
        if done >= len(ids) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def drain(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while queue_depth(url) and time.monotonic() < deadline:
        time.sleep(0.2)


def ping(names: list[str], processes: int, timeout: float = 90) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=names, timeout=1.0) or []
        if len(replies) == len(names):
            stats = app.control.inspect(destination=names, timeout=2.0).stats() or {}
            pool = sum(len(s.get("pool", {}).get("processes", [])) for s in stats.values())
            if pool == processes:
                return
        time.sleep(0.5)
    raise RuntimeError(f"workers {names} did not come up")


def consumers(names: list[str], *, on: bool) -> None:
    from config.celery import app

    call = app.control.add_consumer if on else app.control.cancel_consumer
    replies = call("celery", destination=names, reply=True, timeout=5.0) or []
    if len(replies) != len(names):
        raise RuntimeError(f"{'add' if on else 'cancel'}_consumer: {len(replies)} of {len(names)} replied")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def simulator_orders(accounts: list[Any]) -> tuple[dict[str, Any], list[str]]:
    from brokers.services_simulator import simulator_control

    control = simulator_control()
    state = control.state()
    client_ids = [o["client_order_id"] for a in accounts for o in control.account(a.api_key)["open_orders"]]
    return state, client_ids


def run_one(stack: Stack, args: argparse.Namespace, latency: float, workers: int) -> Run:
    from django.db import connection

    from brokers.services_simulator import simulator_control

    run = Run(latency_ms=latency, workers=workers, orders=args.orders)
    flush_redis(args.redis_url)
    stack.simulator()
    try:
        simulator_control().set_faults(latency_ms=latency, latency_jitter_ms=args.jitter_ms)
        accounts = seed_traders(args.users)
        connection.close()
        names = stack.workers(workers)
        ping(names, workers)
        drain(args.redis_url)  # the start-up reconciliation, account validations
        warmup = seed_orders(accounts, args.warmup, args.seed + 1, WARMUP_TAG)
        enqueue(warmup, args.expires)
        rows = wait_done(warmup, 120, WARMUP_TAG)
        drain(args.redis_url)
        warm_acked = sum(1 for r in rows.values() if r["acked"])
        consumers(names, on=False)
        measured = seed_orders(accounts, args.orders, args.seed, MEASURED_TAG)
        enqueue(measured, args.expires)
        connection.close()  # the bench's own connection stays out of the measured window
        depth = queue_depth(args.redis_url)
        print(
            f"  latency {latency:g} ms, {workers} worker process(es): warm-up {warm_acked}/{len(warmup)} "
            f"acknowledged; {depth} messages queued",
            flush=True,
        )
        time.sleep(1)
        pg = pg_backends(args.db)
        groups = {
            "simulator": stack.pids("simulator"),
            "consumer": stack.pids("worker", children=False),
            "pool": stack.pids("worker", parents=False),
            "postgres": pg,
            "redis": redis_pids(args.redis_url, stack),
        }
        spies = profile_start(stack, args, latency, workers) if args.profile else []
        cpu0 = {k: cpu_of(v) for k, v in groups.items()}
        every0 = every_process()
        busy0, total0, stolen0 = machine_busy()
        started = time.time()
        consumers(names, on=True)
        rows = wait_done(measured, args.timeout, MEASURED_TAG)
        busy1, total1, stolen1 = machine_busy()
        cpu1 = {k: cpu_of(v) for k, v in groups.items()}
        every1 = every_process()
        profile_stop(spies)
        acked = [r for r in rows.values() if r["acked"]]
        run.acknowledged = len(acked)
        end = max((r["acked"] for r in acked), default=started)
        run.seconds = max(end - started, 1e-9)
        window = time.time() - started
        run.cpu_seconds = {k: round(cpu1[k] - cpu0[k], 2) for k in groups}
        # Connections opened meanwhile (churn): their whole CPU falls inside the window.
        opened = sorted(set(pg_backends(args.db)) - set(pg))
        run.cpu_seconds["postgres"] = round(run.cpu_seconds["postgres"] + cpu_of(opened), 2)
        run.db_connections_opened = len(opened)
        counted = {pid for pids in groups.values() for pid in pids} | set(opened)
        run.others_cpu = others_cpu(every0, every1, counted)
        run.cpu_seconds["window_s"] = round(window, 2)
        run.cpu_seconds["machine_busy_cores"] = round((busy1 - busy0) / window, 2) if window else 0.0
        run.cpu_seconds["machine_stolen_cores"] = round((stolen1 - stolen0) / window, 2) if window else 0.0
        run.cpu_seconds["machine_cores"] = round((total1 - total0) / window, 2) if window else 0.0
        times = [(r["acked"] - r["submitted"]) * 1000 for r in acked if r["submitted"]]
        run.per_order_ms = {
            "p50": round(pct(times, 50), 1),
            "p99": round(pct(times, 99), 1),
            "mean": round(statistics.fmean(times), 1) if times else float("nan"),
            # what one process spends per order, everything included (task overhead, waiting)
            "process_ms_per_order": round(run.seconds * workers * 1000 / max(run.acknowledged, 1), 1),
        }
        errors: dict[str, int] = {}
        for r in rows.values():
            if not r["acked"]:
                key = f"{r['status']}: {(r['last_error'] or '')[:60]}"
                errors[key] = errors.get(key, 0) + 1
        run.errors = errors
        time.sleep(1)
        state, client_ids = simulator_orders(accounts)
        all_rows = wait_done(warmup, 1) | rows
        row_ids = {r["client_order_id"] for r in all_rows.values() if r["exchange_order_id"]}
        run.exactly_once = {
            "rows": len(all_rows),
            "rows_acknowledged": len(row_ids),
            "simulator_orders_placed": state["orders"]["placed"],
            "simulator_client_ids_reused": state["orders"]["client_ids_reused"],
            "simulator_open_orders": len(client_ids),
            "open_client_ids_equal_rows": set(client_ids) == row_ids and len(client_ids) == len(row_ids),
            "post_order_requests": state["counters"]["by_endpoint"].get("POST /api/v3/order", 0),
            "claims_beyond_one": sum(1 for r in all_rows.values() if (r["attempts"] or 0) > 1),
        }
        eo = run.exactly_once
        eo["holds"] = (
            eo["simulator_orders_placed"]
            == eo["rows"]
            == eo["rows_acknowledged"]
            == eo["simulator_open_orders"]
            and eo["simulator_client_ids_reused"] == 0
            and eo["open_client_ids_equal_rows"]
        )
    finally:
        stack.stop("worker")
        stack.stop("simulator")
    return run


def profile_start(stack: Stack, args: argparse.Namespace, latency: float, workers: int) -> list[Any]:
    """py-spy on every worker process (the consumer and its pool) for the measured window."""
    spy = shutil.which("py-spy", path=f"{stack.bindir}:{ROOT / '.venv/bin'}:{os.environ.get('PATH', '')}")
    if spy is None:
        raise RuntimeError("--profile needs py-spy (pip install py-spy)")
    spies = []
    for pid in stack.pids("worker"):
        out = WORK / f"profile-l{latency:g}-w{workers}-{pid}.txt"
        cmd = [spy, "record", "-p", str(pid), "-r", "250", "-f", "raw", "-o", str(out), "--nonblocking"]
        spies.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1.5)  # py-spy attached before the clock starts
    return spies


def profile_stop(spies: list[Any]) -> None:
    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        spy.wait(timeout=60)


def pg_backends(db: str) -> list[int]:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (db,)).fetchall()
    return [int(r[0]) for r in rows]


def redis_pids(url: str, stack: Stack) -> list[int]:
    if "redis" in stack.procs:
        return [stack.procs["redis"].pid]
    import redis

    try:
        return [int(redis.Redis.from_url(url).info("server")["process_id"])]
    except Exception:
        return []


def print_table(runs: list[Run]) -> None:
    base = {(r.round, r.latency_ms): r.rate for r in runs if r.workers == 1}
    print(
        "\n| latency ms | workers | orders | seconds | orders/s | ratio | p50 ms | p99 ms | ms/order/process "
        "| CPU s: simulator / consumer / pool / postgres / redis | machine busy (stolen) of cores "
        "| exactly once |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        one = base.get((r.round, r.latency_ms))
        ratio = r.rate / one if one else float("nan")
        c, p = r.cpu_seconds, r.per_order_ms
        eo = r.exactly_once
        once = "yes" if eo.get("holds") else f"NO {eo}"
        print(
            f"| {r.latency_ms:g} | {r.workers} | {r.acknowledged}/{r.orders} | {r.seconds:.2f} "
            f"| {r.rate:.1f} | {ratio:.2f}x | {p['p50']} | {p['p99']} | {p['process_ms_per_order']} "
            f"| {c['simulator']} / {c['consumer']} / {c['pool']} / {c['postgres']} / {c['redis']} "
            f"| {c['machine_busy_cores']} ({c.get('machine_stolen_cores', 0)}) / {c['machine_cores']} "
            f"| {once} |"
        )
        if r.errors:
            print(f"|   errors: {r.errors} |")
        if r.others_cpu:
            print(f"|   CPU s of everything else, by process name: {r.others_cpu} |")
        if r.db_connections_opened:
            print(f"|   database connections opened during the run: {r.db_connections_opened} |")


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--python", default=str(ROOT / ".venv/bin/python"), help="interpreter of every server"
    )
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=200, help="orders placed before the measured batch")
    parser.add_argument(
        "--latency-ms", default="30,0", help="simulator latency per answer, one set of runs each"
    )
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="plus up to this much, uniform")
    parser.add_argument(
        "--workers", default="1,2", help="worker processes, one run each (the first is the base)"
    )
    parser.add_argument(
        "--pool",
        choices=("prefork", "separate"),
        default="prefork",
        help="prefork: one `worker -c N` (as deployed); separate: N workers of -c 1",
    )
    parser.add_argument("--repeat", type=int, default=1, help="run the whole set this many times")
    parser.add_argument("--shared-limit", action="store_true", help="one rate-limit bucket for the exchange")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--db", default="tf_bench_p4")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6390/0")
    parser.add_argument("--sim-port", type=int, default=9049)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for one batch")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for every process")
    parser.add_argument("--profile", action="store_true", help="py-spy the workers (collapsed stacks)")
    parser.add_argument("--expires", type=float, default=3600, help="message expiry, s (production sends 60)")
    parser.add_argument("--out", default=str(WORK / "p4.json"))
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    for sub in ("prom", "var"):
        shutil.rmtree(WORK / sub, ignore_errors=True)
        (WORK / sub).mkdir(parents=True)
    stack = Stack(args)
    runs: list[Run] = []
    signal.signal(signal.SIGTERM, _stop)  # `kill` ends the run with every process it started
    try:
        stack.redis()
        prepare_database(args, stack.env)
        django_setup(base_env(args))
        for n in range(args.repeat):
            for latency in [float(x) for x in args.latency_ms.split(",") if x]:
                for workers in [int(x) for x in args.workers.split(",") if x]:
                    run = run_one(stack, args, latency, workers)
                    run.round = n + 1
                    runs.append(run)
                    print_table([r for r in runs if r.round == run.round and r.latency_ms == latency])
                    Path(args.out).write_text(json.dumps([r.__dict__ for r in runs], indent=1, default=str))
    finally:
        stack.stop()
    print(f"\npython {args.python}, pool {args.pool}, {args.users} users, seed {args.seed}; raw: {args.out}")
    print_table(runs)


if __name__ == "__main__":
    main()
