# ruff: noqa: S108  (a local benchmark: our own servers, a scratch dir, made-up prices)
"""Benchmark P6: the NSE strategy's 16:00 analysis for 1,000 traders x 50 symbols, on 2 worker
processes (docs/benchmarks.md).

    .venv/bin/python -m bench.p6_analysis --runs 3

It starts and stops everything itself: the PostgreSQL database `tf_p6` (dropped, created and
migrated), Redis db 8 (broker), 9 (cache) and 10 (channel layer), flushed;
`celery worker -P prefork -c 2` with the Celery app bench/p6_worker.py (config.celery's app plus
two probes: a line per task run and one per verdict computed, in a Redis list).

Seed (bulk_create, seconds): `--symbols` NSE-like stocks with ~700 trading days of daily candles
each under the candle source "csv" (the analysis never refreshes those from the network), each
with its TrackedSeries row (calendar nse, refreshed after the close); the last candle is the last
NSE close at the real clock's time (`close_to_analyse(now)`, what the task itself analyses). The
prices are deterministic random walks with a dip every 70 days (the backtests have trades to
score), and every third stock falls for its last 8 sessions, so that on the analysed close its
RSI(10) is oversold and it passes the entry rules: the costly two-year backtest runs for those.
`--users` traders, each with a paper_nse account, an NSE strategy (on, that account, the whole
universe, candle source csv, default rules but `min_combined_score` 25 - k for the k-th of
`--rule-sets` rule sets, spread round-robin over the traders) and a running trading service.

A warm-up of 8 traders is not counted. Each run starts from no verdicts, runs or
recommendations (deleted, then VACUUM ANALYZE, as autovacuum keeps a live database), and sends one
`run_strategy_task(user_id=..., task="analysis")` per trader at the same moment, with the 30 min
expiry of the traders' beat rows, as beat does at 16:00. On a day that is not an NSE trading day
(a weekend) a scheduled run would only record "not a trading day", so the messages then carry
`manual=True` ("Run now"), which skips only that check and the service-running check (two reads).
The clock runs until every trader's AnalysisRun has succeeded (or failed).

After the runs, in this process (`--inprocess-only` for just this): the cost of one symbol's
verdict (`bars_for` from the database, then `scan_symbol` with and without the backtest) and of
one trader's run when every verdict exists, so that the total can be explained as
computations x scan cost / workers + traders x per-trader cost / workers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.procs import fresh_database, start_celery_worker, stop_group

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "tf_p6"
REDIS_URL = "redis://127.0.0.1:6379/8"  # broker 8, cache 9, channel layer 10
REDIS_DBS = (8, 9, 10)
CACHE_URL = "redis://127.0.0.1:6379/9"
PROBE_KEY = "p6:probe"
WORK = Path(os.environ.get("P6_WORK_DIR", "/tmp/tf-p6"))
SOURCE = "csv"
DAYS = 700
TICK = Decimal("0.05")
DIP_EVERY = 3  # every third stock dips into the analysed close
EXECUTION_NAME = "nse.analysis"
TASK_NAME = "trading.tasks_equities.run_strategy_task"
EXPIRES = 1800  # the analysis' beat rows (trading/equities/services/schedules.py DEFAULT_EXPIRES)
NAMES = (
    "RELIANCE TCS HDFCBANK INFY ICICIBANK HINDUNILVR ITC SBIN BHARTIARTL KOTAKBANK LT AXISBANK "
    "ASIANPAINT MARUTI SUNPHARMA TITAN BAJFINANCE ULTRACEMCO NESTLEIND WIPRO ONGC NTPC POWERGRID M&M "
    "TATAMOTORS TATASTEEL JSWSTEEL ADANIENT ADANIPORTS HCLTECH TECHM COALINDIA GRASIM BAJAJFINSV "
    "DIVISLAB DRREDDY CIPLA EICHERMOT HEROMOTOCO BRITANNIA APOLLOHOSP INDUSINDBK SBILIFE HDFCLIFE BPCL "
    "TATACONSUM UPL SHRIRAMFIN LTIM BAJAJ-AUTO"
).split()


def env() -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "CACHE_URL": CACHE_URL,
        "CHANNEL_LAYER_URL": "redis://127.0.0.1:6379/10",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ENCRYPTION_KEYS": "bench1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "DEBUG": "false",
        "SIMULATOR_EMBEDDED": "false",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),  # compose's default
        "TRADEFLEET_VAR_DIR": str(WORK / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(WORK / "prom"),
        "P6_PROBE_KEY": PROBE_KEY,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    }


def prepare(python: str) -> None:
    fresh_database(python=python, db_name=DB_NAME, redis_dbs=REDIS_DBS)


# --- seed -------------------------------------------------------------------------------------


def symbol_names(count: int) -> list[str]:
    return [NAMES[i] if i < len(NAMES) else f"SYM{i:03d}" for i in range(count)]


def daily_bars(index: int, days: list[date]) -> list[tuple[date, Decimal, Decimal, Decimal, Decimal, int]]:
    """(day, open, high, low, close, volume) for each day, oldest first: a walk with a slight
    upward drift, a 6-session dip every 70 sessions and, for every DIP_EVERY-th stock, 8 falling
    sessions into the last close. Each day opens near the previous close (few gaps) and moves
    about 1.3 % (no flat chart, few extreme candles): the chart-quality filter lets them through."""
    rng = random.Random(f"p6:{index}")
    ticks = rng.randint(2_000, 60_000)  # 100 to 3,000 INR in 0.05 steps
    base_volume = rng.randint(200_000, 5_000_000)
    dipper = index % DIP_EVERY == 0
    bars = []
    for k, day in enumerate(days):
        if dipper and k >= len(days) - 8:
            ret = -rng.uniform(0.017, 0.025)
        elif k % 70 >= 64 and k < len(days) - 20:
            ret = -rng.uniform(0.012, 0.02)
        else:
            ret = rng.gauss(0.0009, 0.013)
        opened = max(20, round(ticks * (1 + rng.gauss(0, 0.001))))
        closed = max(20, round(opened * (1 + ret)))
        high = round(max(opened, closed) * (1 + abs(rng.gauss(0, 0.006))))
        low = max(10, round(min(opened, closed) * (1 - abs(rng.gauss(0, 0.006)))))
        volume = round(base_volume * rng.uniform(0.7, 1.3))
        bars.append((day, opened * TICK, high * TICK, low * TICK, closed * TICK, volume))
        ticks = closed
    return bars


def seed(users: int, symbols: list[str], rule_sets: int, day: date) -> dict[str, Any]:
    """(Inside Django.) Candles, series, traders, accounts, strategies and services in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from brokers.marketdata.days import NSE, daily_opened_at
    from brokers.marketdata.models import MarketCandle, TrackedSeries
    from brokers.models import ExchangeConfig
    from brokers.nse_calendar import nse_calendar
    from trading.equities.models import EquitiesStrategy
    from trading.equities.schedule_defaults import DEFAULT_SCHEDULE
    from trading.runtime.models import ServiceStatus

    days = nse_calendar().trading_days(day - timedelta(days=DAYS * 2), day)[-DAYS:]
    candles = []
    for index, symbol in enumerate(symbols):
        for d, o, h, lo, c, v in daily_bars(index, days):
            candles.append(
                MarketCandle(
                    source=SOURCE,
                    symbol=symbol,
                    interval="1d",
                    opened_at=daily_opened_at(d, NSE),
                    open=o,
                    high=h,
                    low=lo,
                    close=c,
                    volume=Decimal(v),
                )
            )
    MarketCandle.objects.bulk_create(candles, batch_size=5000)
    now = timezone.now()  # after the close analysed: nothing is refreshed
    TrackedSeries.objects.bulk_create(
        TrackedSeries(source=SOURCE, symbol=s, interval="1d", calendar=NSE, last_refreshed=now)
        for s in symbols
    )
    password = make_password("Bench-Password-123")
    rows: dict[str, list[Any]] = {"users": [], "accounts": [], "strategies": [], "services": []}
    params = [rule_set_params(k) for k in range(rule_sets)]
    for i in range(users):
        user = User(email=f"p6-{i}@example.com", username=f"p6user{i}", password=password, role="trader")
        account = ExchangeConfig(
            user=user, exchange="paper_nse", label="p6", is_validated=True, is_default=True
        )
        rows["users"].append(user)
        rows["accounts"].append(account)
        rows["strategies"].append(
            EquitiesStrategy(
                user=user,
                enabled=True,
                account=account,
                universe=list(symbols),
                market_data_source=SOURCE,
                params=params[i % rule_sets],
                schedule=dict(DEFAULT_SCHEDULE),
            )
        )
        rows["services"].append(ServiceStatus(user=user, running=True))
    for model, name in (
        (User, "users"),
        (ExchangeConfig, "accounts"),
        (EquitiesStrategy, "strategies"),
        (ServiceStatus, "services"),
    ):
        model.objects.bulk_create(rows[name], batch_size=2000)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them on a live database
        cursor.execute("ANALYZE")
    return {"days": len(days), "first_day": days[0].isoformat(), "candles": len(candles)}


def rule_set_params(k: int) -> dict[str, Any]:
    """The k-th rule set: the default rules, `min_combined_score` 25 - k (its own fingerprint)."""
    from trading.equities.strategy.params import StrategyParams

    return StrategyParams(min_combined_score=Decimal(25 - k)).to_mapping()


# --- one measured run -------------------------------------------------------------------------


def reset() -> None:
    """No verdicts, runs, recommendations or analysis history: each run computes everything."""
    import redis as redis_lib
    from django.db import connection

    from trading.equities.models import AnalysisRun, Recommendation, SymbolAnalysis
    from trading.runtime.models import ServiceTaskExecution

    Recommendation.objects.all().delete()
    AnalysisRun.objects.all().delete()
    SymbolAnalysis.objects.all().delete()
    ServiceTaskExecution.objects.filter(task_name=EXECUTION_NAME).delete()
    with connection.cursor() as cursor:  # no dead rows of the last run: as autovacuum keeps a live database
        for model in (Recommendation, AnalysisRun.analyses.through, AnalysisRun, SymbolAnalysis):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {ServiceTaskExecution._meta.db_table}")
    cache = redis_lib.Redis.from_url(CACHE_URL)
    for key in cache.scan_iter("*nse-*"):  # locks left by a run that was killed
        cache.delete(key)
    redis_lib.Redis.from_url(REDIS_URL).delete(PROBE_KEY)


def wait_worker_ready(timeout: float = 120) -> None:
    """The worker is up once it ran its start-up reconciliation (nothing to do here: no orders)."""
    import redis as redis_lib

    r = redis_lib.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(
            json.loads(x).get("task") == "trading.tasks.reconcile_all" for x in r.lrange(PROBE_KEY, 0, -1)
        ):
            return
        time.sleep(0.2)
    raise RuntimeError("the worker did not start")


def wait_done(users: int, t0: float, timeout: float) -> dict[str, int]:
    """Poll until every trader's run has an outcome (AnalysisRun succeeded/failed, or a skipped
    execution), then until the probe saw every task end."""
    import redis as redis_lib

    from trading.equities.models import AnalysisRun
    from trading.runtime.models import ServiceTaskExecution

    r = redis_lib.Redis.from_url(REDIS_URL)
    deadline = t0 + timeout
    while True:
        statuses = Counter(AnalysisRun.objects.values_list("status", flat=True))
        skipped = ServiceTaskExecution.objects.filter(task_name=EXECUTION_NAME, status="skipped").count()
        finished = statuses["succeeded"] + statuses["failed"] + skipped
        if finished >= users:
            break
        if time.time() > deadline:
            raise RuntimeError(f"not finished after {timeout} s: {dict(statuses)}, {skipped} skipped")
        time.sleep(0.5)
    while time.time() < deadline:  # the probe writes after the task returns
        lines = [json.loads(x) for x in r.lrange(PROBE_KEY, 0, -1)]
        if sum(1 for x in lines if x.get("task") == TASK_NAME) >= users:
            break
        time.sleep(0.1)
    return {**statuses, "skipped": skipped}


def measure(user_ids: list[str], run: int, manual: bool, workers: int) -> dict[str, Any]:
    import redis as redis_lib
    from django.db.models import Count

    from config.tasks import task_named
    from trading.equities.models import AnalysisRun, Recommendation, SymbolAnalysis
    from trading.runtime.models import ServiceTaskExecution

    reset()
    time.sleep(1)
    task = task_named(TASK_NAME)
    cpu0, machine0 = time.process_time(), _machine_cpu()
    t0 = time.time()
    for user_id in user_ids:  # as beat sends them at 16:00: one message per trader, same moment
        kwargs: dict[str, Any] = {"user_id": user_id, "task": "analysis"}
        if manual:
            kwargs["manual"] = True
        task.apply_async(kwargs=kwargs, expires=EXPIRES)
    sent_s = time.time() - t0
    outcomes = wait_done(len(user_ids), t0, timeout=EXPIRES + 120)
    cpu1, machine1 = time.process_time(), _machine_cpu()
    lines = [json.loads(x) for x in redis_lib.Redis.from_url(REDIS_URL).lrange(PROBE_KEY, 0, -1)]
    tasks = [x for x in lines if x.get("task") == TASK_NAME and x["t0"] >= t0 - 0.5]
    scans = sorted(
        (x for x in lines if x.get("kind") == "scan" and x["t0"] >= t0 - 0.5), key=lambda x: x["t1"]
    )
    end = max(x["t1"] for x in tasks)
    first: dict[tuple[str, str], float] = {}
    for x in scans:
        first.setdefault((x["symbol"], x["rules"]), x["t1"])
    durations = sorted(
        ServiceTaskExecution.objects.filter(task_name=EXECUTION_NAME).values_list(
            "duration_seconds", flat=True
        )
    )
    per_key = dict(
        SymbolAnalysis.objects.values_list("rules_key").annotate(n=Count("id")).values_list("rules_key", "n")
    )
    linked = AnalysisRun.analyses.through.objects.count()
    return {
        "run": run,
        "users": len(user_ids),
        "workers": workers,
        "wall_s": round(end - t0, 2),
        "send_s": round(sent_s, 2),
        "outcomes": outcomes,
        "verdicts_stored": sum(per_key.values()),
        "verdicts_per_rule_set": sorted(per_key.values()),
        "computations": len(scans),  # scan_symbol calls: more than verdicts_stored means duplicates
        "backtests": sum(1 for x in scans if x["backtest"]),
        # Every verdict existed from this moment (the first computation of each symbol and rule set).
        "first_verdicts_done_s": round(max(first.values()) - t0, 2) if first else None,
        "all_verdicts_done_s": round(scans[-1]["t1"] - t0, 2) if scans else None,
        "scan_cpu_s": round(sum(x["cpu"] for x in scans), 2),
        "task_p50_s": round(_pct(durations, 50), 3),
        "task_p95_s": round(_pct(durations, 95), 3),
        "task_max_s": round(durations[-1], 3),
        "task_min_s": round(durations[0], 3),
        "worker_task_cpu_s": round(sum(x["cpu"] for x in tasks), 2),
        "harness_cpu_s": round(cpu1 - cpu0, 2),
        "machine_cpu_s": round(machine1 - machine0, 2),
        "run_links": linked,
        "recommendations": Recommendation.objects.count(),
    }


def _pct(values: list[float], pct: int) -> float:
    """The nearest-rank percentile of sorted values."""
    return values[max(0, math.ceil(len(values) * pct / 100) - 1)]


def _machine_cpu() -> float:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


# --- in-process costs ---------------------------------------------------------------------------


def inprocess_costs(
    symbols: list[str], user_ids: list[str], day: date, manual: bool, sample: int
) -> dict[str, Any]:
    """One symbol's verdict (read its bars, scan) and one trader's run once every verdict exists,
    timed in this process on the same database. `user_ids`: traders of the same rule set."""
    from trading.equities.services.analysis import bars_for
    from trading.equities.services.runner import strategy_task_run
    from trading.equities.strategy.params import StrategyParams
    from trading.equities.strategy.scan import scan_symbol

    params = StrategyParams()
    reads, with_bt, without_bt = [], [], []
    for symbol in symbols:
        t = time.perf_counter()
        bars = bars_for(source=SOURCE, symbol=symbol, day=day, params=params)
        reads.append(time.perf_counter() - t)
        t = time.perf_counter()
        found = scan_symbol(symbol, bars, params)
        (with_bt if found.backtest is not None else without_bt).append(time.perf_counter() - t)
    reset()
    strategy_task_run(user_id=user_ids[0], task="analysis", manual=manual)  # computes every verdict
    per_user = []
    for user_id in user_ids[1 : sample + 1]:
        t = time.perf_counter()
        outcome = strategy_task_run(user_id=user_id, task="analysis", manual=manual)
        per_user.append(time.perf_counter() - t)
        assert outcome == "success", outcome
    return {
        "bars": len(bars),
        "bars_read_ms": round(1000 * statistics.mean(reads), 1),
        "scan_with_backtest_ms": round(1000 * statistics.mean(with_bt), 1) if with_bt else None,
        "scan_without_backtest_ms": round(1000 * statistics.mean(without_bt), 1) if without_bt else None,
        "symbols_with_backtest": len(with_bt),
        "all_symbols_s": round(sum(reads) + sum(with_bt) + sum(without_bt), 2),
        "per_user_ms_p50": round(1000 * statistics.median(per_user), 1),
        "per_user_ms_mean": round(1000 * statistics.mean(per_user), 1),
        "per_user_ms_max": round(1000 * max(per_user), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", default=str(ROOT / ".venv/bin/python"), help="interpreter of the workers")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (celery -c)")
    parser.add_argument("--rule-sets", type=int, default=1, help="distinct rule sets over the traders")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--inprocess-only", action="store_true", help="only the in-process costs")
    parser.add_argument("--sample", type=int, default=50, help="traders timed in process")
    parser.add_argument(
        "--app", default="bench.p6_worker", help="Celery app of the worker (a variant to compare)"
    )
    parser.add_argument("--out", default=str(WORK / "p6.json"))
    args = parser.parse_args()
    for sub in ("var", "prom"):
        (WORK / sub).mkdir(parents=True, exist_ok=True)
    os.environ.update(env())
    prepare(sys.executable)

    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from brokers.nse_calendar import IST, nse_calendar
    from trading.equities.services.analysis import close_to_analyse

    now = timezone.now()
    day = close_to_analyse(now)
    manual = not nse_calendar().is_trading_day(now.astimezone(IST).date())
    symbols = symbol_names(args.symbols)
    clock = time.monotonic()
    seeded = seed(args.users, symbols, args.rule_sets, day)
    # In seed order (trader i has rule set i % rule_sets).
    emails = dict(User.objects.values_list("email", "pk"))
    user_ids = [str(emails[f"p6-{i}@example.com"]) for i in range(args.users)]
    print(
        f"seeded {args.users} traders ({args.rule_sets} rule sets), {len(symbols)} symbols x "
        f"{seeded['days']} days ({seeded['first_day']} .. {day}, {seeded['candles']} candles) in "
        f"{time.monotonic() - clock:.0f} s; close analysed {day}; "
        f"{'manual (not a trading day today)' if manual else 'scheduled'} runs",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    worker: subprocess.Popen[bytes] | None = None
    try:
        if not args.inprocess_only:
            log = open(WORK / "worker.log", "ab")
            worker = start_celery_worker(
                python=args.python, app=args.app, concurrency=args.workers, name="p6w@%h", log=log
            )
            wait_worker_ready()
            # Warm-up: a fleet's workers are long-lived, their imports, connections and the NSE
            # calendar (loaded once per process) are ready before 16:00. Not counted.
            warm = measure(user_ids[: 4 * args.workers], 0, manual, args.workers)
            print(f"warm-up ({warm['users']} traders): {warm['wall_s']} s", flush=True)
            for run in range(1, args.runs + 1):
                res = measure(user_ids, run, manual, args.workers)
                results.append(res)
                print(json.dumps(res), flush=True)
                time.sleep(2)
    finally:
        if worker is not None:
            stop_group(worker, timeout=30)
    same_rules = user_ids[:: args.rule_sets]  # the first rule set's traders: one computation each
    costs = inprocess_costs(symbols, same_rules, day, manual, min(args.sample, len(same_rules) - 1))
    print("in-process costs:", json.dumps(costs), flush=True)
    Path(args.out).write_text(json.dumps({"runs": results, "inprocess": costs}, indent=1))
    print(
        "\n| run | traders | rule sets | workers | wall s | verdicts stored | computations (backtests) |"
        " all verdicts done s | task p50 / p95 / max s | worker CPU s | machine CPU s | pass (≤ 1800 s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ok = r["wall_s"] <= 1800 and r["outcomes"].get("succeeded", 0) == r["users"]
        print(
            f"| {r['run']} | {r['users']} | {args.rule_sets} | {r['workers']} | {r['wall_s']} | "
            f"{r['verdicts_stored']} | {r['computations']} ({r['backtests']}) | {r['all_verdicts_done_s']} | "
            f"{r['task_p50_s']} / {r['task_p95_s']} / {r['task_max_s']} | {r['worker_task_cpu_s']} | "
            f"{r['machine_cpu_s']} | {'pass' if ok else 'FAIL'} |"
        )


if __name__ == "__main__":
    main()
