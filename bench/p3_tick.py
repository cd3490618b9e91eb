# ruff: noqa: S108  (a local benchmark: our own servers, a scratch dir, made-up prices)
"""Benchmark P3: one fill tick and one take-profit tick over 1,000 users x 10 live groups on 100
symbols, on 2 worker processes (docs/benchmarks.md).

    /tmp/venv-deb/bin/python -m bench.p3_tick --python /tmp/venv-deb/bin/python --runs 3

It starts and stops everything itself: the PostgreSQL database `tf_p3` (dropped, created and
migrated), Redis db 12 (broker), 13 (cache) and 14 (channel layer), flushed; the exchange
simulator with 100 symbols (12 real pairs and 88 made-up ones, prices fixed: they move only when
this script sets them), in threads of this process; `celery worker -P prefork -c 2` (two worker
processes) with the Celery app bench/p3_worker.py (config.celery's app plus one probe: a line
per task run in a Redis list).

Seed (bulk_create, a minute or so): `--users` traders, each with a simulator account (funded on
the simulator) and `--groups` open groups on as many distinct symbols, so every symbol holds
users x groups / symbols groups. Each group: a 3-leg grid at 0/-1/-2 % (40/30/30 % of 300 USDT),
the entry filled (with its Fill row), the other two legs resting on the simulator; take-profit
rules mixed: 60 % per leg (the entry's take-profit resting at +1 %), 10 % aggregate at +1 %, 10 %
hybrid at +2 %, 10 % aggregate per pyramid at +3 %, 10 % aggregate +1 % trailing 0.5 %; a third
with a 5 % stop loss, a quarter with cancel-beyond at 3 %. The rows are dated as last changed
`--seed-age` minutes ago (60: a fleet in steady state; 0: all of them just now, as after a bulk
import), then vacuumed and analysed.

Each run: every symbol's price moves a little (±0.3 %, crosses nothing), then `--down` symbols
fall 1.2 % (their -1 % legs trade) and `--up` symbols rise 1.2 % (their +1 % take-profits trade,
their aggregate targets are reached). Then `monitor_fills` and `check_take_profits` are sent at
the same moment, as beat does when the 10 s and 15 s schedules meet, and the clock runs until
the last batch task of both ticks has finished (the orders they caused, take-profits placed and
positions closed, are timed apart). The simulator counts every request it receives, and each
run records the CPU time of the workers, PostgreSQL, Redis and this harness with the simulator.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.procs import fresh_database, start_celery_worker, stop_group

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "tf_p3"
REDIS_URL = "redis://127.0.0.1:6379/12"  # broker 12, cache 13, channel layer 14
REDIS_DBS = (12, 13, 14)
PROBE_KEY = "p3:runs"
WORK = Path(os.environ.get("P3_WORK_DIR", "/tmp/tf-p3"))
D = Decimal
CAPITAL = D(300)
LEVELS = ((D(0), D(40), D(1)), (D(-1), D(30), D(1)), (D(-2), D(30), D("1.5")))  # gap, weight, tp %
BATCH_TASKS = (
    "trading.tasks.monitor_fill_batch",
    "trading.tasks.take_profit_batch",
    "trading.tasks.take_profit_partition",  # a large fleet's take-profit tick, one per partition
)
DISPATCHERS = ("trading.tasks.monitor_fills", "trading.tasks.check_take_profits")
MONITOR_ROUTES = ("ticker", "myTrades", "GET /api/v3/order", "openOrders", "exchangeInfo", "time")


def django_env() -> dict[str, str]:
    """Django's settings on the P3 database (also bench/p3_readers.py)."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ENCRYPTION_KEYS": "bench1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "DEBUG": "false",
    }


def env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **django_env(),
        "SIMULATOR_URL": f"http://127.0.0.1:{args.sim_port}",
        "SIMULATOR_CONTROL_TOKEN": "bench-p3-control-token",
        "SIMULATOR_EMBEDDED": "false",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),  # compose's default
        "TRADEFLEET_VAR_DIR": str(WORK / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(WORK / "prom"),
        "P3_PROBE_KEY": PROBE_KEY,
        "P3_NOTIFICATIONS": args.notifications,
        "TRADING_MARK_EVENTS": "true" if args.marks_events == "on" else "false",
        # The fleet-wide limiter follows Binance's weights (ccxt's costs). Binance counts weight
        # per minute, so a bucket of one minute's allowance (6,000) is what the exchange allows;
        # the shipped default (1 s) is stricter. --burst 1 measures with the default.
        "RATELIMIT_BURST_SECONDS": str(args.burst),
        "PYTHONPATH": str(ROOT),
    }


def prepare(python: str) -> None:
    fresh_database(python=python, db_name=DB_NAME, redis_dbs=REDIS_DBS)


# --- seed -------------------------------------------------------------------------------------


@dataclass
class Seeded:
    symbols: list[str]  # unified, BTC/USDT
    exchange_symbol: dict[str, str]
    start: dict[str, D] = field(default_factory=dict)  # the price every grid was built at
    groups: int = 0
    resting: int = 0
    modes: Counter[str] = field(default_factory=Counter)


def seed(
    sim: Any, users: int, groups_per_user: int, cross_share: float = 1.0, age_minutes: int = 60
) -> Seeded:
    """(Inside Django.) Users, accounts, service rows, groups, pyramids, orders and fills in bulk;
    the resting orders placed on the simulator's engine directly (no HTTP, not counted)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from brokers.adapters.ccxt_adapter import CcxtAdapter
    from brokers.markets import market_to_json
    from brokers.models import ExchangeConfig
    from brokers.precision import floor_to
    from trading.dca.grid import aggregate_tp_price, tp_price
    from trading.positions import accounting
    from trading.positions.models import (
        DCAOrder,
        Fill,
        GroupStatus,
        OrderRole,
        OrderStatus,
        PositionGroup,
        Pyramid,
        TpStatus,
    )
    from trading.runtime.models import ServiceStatus

    markets = CcxtAdapter.public("simulator").load_markets()
    symbols = sorted(markets)
    info = Seeded(symbols, {s: markets[s].exchange_symbol for s in symbols})
    engine = sim.app.engine
    price_of = info.start = {s: engine.board.price(info.exchange_symbol[s]) for s in symbols}
    password = make_password("Bench-Password-123")
    hour_ago = timezone.now() - timedelta(hours=1)
    rows: dict[str, list[Any]] = {k: [] for k in ("users", "accounts", "services", "groups", "pyramids")}
    rows.update(orders=[], fills=[])
    balances = {"USDT": D(10) ** 9, **{markets[s].base: D(10) ** 7 for s in symbols}}
    n = 0
    for i in range(users):
        user = User(email=f"p3-{i}@example.com", username=f"p3user{i}", password=password, role="trader")
        account = ExchangeConfig(
            user=user, exchange="simulator", mode="testnet", label="p3", is_validated=True, is_default=True
        )
        key, secret = f"p3key{i:06d}".ljust(64, "k"), f"p3secret{i:06d}".ljust(64, "s")
        account.set_credentials(api_key=key, api_secret=secret)
        engine.create_account(key, secret, balances)
        rows["users"].append(user)
        rows["accounts"].append(account)
        rows["services"].append(ServiceStatus(user=user, running=True))
        for j in range(groups_per_user):
            symbol = symbols[(i + j * (len(symbols) // groups_per_user)) % len(symbols)]
            market, price = markets[symbol], price_of[symbol]
            kind = (i + j) % 10
            mode, agg, trail = {
                6: ("aggregate", D(1), None),
                7: ("hybrid", D(2), None),
                8: ("pyramid_aggregate", D(3), None),
                9: ("aggregate", D(1), D("0.5")),
            }.get(kind, ("per_leg", D(1), None))
            info.modes[mode + (" trailing" if trail else "")] += 1
            group = PositionGroup(
                user=user,
                account=account,
                exchange="simulator",
                symbol=symbol,
                timeframe="1h",
                side="long",
                status=GroupStatus.PARTIALLY_FILLED,
                market_snapshot=market_to_json(market),
                pyramid_count=1,
                tp_mode=mode,
                tp_aggregate_percent=agg,
                trailing_deviation_percent=trail,
                stop_loss_percent=D(5) if (i + j) % 3 == 0 else None,
                cancel_dca_beyond_percent=D(3) if (i + j) % 4 == 0 else None,
                last_price=price,
                last_evaluated_at=hour_ago,
                opened_at=hour_ago,
            )
            pyramid = Pyramid(group=group, index=0, entry_price=price, capital=CAPITAL, created_at=hour_ago)
            legs = []
            # `cross_share` of the groups have their second leg at -1 % (a 1.2 % fall trades it),
            # the others at -1.5 % (it does not): how many accounts one falling symbol reaches.
            near = (i * groups_per_user + j) % max(round(1 / cross_share), 1) == 0
            for level, (gap, weight, tp) in enumerate(LEVELS):
                gap = gap if level != 1 or near else D("-1.5")
                n += 1
                limit = floor_to(price * (1 + gap / 100), market.tick_size)
                quantity = floor_to(CAPITAL * weight / 100 / limit, market.step_size)
                leg = DCAOrder(
                    user=user,
                    group=group,
                    pyramid=pyramid,
                    role=OrderRole.LEG,
                    level=level,
                    symbol=symbol,
                    side="buy",
                    price=limit,
                    quantity=quantity,
                    client_order_id=f"tfp3{n:010d}",
                    status=OrderStatus.OPEN,
                    tp_percent=tp if mode in ("per_leg", "hybrid") else None,
                    created_at=hour_ago,
                    submitted_at=hour_ago,
                    acknowledged_at=hour_ago,
                )
                if level == 0:  # the entry traded at the signal's price
                    leg.status, leg.filled_quantity, leg.avg_fill_price = OrderStatus.FILLED, quantity, limit
                    leg.fees = quantity * limit * D("0.001")
                    leg.exchange_order_id = f"seed-{n}"
                    if leg.tp_percent is not None:
                        leg.tp_price = tp_price(
                            fill_price=limit, tp_percent=tp, tick_size=market.tick_size, side="long"
                        )
                    rows["fills"].append(
                        Fill(
                            user=user,
                            order=leg,
                            trade_id=f"seed-{n}",
                            price=limit,
                            quantity=quantity,
                            fee=leg.fees,
                            fee_asset="USDT",
                            fee_quote=leg.fees,
                            executed_at=hour_ago,
                        )
                    )
                else:
                    leg.exchange_order_id = _rest(engine, key, info, symbol, "BUY", limit, quantity, leg)
                    info.resting += 1
                legs.append(leg)
                rows["orders"].append(leg)
            entry = legs[0]
            if entry.tp_price is not None:  # per leg and hybrid: its take-profit rests
                n += 1
                entry.tp_status = TpStatus.PLACED
                tp = DCAOrder(
                    user=user,
                    group=group,
                    pyramid=pyramid,
                    leg=entry,
                    role=OrderRole.TAKE_PROFIT,
                    symbol=symbol,
                    side="sell",
                    price=entry.tp_price,
                    quantity=entry.filled_quantity,
                    client_order_id=f"tfp3{n:010d}",
                    status=OrderStatus.OPEN,
                    reason="take_profit",
                    created_at=hour_ago,
                    submitted_at=hour_ago,
                    acknowledged_at=hour_ago,
                )
                tp.exchange_order_id = _rest(engine, key, info, symbol, "SELL", tp.price, tp.quantity, tp)
                info.resting += 1
                rows["orders"].append(tp)
            fill = accounting.LegFill(entry.filled_quantity, entry.avg_fill_price, entry.fees, D(0), D(0))
            summary = accounting.summarize([fill], [])
            group.bought_quantity, group.filled_quantity = summary.bought, summary.held
            group.avg_entry, group.cost_basis, group.total_invested = (
                summary.avg_entry,
                summary.cost_basis,
                summary.invested,
            )
            group.fees = summary.fees
            group.unrealized_pnl, group.unrealized_pnl_percent = accounting.unrealized(summary, price)
            target = aggregate_tp_price(
                average_entry=entry.avg_fill_price, tp_aggregate_percent=agg, tick_size=market.tick_size
            )
            if mode in ("aggregate", "hybrid"):
                group.tp_target_price = target
            if mode == "pyramid_aggregate":
                pyramid.tp_target_price = target
            rows["groups"].append(group)
            rows["pyramids"].append(pyramid)
            info.groups += 1
    # Parents first; every primary key was made in Python, so the children already point at them.
    for model, name in (
        (User, "users"),
        (ExchangeConfig, "accounts"),
        (ServiceStatus, "services"),
        (PositionGroup, "groups"),
        (Pyramid, "pyramids"),
        (DCAOrder, "orders"),
        (Fill, "fills"),
    ):
        model.objects.bulk_create(rows[name], batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        # A fleet in steady state: its rows last changed a while ago, not all within the take-profit
        # tick's band window (`band_floor`, ~16 min), whose void pass reads every order, pyramid and
        # account changed within it (0.43 s of PostgreSQL per tick with all 370,000 rows fresh,
        # docs/benchmarks.md; `--seed-age 0` measures that). The ticks' own changes are fresh.
        for model in (ExchangeConfig, PositionGroup, Pyramid, DCAOrder):
            table = connection.ops.quote_name(model._meta.db_table)
            sql = f"UPDATE {table} SET updated_at = updated_at - %s * interval '1 minute'"  # noqa: S608
            cursor.execute(sql, [age_minutes])
        cursor.execute("VACUUM ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
    return info


def _rest(engine: Any, key: str, info: Seeded, symbol: str, side: str, price: D, qty: D, row: Any) -> str:
    from brokers.simulator.orders import OrderRequest, OrderType, Side, TimeInForce

    order = engine.place_order(
        key,
        OrderRequest(
            symbol=info.exchange_symbol[symbol],
            side=Side(side),
            type=OrderType.LIMIT,
            client_order_id=row.client_order_id,
            quantity=qty,
            price=price,
            time_in_force=TimeInForce.GTC,
        ),
    )
    return str(order.order_id)


# --- one measured tick ------------------------------------------------------------------------


def move_prices(sim: Any, info: Seeded, run: int, down: int, up: int) -> dict[str, tuple[D, D]]:
    """Every symbol to within ±0.3 % of the price its grids were built at (no leg at -1 % and no
    target at +1 % is reached), then `down` symbols to -1.2 % (their -1 % legs trade) and `up`
    symbols to +1.2 % (their +1 % take-profits and targets). Returns {symbol: (before, after)}."""
    engine, rng = sim.app.engine, random.Random(run)
    moved: dict[str, tuple[D, D]] = {}
    chosen = rng.sample(info.symbols, down + up)
    for symbol in info.symbols:
        before = engine.board.price(info.exchange_symbol[symbol])
        factor = D(1) + D(rng.randint(-30, 30)) / 10000
        if symbol in chosen[:down]:
            factor = D("0.988")
        elif symbol in chosen[down:]:
            factor = D("1.012")
        after = engine.set_price(info.exchange_symbol[symbol], info.start[symbol] * factor)
        moved[symbol] = (before, after)
    return moved


def just_submitted() -> int:
    """Resting orders placed since the previous fill tick (take-profits of the last run's fills).
    The fill monitor checks them only when the price crossed them, like any resting order (until
    2026-12-07 it checked each once whatever the price did)."""
    from datetime import datetime

    from django.core.cache import cache

    from trading.execution.services.monitor import LAST_TICK_KEY
    from trading.positions.models import RESTING_STATUSES, DCAOrder

    last = cache.get(LAST_TICK_KEY)
    if not last:
        return 0
    since = datetime.fromisoformat(last)
    return DCAOrder.objects.filter(status__in=RESTING_STATUSES, submitted_at__gte=since).count()


def crossed_orders(moved: dict[str, tuple[D, D]]) -> int:
    """Resting orders whose limit the move crossed: what the fill tick may look up."""
    from django.db.models import Q

    from trading.positions.models import RESTING_STATUSES, DCAOrder

    wanted = Q(pk__in=[])
    for symbol, (before, after) in moved.items():
        low, high = min(before, after), max(before, after)
        wanted |= Q(symbol=symbol, side="buy", price__gte=low) | Q(
            symbol=symbol, side="sell", price__lte=high
        )
    return DCAOrder.objects.filter(wanted, status__in=RESTING_STATUSES).count()


def wait_done(redis: Any, started: float, timeout: float = 120) -> list[dict[str, Any]]:
    """Task runs since `started`, once both dispatchers ran, the queues are empty and nothing new
    ran for a second."""
    queues = [f"{q}{step}" for q in ("celery", "ticks") for step in ["", *(f":{n}" for n in range(1, 10))]]
    deadline, quiet_since, seen = time.monotonic() + timeout, time.monotonic(), 0
    while time.monotonic() < deadline:
        runs = [json.loads(x) for x in redis.lrange(PROBE_KEY, 0, -1)]
        runs = [r for r in runs if r["t0"] >= started - 0.5]
        if len(runs) != seen:
            seen, quiet_since = len(runs), time.monotonic()
        dispatched = {r["task"] for r in runs} >= set(DISPATCHERS)
        idle = not any(redis.llen(q) for q in queues) and not redis.hlen("unacked")
        if dispatched and idle and time.monotonic() - quiet_since > 1.0:
            return runs
        time.sleep(0.05)
    raise RuntimeError("the tick did not finish in time")


def purge_startup_reconciliation(timeout: float = 60) -> None:
    """A worker that starts sends `reconcile_all`: one `reconcile_account` per account, each an
    open-orders request of weight 80 (a 1,000-account fleet needs ~13 minutes of one IP's Binance
    allowance for it). Measured here is a tick in steady state: those messages are purged."""
    import redis as redis_lib

    from config.celery import app

    r = redis_lib.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(json.loads(x)["task"] == "trading.tasks.reconcile_all" for x in r.lrange(PROBE_KEY, 0, -1)):
            break
        time.sleep(0.2)
    purged = app.control.purge()
    while r.hlen("unacked") and time.monotonic() < deadline:
        time.sleep(0.2)
    print(f"start-up reconciliation: {purged} messages purged", flush=True)


def measure(sim: Any, info: Seeded, run: int, args: argparse.Namespace) -> dict[str, Any]:
    import redis as redis_lib

    from config.tasks import task_named

    r = redis_lib.Redis.from_url(REDIS_URL)
    moved = move_prices(sim, info, run, args.down, args.up)
    crossed, fresh = crossed_orders(moved), just_submitted()
    r.delete(PROBE_KEY)
    cache = redis_lib.Redis.from_url("redis://127.0.0.1:6379/13")
    for key in cache.scan_iter("*tf:rl:*"):  # each run starts with the limiter's bucket full
        cache.delete(key)
    with sim.app._counter_lock:  # the simulator runs in this process: read its counters directly
        sim.app.requests.clear()
        sim.app.statuses.clear()
    time.sleep(0.2)
    cpu0, machine0, kinds0 = time.process_time(), _machine_cpu(), _cpu_by_kind()
    t0 = time.time()
    from django.conf import settings

    for entry in ("trading-monitor-fills", "trading-check-take-profits"):  # as beat sends them
        beat = settings.CELERY_BEAT_SCHEDULE[entry]
        task_named(beat["task"]).apply_async(**beat["options"])
    runs = wait_done(r, t0)
    cpu1, machine1, kinds1 = time.process_time(), _machine_cpu(), _cpu_by_kind()
    requests = dict(sim.app.requests)
    ends = {
        name: max((x["t1"] for x in runs if x["task"] == name), default=t0)
        for name in {x["task"] for x in runs}
    }
    batches = [x for x in runs if x["task"] in BATCH_TASKS]
    # Both ticks are done when their dispatchers (the take-profit one marks the groups in their
    # quiet band itself) and every batch they sent have finished.
    tick_end = max([x["t1"] for x in batches] + [ends.get(d, t0) for d in DISPATCHERS])
    monitor = sum(n for route, n in requests.items() if any(k in route for k in MONITOR_ROUTES))
    results = {x["task"]: x.get("result") for x in runs if x["task"] in DISPATCHERS}
    return {
        "run": run,
        "tick_s": round(tick_end - t0, 3),
        "fill_tick_s": round(max(ends.get(BATCH_TASKS[0], t0), ends.get(DISPATCHERS[0], t0)) - t0, 3),
        "tp_tick_s": round(max(ends.get(n, t0) for n in (*BATCH_TASKS[1:], DISPATCHERS[1])) - t0, 3),
        "all_done_s": round(max(x["t1"] for x in runs) - t0, 3),
        "fill_batches": sum(1 for x in batches if x["task"] == BATCH_TASKS[0]),
        "tp_batches": sum(1 for x in batches if x["task"] == BATCH_TASKS[1]),
        "tp_partitions": sum(1 for x in batches if x["task"] == BATCH_TASKS[2]),
        "busy_s": {  # time worker processes spent in each kind of task (2 processes: 2 s per s)
            name.rsplit(".", 1)[-1]: round(sum(x["t1"] - x["t0"] for x in runs if x["task"] == name), 3)
            for name in sorted({x["task"] for x in runs})
        },
        "followups": dict(
            Counter(
                x["task"].rsplit(".", 1)[-1] for x in runs if x["task"] not in (*BATCH_TASKS, *DISPATCHERS)
            )
        ),
        "accounts_watched": results.get(DISPATCHERS[0]),
        "groups_evaluated": results.get(DISPATCHERS[1]),
        "symbols": len(info.symbols),
        "crossed": crossed,
        "just_submitted": fresh,
        "monitor_requests": monitor,
        "budget": len(info.symbols) + crossed,
        "requests": requests,
        "check": check(info, moved),
        # CPU seconds from the first message to the last task (plus wait_done's last idle
        # second): the simulator and this harness (one process), and the whole machine.
        "harness_and_simulator_cpu_s": round(cpu1 - cpu0, 3),
        "machine_cpu_s": round(machine1 - machine0, 3),
        "worker_pids": len({x["pid"] for x in runs}),  # more than --concurrency: a process was replaced
        "cpu_by_kind_s": {k: round(kinds1.get(k, 0) - kinds0.get(k, 0), 3) for k in sorted(kinds1)},
    }


def _machine_cpu() -> float:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _cpu_by_kind() -> dict[str, float]:
    """CPU seconds used so far by each kind of process on the machine: the workers (celery),
    PostgreSQL's backends, Redis, this harness with the simulator, and the rest. A process's own
    time plus that of its children that ended (a pool process Celery replaced, a backend that
    closed), so two readings around a tick compare."""
    tick, me, kinds = os.sysconf("SC_CLK_TCK"), os.getpid(), defaultdict[str, float](float)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        used = sum(int(x) for x in fields[11:15]) / tick  # utime, stime, cutime, cstime
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if int(proc.name) == me:
            kind = "harness_and_simulator"
        elif b"celery" in cmd:
            kind = "workers"
        elif comm.startswith("postgres") or cmd.startswith(b"postgres"):
            kind = "postgresql"
        elif comm.startswith("redis"):
            kind = "redis"
        else:
            kind = "other"
        kinds[kind] += used
    return dict(kinds)


def check(info: Seeded, moved: dict[str, tuple[D, D]]) -> dict[str, int]:
    """What a trader would see afterwards: every open group marked at its symbol's new price, and
    no order the price reached still shown resting."""
    from django.db import connection, transaction

    from trading.positions.marks import marks_freshen
    from trading.positions.models import GroupStatus, PositionGroup

    open_groups = PositionGroup.objects.filter(status__in=[GroupStatus.PARTIALLY_FILLED, GroupStatus.ACTIVE])
    with transaction.atomic():  # every group as a reader sees it, then as it was (runs stay alike)
        marks_freshen()
        stale = sum(
            1
            for symbol, price in open_groups.values_list("symbol", "last_price")
            if price != moved[symbol][1]
        )
        transaction.set_rollback(True)
    with connection.cursor() as cursor:  # the rolled-back rows, cleared before the next run
        cursor.execute(f"VACUUM {PositionGroup._meta.db_table}")
    from django.db.models import Q

    from trading.positions.models import RESTING_STATUSES, DCAOrder

    reached = Q(pk__in=[])
    for symbol, (_, price) in moved.items():
        reached |= Q(symbol=symbol, side="buy", price__gte=price) | Q(
            symbol=symbol, side="sell", price__lte=price
        )
    return {
        "open": open_groups.count(),
        "not_marked_at_new_price": stale,
        # Orders the simulator filled at this price that our rows still show resting: misses.
        "reached_but_still_resting": DCAOrder.objects.filter(reached, status__in=RESTING_STATUSES).count(),
        "closing_or_closed": PositionGroup.objects.filter(status__in=["closing", "closed"]).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", default=str(ROOT / ".venv/bin/python"), help="interpreter of the workers")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=10, help="open groups per user")
    parser.add_argument("--symbols", type=int, default=100, help="simulator symbols (12 real + made-up)")
    parser.add_argument("--down", type=int, default=2, help="symbols whose -1 %% legs trade each run")
    parser.add_argument("--up", type=int, default=1, help="symbols whose +1 %% targets trade each run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cross-share",
        type=float,
        default=1.0,
        help="share of groups whose -1 %% leg a falling symbol trades (the others rest at -1.5 %%)",
    )
    parser.add_argument(
        "--warmups", type=int, default=1, help="warm-up ticks (a large fleet needs more to store every band)"
    )
    parser.add_argument(
        "--seed-age",
        type=int,
        default=60,
        help="minutes since the seeded rows last changed (0: all changed just now, as after a bulk import)",
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--sim-port", type=int, default=9063)
    parser.add_argument("--burst", type=float, default=60, help="RATELIMIT_BURST_SECONDS (see env())")
    parser.add_argument("--out", default=str(WORK / "p3.json"))
    parser.add_argument(
        "--notifications",
        choices=("on", "off"),
        default="on",
        help="off: notify() does nothing in the workers (the tick without notifications)",
    )
    parser.add_argument(
        "--marks-events",
        choices=("on", "off"),
        default="on",
        help="off: the take-profit tick sends no positions.marked events (TRADING_MARK_EVENTS)",
    )
    args = parser.parse_args()
    for sub in ("var", "prom"):
        (WORK / sub).mkdir(parents=True, exist_ok=True)
    os.environ.update(env(args))
    prepare(sys.executable)

    from brokers.simulator import SimulatorOptions, SimulatorServer

    sim = SimulatorServer(
        SimulatorOptions(
            port=args.sim_port,
            tick_seconds=0,
            history_minutes=30,
            control_token=os.environ["SIMULATOR_CONTROL_TOKEN"],
            extra_markets=max(args.symbols - 12, 0),
        )
    ).start()
    import django

    django.setup()
    worker: subprocess.Popen[bytes] | None = None
    results = []
    try:
        clock = time.monotonic()
        info = seed(sim, args.users, args.groups, args.cross_share, args.seed_age)
        seeded_at = time.monotonic()
        print(
            f"seeded {args.users} users, {info.groups} groups on {len(info.symbols)} symbols, "
            f"{info.resting} resting orders ({dict(info.modes)}) in {time.monotonic() - clock:.0f} s",
            flush=True,
        )
        log = open(WORK / "worker.log", "ab")
        worker = start_celery_worker(
            python=args.python, app="bench.p3_worker", concurrency=args.concurrency, name="p3w@%h", log=log
        )
        purge_startup_reconciliation()
        # Warm-up: imports, markets, connections, the first range of prices seen, and every
        # group's quiet band. A band is void while its rows changed within the clock margin
        # (TRADING_QUIET_MARGIN_SECONDS), so the warm-up waits until the seed is that old, as
        # the rows of a fleet in steady state are.
        from django.conf import settings

        time.sleep(max(0.0, seeded_at + settings.TRADING_QUIET_MARGIN_SECONDS + 1 - time.monotonic()))
        for n in range(args.warmups):
            warm = measure(sim, info, 0, argparse.Namespace(down=0, up=0))
            print(
                f"warm-up tick {n + 1} (groups without a band decided in Python, their band stored): "
                f"{warm['tick_s']} s, busy {warm['busy_s']}",
                flush=True,
            )
            time.sleep(2)
        for run in range(1, args.runs + 1):
            time.sleep(2)
            res = measure(sim, info, run, args)
            results.append(res)
            print(json.dumps(res), flush=True)
    finally:
        if worker is not None:
            stop_group(worker, timeout=30)
        sim.stop()
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(
        "\n| run | fill+TP tick s | fill batches done s | TP batches done s | orders they caused done s |"
        " monitor requests | symbols + crossed (+ just submitted) | pass (≤ 2 s, ≤ symbols + crossed) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        ok = r["tick_s"] <= 2 and r["monitor_requests"] <= r["budget"]
        print(
            f"| {r['run']} | {r['tick_s']} | {r['fill_tick_s']} | {r['tp_tick_s']} | {r['all_done_s']} | "
            f"{r['monitor_requests']} | {r['symbols']} + {r['crossed']} = {r['budget']} "
            f"(+ {r['just_submitted']}) | {'pass' if ok else 'FAIL'} |"
        )


if __name__ == "__main__":
    main()
