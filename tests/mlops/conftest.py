"""Fixtures of the ML training tests: a private artifacts directory, real daily history stored as
the `csv` source's candles, eager Celery, and a listener on a user's live events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brokers.marketdata import services as marketdata
from brokers.simulator.replay_data import load_stocks
from config.celery import app as celery_app
from mlops.services.registry import forget_loaded_models

# Two symbols, the last ~6 years of bokeh-sampledata's history (2000-2013): enough candidates
# for a small forest and a test set, quick to store.
SYMBOLS = ("AAPL", "MSFT")
BARS = 1500


@pytest.fixture(autouse=True)
def artifacts_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.ML_ARTIFACTS_DIR = str(tmp_path / "ml-artifacts")
    forget_loaded_models()
    yield Path(settings.ML_ARTIFACTS_DIR)
    forget_loaded_models()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks run in the caller, as tests/trading's engine tests run them: the worker's code path."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def daily_history(db: None) -> tuple[str, ...]:
    """AAPL and MSFT daily candles stored as uploaded CSV files (source `csv`)."""
    stocks = load_stocks()
    for symbol in SYMBOLS:
        lines = ["date,open,high,low,close,volume"]
        lines += [
            f"{b.label[:10]},{b.open},{b.high},{b.low},{b.close},{b.volume}" for b in stocks[symbol][-BARS:]
        ]
        marketdata.csv_upload(data=("\n".join(lines) + "\n").encode(), symbol=symbol)
    return SYMBOLS
