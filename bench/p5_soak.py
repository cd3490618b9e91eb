# ruff: noqa: S108, S603  (a local benchmark: it starts our own servers and keeps its files in a scratch dir)
"""Benchmark P5: memory after an hour of the P2 load (docs/benchmarks.md, issue 22).

    .venv/bin/python -m bench.p5_soak --target stack --duration 3600 --rate 20
    .venv/bin/python -m bench.p5_soak --target make-run --duration 3600 --rate 20

Targets: every worker process (Celery parent and each pool child) RSS <= 200 MB; the `make run`
process (`manage.py run_embedded`) <= 400 MB, after an hour.

`--target stack`: the production processes as P2 starts them (bench/p2_first_order.py's `Stack`):
PostgreSQL database `tf_bench_p5` (migrated), Redis db 5 (broker), 6 (cache) and 7 (channel
layer) flushed first; the exchange simulator on port 9071 (prices fixed, --tick-seconds 0); the
web server (gunicorn with config/gunicorn.py, WEB_CONCURRENCY 4 as in P2) on port 8795;
`celery -A config worker -P prefork -c 2`; `celery -A config beat` with django-celery-beat's
DatabaseScheduler (the Procfile's lines), so the periodic ticks run over the open groups.
Work dir /tmp/tf-p5/stack.

`--target make-run`: what `make run` runs: `manage.py migrate` then `manage.py run_embedded --host
127.0.0.1 --port 8796` on SQLite with TRADEFLEET_VAR_DIR=/tmp/tf-p5/makerun/var (emptied first)
and no DATABASE_URL/REDIS_URL (in-process worker and beat, in-memory broker and channel layer,
embedded simulator). Only the embedded simulators' ports are moved (SIMULATOR_URL :9072,
KOTAK_SIMULATOR_URL :9073) so that they cannot collide with another run on 9009/9010.

Both: TRADING_MAX_OPEN_GROUPS=100000 (as P2), so entries open groups instead of queueing past 10.
Traders: P2's `setup_traders` (20 users, a funded simulator account each, a DCA config per
symbol for any timeframe), run against the target's simulator.

Load (a steady mix, not an ever-growing fleet): `--rate` webhooks per second, open loop (P2's
generator), alternating entry and exit. Entry j opens a group on key j mod N (N = traders x 4
symbols x `--timeframes` timeframes), with P2's body (limit 1 % below the price, resting); the
exit for entry j (same key, TradingView `action: sell`, `market_position: flat`, intent `exit`)
is sent `--exit-lag` seconds later. So about rate/2 x exit-lag groups are open at any time
(600 with the defaults) and each key is reused once its group is closed. Each body is built when
it is sent (a fresh `timestamp`: signals older than 300 s are rejected).

Sampling every `--sample` s: RSS, PSS and USS (/proc/<pid>/smaps_rollup) of every process of the
target, by role, pids recorded (pool children may be replaced). Output in /tmp/tf-p5/<target>/:
rss.csv, summary.json, and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadgen, p2_loadgen  # noqa: E402
from bench import p2_first_order as p2  # noqa: E402
from bench.procs import stop_group, worker_command  # noqa: E402

BASE = Path("/tmp/tf-p5")
MB = 1024 * 1024
SIGNALS_SQL = "SELECT status || '/' || coalesce(classification, ''), count(*) FROM trading_signal GROUP BY 1"
TARGET_MB = {"worker": 200.0, "worker_child": 200.0, "ticks": 200.0, "ticks_child": 200.0, "make_run": 400.0}


# --- load -------------------------------------------------------------------------------------
def exit_body(entry: bytes) -> bytes:
    """P2's entry body turned into the strategy's exit of that long (flat after the order)."""
    data = json.loads(entry)
    data["tv"].update(
        action="sell",
        market_position="flat",
        market_position_size="0",
        prev_market_position="long",
        prev_market_position_size="100",
    )
    data["execution_intent"] = {"type": "exit", "position_size_type": "quote", "precision_mode": "auto"}
    data["strategy_info"]["alert_name"] = "P5 bench exit"
    return json.dumps(data).encode()


class SteadyMix(Sequence[bytes]):
    """Request i of the run, built when the generator asks for it (so its timestamp is fresh):
    even i: entry number i/2; odd i: the exit of the entry sent `lag` entries earlier (or another
    entry while the first `lag` entries have no exit due yet)."""

    def __init__(
        self,
        *,
        count: int,
        traders: list[dict[str, str]],
        prices: dict[str, str],
        timeframes: int,
        lag: int,
        port: int,
    ) -> None:
        self.count, self.traders, self.prices, self.port = count, traders, prices, port
        self.keys = [(t, s, str(7 + m)) for m in range(timeframes) for s in p2.SYMBOLS for t in traders]
        self.lag = lag
        self.run = datetime.now(UTC).strftime("%H%M%S")
        self.entries = 0
        self.kinds = {"entry": 0, "exit": 0}
        self.trade_ids: dict[int, str] = {}  # entry number -> its trade id (for the exit)

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[bytes]: ...
    def __getitem__(self, i: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(i, slice):
            raise TypeError("no slices")
        if not 0 <= i < self.count:
            raise IndexError(i)
        stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        if i % 2 == 1 and self.entries > self.lag:
            j = self.entries - 1 - self.lag
            trader, symbol, tf = self.keys[j % len(self.keys)]
            raw = p2.body(trader, symbol, tf, self.prices[symbol], f"{self.run}-x{j}", stamp)
            self.kinds["exit"] += 1
            return self._post(trader, exit_body(raw))
        j = self.entries
        self.entries += 1
        trader, symbol, tf = self.keys[j % len(self.keys)]
        self.kinds["entry"] += 1
        raw = p2.body(trader, symbol, tf, self.prices[symbol], f"{self.run}-e{j}", stamp)
        return self._post(trader, raw)

    def _post(self, trader: dict[str, str], raw: bytes) -> bytes:
        return loadgen.http_post("127.0.0.1", self.port, f"/api/v1/webhooks/{trader['user_id']}", raw)


# --- memory sampling ----------------------------------------------------------------------------
def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def memory(pid: int) -> tuple[float, float, float] | None:
    """(RSS, PSS, USS) in MB from smaps_rollup; None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    kb: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts:
            kb[name] = int(parts[0])
    uss = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
    return kb.get("Rss", 0) / 1024, kb.get("Pss", 0) / 1024, uss / 1024


def processes(target: str, roots: dict[str, int]) -> list[tuple[str, int]]:
    """(role, pid) of every process of the target, from the leaders it started."""
    out: list[tuple[str, int]] = []
    for name, pid in roots.items():
        if target == "make-run":
            out.append(("make_run", pid))
            out.extend(("make_run_child", c) for c in children_of(pid))
        elif name == "web":
            out.append(("web_master", pid))
            out.extend(("web_worker", c) for c in children_of(pid))
        elif name == "worker":
            out.append(("worker", pid))
            out.extend(("worker_child", c) for c in children_of(pid))
        else:
            out.append((name, pid))
            out.extend((f"{name}_child", c) for c in children_of(pid))
    return out


class Sampler(threading.Thread):
    def __init__(
        self,
        target: str,
        roots: dict[str, int],
        every: float,
        path: Path,
        t0: float,
        progress: Callable[[], dict[str, int]],
        progress_every: int,
    ) -> None:
        super().__init__(daemon=True)
        self.target, self.roots, self.every, self.path, self.t0 = target, roots, every, path, t0
        self.rows: list[dict[str, Any]] = []
        self.done = threading.Event()
        # Open groups by status and the broker's backlog: whether the load is a steady state.
        self.progress, self.progress_every, self.n = progress, progress_every, 0
        self.progress_path = path.with_name("progress.jsonl")

    def sample(self) -> None:
        t = round(time.time() - self.t0, 1)
        with self.path.open("a", newline="") as fh:
            w = csv.writer(fh)
            for role, pid in processes(self.target, self.roots):
                m = memory(pid)
                if m is None:
                    continue
                row = {"t_s": t, "role": role, "pid": pid, "rss_mb": m[0], "pss_mb": m[1], "uss_mb": m[2]}
                self.rows.append(row)
                w.writerow([t, role, pid, f"{m[0]:.1f}", f"{m[1]:.1f}", f"{m[2]:.1f}"])
        if self.n % self.progress_every == 0:
            try:
                extra: dict[str, Any] = {"t_s": t, **self.progress()}
            except Exception as exc:  # a busy SQLite: skip this one, the memory rows matter more
                extra = {"t_s": t, "error": str(exc)}
            with self.progress_path.open("a") as fh:
                fh.write(json.dumps(extra) + "\n")
        self.n += 1

    def run(self) -> None:
        self.path.write_text("t_s,role,pid,rss_mb,pss_mb,uss_mb\n")
        self.progress_path.write_text("")
        while True:
            self.sample()
            if self.done.wait(self.every):
                self.sample()  # the last sample, at the end of the load
                return


def slope_mb_per_hour(points: list[tuple[float, float]]) -> float:
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return float("nan")
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx * 3600


def summarise(rows: list[dict[str, Any]], duration: float) -> dict[str, Any]:
    """Per role: the max over its processes at each sample, then RSS at 5/15/30/45/60 min, max,
    and the least-squares slope over the last 40 minutes (the last 2/3 of a shorter run)."""
    series: dict[str, dict[float, float]] = {}
    pss: dict[str, dict[float, float]] = {}
    pids: dict[str, set[int]] = {}
    for r in rows:
        s = series.setdefault(r["role"], {})
        s[r["t_s"]] = max(s.get(r["t_s"], 0.0), r["rss_mb"])
        p = pss.setdefault(r["role"], {})
        p[r["t_s"]] = max(p.get(r["t_s"], 0.0), r["pss_mb"])
        pids.setdefault(r["role"], set()).add(r["pid"])
    window = min(2400.0, duration * 2 / 3)
    out: dict[str, Any] = {}
    for role, s in series.items():
        times = sorted(s)

        def at(minute: float, s: dict[float, float] = s, times: list[float] = times) -> float | None:
            want = minute * 60
            if want > times[-1] + 30:
                return None
            return round(s[min(times, key=lambda x: abs(x - want))], 1)

        last = [(t, s[t]) for t in times if t >= times[-1] - window]
        out[role] = {
            "pids": sorted(pids[role]),
            "rss_mb_at_min": {m: at(m) for m in (0, 1, 5, 15, 30, 45, 60)},
            "rss_mb_start": round(s[times[0]], 1),
            "rss_mb_end": round(s[times[-1]], 1),
            "rss_mb_max": round(max(s.values()), 1),
            "pss_mb_end": round(pss[role][times[-1]], 1),
            "slope_mb_per_h": round(slope_mb_per_hour(last), 2),
            "slope_window_s": round(window),
            "target_mb": TARGET_MB.get(role),
        }
    return out


# --- targets ------------------------------------------------------------------------------------
def make_run_env(var: Path, sim_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    for key in list(env):
        if key.startswith(("CELERY_", "CACHE_URL", "CHANNEL_LAYER_URL", "SIMULATOR_", "P2_")):
            env.pop(key)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",  # manage.py's default; the setup script needs it
        TRADEFLEET_VAR_DIR=str(var),
        SIMULATOR_URL=f"http://127.0.0.1:{sim_port}",
        KOTAK_SIMULATOR_URL=f"http://127.0.0.1:{sim_port + 1}",
        TRADING_MAX_OPEN_GROUPS="100000",
        PYTHONPATH=str(ROOT),
    )
    return env


def setup(python: str, env: dict[str, str], users: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    done = subprocess.run(
        [python, "-m", "bench.p2_first_order", "_setup", str(users)], cwd=ROOT, env=env, capture_output=True
    )
    if done.returncode:
        raise RuntimeError(f"setup failed: {done.stderr.decode()[-3000:]}")
    data = json.loads(done.stdout.decode().strip().splitlines()[-1])
    os.environ["P2_SIM_URL"] = env["SIMULATOR_URL"]  # entry_prices asks the simulator when state lacks one
    return data["traders"], p2.entry_prices(data["state"])


class MakeRun:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.var = work / "var"
        shutil.rmtree(self.var, ignore_errors=True)
        self.var.mkdir(parents=True)
        self.env = make_run_env(self.var, args.embedded_sim_port)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> dict[str, int]:
        py = self.args.python
        subprocess.run(
            [py, "manage.py", "migrate", "--noinput", "--verbosity", "0"], cwd=ROOT, env=self.env, check=True
        )
        instrumented = self.args.tracemalloc or self.args.census
        command = [py, "-m", "bench.p5_embedded"] if instrumented else [py, "manage.py", "run_embedded"]
        if self.args.census:
            self.env["P5_CENSUS"] = "1"
        log = open(self.work / "make-run.log", "ab")  # kept open for the process's life
        self.proc = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.args.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        p2.wait_http(
            f"http://127.0.0.1:{self.args.port}/api/v1/health",
            timeout=600 if self.args.tracemalloc else 120,  # tracemalloc slows the start
            headers={"X-Forwarded-Proto": "https"},
        )
        return {"make_run": self.proc.pid}

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc, timeout=30)

    def groups(self) -> dict[str, int]:
        with sqlite3.connect(self.var / "tradefleet.sqlite3", timeout=30) as conn:
            return dict(
                conn.execute("SELECT status, count(*) FROM trading_positiongroup GROUP BY status").fetchall()
            )

    def progress(self) -> dict[str, int]:
        # Signals still `received` are the in-process worker's backlog (the memory:// broker has
        # no list to count): growing, the process does not keep up with the rate.
        with sqlite3.connect(self.var / "tradefleet.sqlite3", timeout=30) as conn:
            (waiting,) = conn.execute(
                "SELECT count(*) FROM trading_signal WHERE status = 'received'"
            ).fetchone()
        return {"signals_received": int(waiting), **{f"groups_{k}": v for k, v in self.groups().items()}}

    def signals(self) -> dict[str, int]:
        with sqlite3.connect(self.var / "tradefleet.sqlite3", timeout=30) as conn:
            return dict(conn.execute(SIGNALS_SQL).fetchall())


class StackTarget:
    """P2's Stack on P5's database, Redis dbs, ports and work dir, plus beat."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        p2.DB_NAME = "tf_bench_p5"
        p2.DB_URL = f"postgres://postgres@127.0.0.1:5432/{p2.DB_NAME}"
        p2.REDIS_DBS = (5, 6, 7)
        p2.REDIS = "redis://127.0.0.1:6379/5"  # settings: broker 5, cache 6, channel layer 7
        p2.WORK = work
        for sub in ("prom", "var"):
            shutil.rmtree(work / sub, ignore_errors=True)
            (work / sub).mkdir(parents=True)
        ns = argparse.Namespace(
            python=args.python,
            sim_port=args.sim_port,
            port=args.port,
            web="gunicorn",
            web_workers=args.web_workers,
        )
        self.stack = p2.Stack(ns)
        self.stack.env["TRADING_MAX_OPEN_GROUPS"] = "100000"
        self.args = args

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env

    def start_servers(self) -> None:
        p2.prepare_database(self.args.python, self.stack.env)
        self.stack.simulator()

    def start(self) -> dict[str, int]:
        s = self.stack
        s.web()
        app = "bench.p5_worker" if self.args.tracemalloc else "config"
        s.start("worker", worker_command(s.bindir, app, concurrency=2, name="p5w@%h"))
        # compose's worker-ticks: the ticks queue alone, one process
        s.start("ticks", worker_command(s.bindir, app, concurrency=1, name="p5t@%h", queues="ticks"))
        celery = f"{s.bindir}/celery"
        s.start(
            "beat",
            [
                celery,
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
            ],
        )
        return {name: proc.pid for name, proc in s.procs.items()}

    def stop(self) -> None:
        self.stack.stop()

    def _query(self, sql: str) -> dict[str, int]:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{p2.DB_NAME}", autocommit=True) as conn:
            return {str(k): int(v) for k, v in conn.execute(sql).fetchall()}

    def groups(self) -> dict[str, int]:
        return self._query("SELECT status, count(*) FROM trading_positiongroup GROUP BY status")

    def signals(self) -> dict[str, int]:
        return self._query(SIGNALS_SQL)

    def progress(self) -> dict[str, int]:
        import redis

        broker = redis.Redis.from_url(p2.REDIS)
        backlog = sum(int(broker.llen(k)) for k in broker.scan_iter("celery*") if broker.type(k) == b"list")
        signals = self._query("SELECT status, count(*) FROM trading_signal GROUP BY status")
        return {
            "broker_backlog": backlog,
            "signals_received": signals.get("received", 0),
            **{f"groups_{k}": v for k, v in self.groups().items()},
        }


# --- main ---------------------------------------------------------------------------------------
def table(summary: dict[str, Any]) -> str:
    lines = [
        "| role | pids | RSS 5 min | 30 min | 60 min | end | max | PSS end | slope MB/h | target | pass |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for role, r in sorted(summary.items()):
        at = r["rss_mb_at_min"]
        target = r["target_mb"]
        if target is None:
            verdict = "-"
        else:
            # Pass: under the target, and not on course to cross it within a day at this slope.
            slope = r["slope_mb_per_h"] if r["slope_mb_per_h"] == r["slope_mb_per_h"] else 0.0
            verdict = (
                "pass"
                if r["rss_mb_max"] <= target and r["rss_mb_end"] + 24 * max(slope, 0) <= target
                else "FAIL"
            )
            if r["rss_mb_max"] <= target and verdict == "FAIL":
                verdict = "pass (grows)"
        lines.append(
            f"| {role} | {len(r['pids'])} | {at[5]} | {at[30]} | {at[60]} | {r['rss_mb_end']} "
            f"| {r['rss_mb_max']} | {r['pss_mb_end']} | {r['slope_mb_per_h']} | {target or '-'} | {verdict} |"
        )
    return "\n".join(lines)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--target", choices=("stack", "make-run"), required=True)
    parser.add_argument("--duration", type=float, default=3600)
    parser.add_argument("--rate", type=float, default=20, help="webhooks per second, entries and exits")
    parser.add_argument("--exit-lag", type=float, default=60, help="seconds from an entry to its exit")
    parser.add_argument(
        "--timeframes", type=int, default=40, help="timeframes per (trader, symbol): key pool"
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--sample", type=float, default=30, help="seconds between memory samples")
    parser.add_argument("--settle", type=float, default=60, help="seconds sampled after the load ends")
    parser.add_argument("--python", default=str(ROOT / ".venv/bin/python"))
    parser.add_argument("--port", type=int, default=0, help="web port (stack 8795, make-run 8796)")
    parser.add_argument("--sim-port", type=int, default=9071, help="stack: the simulator's port")
    parser.add_argument("--embedded-sim-port", type=int, default=9072, help="make-run: simulator (+1: Kotak)")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="snapshots: bench.p5_worker (stack pool) / bench.p5_embedded",
    )
    parser.add_argument(
        "--census",
        action="store_true",
        help="make-run: bench.p5_census every 5 min instead (RSS split, heap, live objects by type)",
    )
    args = parser.parse_args()
    args.port = args.port or (8795 if args.target == "stack" else 8796)
    work = BASE / ("stack" if args.target == "stack" else "makerun")
    work.mkdir(parents=True, exist_ok=True)
    os.environ["P5_WORK_DIR"] = str(work)

    target: StackTarget | MakeRun = StackTarget(args, work) if args.target == "stack" else MakeRun(args, work)
    signal.signal(signal.SIGTERM, _interrupt)  # a `kill` still stops every process it started
    summary: dict[str, Any] = {
        "target": args.target,
        "args": vars(args),
        "started": datetime.now(UTC).isoformat(),
    }
    sampler: Sampler | None = None
    t0 = time.time()
    try:
        if isinstance(target, StackTarget):
            target.start_servers()
            traders, prices = setup(args.python, target.env, args.users)
            roots = target.start()
        else:
            roots = target.start()
            traders, prices = setup(args.python, target.env, args.users)
        summary["roots"] = roots
        print(f"{args.target}: up, pids {roots}; prices {prices}", flush=True)
        time.sleep(5)
        t0 = time.time()
        every = 1 if args.target == "stack" else 10  # SQLite: every 5 minutes, not to contend
        sampler = Sampler(args.target, roots, args.sample, work / "rss.csv", t0, target.progress, every)
        sampler.start()
        count = int(args.rate * args.duration)
        mix = SteadyMix(
            count=count,
            traders=traders,
            prices=prices,
            timeframes=args.timeframes,
            lag=int(args.exit_lag * args.rate / 2),
            port=args.port,
        )
        records, late = asyncio.run(
            p2_loadgen.run(host="127.0.0.1", port=args.port, requests=mix, rate=args.rate, timeout=30)
        )
        load_s = time.time() - t0
        time.sleep(args.settle)
        sampler.done.set()
        sampler.join()
        statuses: dict[str, int] = {}
        for r in records:
            statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
        lat = [r.latency_ms for r in records]
        summary.update(
            load_seconds=round(load_s, 1),
            sent=len(records),
            kinds=mix.kinds,
            ok=sum(1 for r in records if 200 <= r.status < 300),
            statuses=statuses,
            errors=sum(1 for r in records if not 200 <= r.status < 300),
            late_starts=late,
            webhook_ms={
                "p50": round(p2.pct(lat, 50), 1),
                "p99": round(p2.pct(lat, 99), 1),
                "max": round(max(lat), 1),
            },
            groups_at_end=target.groups(),
            signals_at_end=target.signals(),
        )
    except KeyboardInterrupt:  # SIGTERM or Ctrl-C: still write what was sampled
        summary["interrupted_at_s"] = round(time.time() - t0, 1)
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.done.set()
            sampler.join()
        target.stop()
    summary["roles"] = summarise(sampler.rows if sampler else [], args.duration)
    (work / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    print(json.dumps({k: v for k, v in summary.items() if k not in ("roles", "args")}, default=str))
    print(table(summary["roles"]))


if __name__ == "__main__":
    main()
