# ruff: noqa: S603  (a local benchmark: it runs our own interpreter)
"""A training job as background load for P2 (issue 18: training must not delay order placement).

`python -m bench.ml_load _train N` (inside the benchmark's environment) stores bokeh-sampledata's
daily stocks as `csv` series once and starts N heavy verdict-classifier jobs (four symbols, their
whole history, 1,000 trees of depth 20, ten backtest blocks: each trains for tens of seconds, and
the `ml` worker runs them one after another, so it trains through the whole measurement); it
prints their ids. The `ml` worker that runs it is started by the benchmark as compose's
`worker-ml` runs: `celery -A config worker -Q ml -c 1`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAVY = {"n_estimators": 1000, "max_depth": 20, "backtest_folds": 10}


def start_training(python: str, env: dict[str, str], count: int) -> list[str]:
    """Start `count` heavy jobs through the service (each sent to the `ml` queue); their ids."""
    done = subprocess.run(
        [python, "-m", "bench.ml_load", "_train", str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"starting the training failed: {done.stderr.decode()[-3000:]}")
    return done.stdout.decode().strip().splitlines()[-count:]


def jobs_end(db_url: str) -> None:
    """Every job still pending or running marked cancelled: a message of it that a later ml worker
    receives finds it done and does nothing."""
    with psycopg.connect(db_url.replace("postgres://", "postgresql://")) as conn:
        conn.execute(
            "UPDATE mlops_trainingjob SET status = 'cancelled', cancel_requested = true "
            "WHERE status IN ('pending', 'running')"
        )


def jobs_trained(db_url: str, job_ids: list[str]) -> dict[str, int]:
    """How many of the jobs are in each state."""
    with psycopg.connect(db_url.replace("postgres://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM mlops_trainingjob WHERE id = ANY(%s::uuid[]) GROUP BY status",
            (job_ids,),
        ).fetchall()
    return {status: int(n) for status, n in rows}


def job_state(db_url: str, job_id: str) -> tuple[str, int]:
    """(status, progress) of the job, read straight from the database."""
    with psycopg.connect(db_url.replace("postgres://", "postgresql://")) as conn:
        query = "SELECT status, progress FROM mlops_trainingjob WHERE id = %s"
        row = conn.execute(query, (job_id,)).fetchone()
    return (row[0], int(row[1])) if row else ("missing", 0)


def wait_running(db_url: str, job_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _ = job_state(db_url, job_id)
        if status == "running":
            return
        if status not in ("pending", "running"):
            raise RuntimeError(f"the training job ended {status} before the measurement")
        time.sleep(0.5)
    raise RuntimeError("no ML worker took the training job")


def _train(count: int) -> None:
    import django

    django.setup()
    from brokers.marketdata.models import MarketCandle
    from mlops.services.sample_data import SAMPLE_SYMBOLS, sample_history_load
    from mlops.services.training import training_job_start

    if not MarketCandle.objects.filter(source="csv", symbol__in=SAMPLE_SYMBOLS).exists():
        sample_history_load()
    for _ in range(count):
        job = training_job_start(
            actor=None,
            model_type="verdict_classifier",
            algorithm="random_forest",
            data_source="csv",
            symbols=list(SAMPLE_SYMBOLS),
            params=HEAVY,
        )
        print(job.pk)


if __name__ == "__main__" and sys.argv[1:2] == ["_train"]:
    _train(int(sys.argv[2]))
