"""Rows of the NSE strategy as its services would have written them, for the read-side API tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.trading.factories import ExchangeConfigFactory
from trading.equities.models import AnalysisRun, AnalysisStatus, Recommendation, SymbolAnalysis

DAY = date(2026, 3, 2)


def symbol_analysis(
    symbol: str, *, day: date = DAY, tradeable: bool = False, **fields: Any
) -> SymbolAnalysis:
    values: dict[str, Any] = {
        "source": "kotak_simulator",
        "symbol": symbol,
        "day": day,
        "rules_key": "k1",
        "verdict": "buy" if tradeable else "avoid",
        "tradeable": tradeable,
        "rejected_rule": "" if tradeable else "rsi",
        "detail": "RSI 24.10 < 30" if tradeable else "RSI 55.20 is not under 30 (above EMA200)",
        "close": Decimal("1500.5"),
        "avg_volume": Decimal(250_000),
        "strength": Decimal(12),
        "backtest_score": Decimal(60) if tradeable else None,
        "combined": Decimal(36) if tradeable else Decimal(6),
        "chart_quality": Decimal(85),
        "indicators": {"rsi": "24.1", "ema9": "1520", "ema200": "1400"},
        "quality": {"score": "85", "penalties": [["low_range", "10"]]},
    }
    values.update(fields)
    return SymbolAnalysis.objects.create(**values)


def analysis_run(user: Any, analyses: list[SymbolAnalysis], *, day: date = DAY) -> AnalysisRun:
    run = AnalysisRun.objects.create(
        user=user,
        day=day,
        status=AnalysisStatus.SUCCEEDED,
        source="kotak_simulator",
        symbols=[a.symbol for a in analyses],
        tradeable_count=sum(a.tradeable for a in analyses),
        finished_at=timezone.now(),
    )
    run.analyses.set(analyses)
    return run


def recommendation(user: Any, run: AnalysisRun, analysis: SymbolAnalysis, *, rank: int = 1, **fields: Any):
    values: dict[str, Any] = {
        "user": user,
        "run": run,
        "analysis": analysis,
        "day": run.day,
        "symbol": analysis.symbol,
        "rank": rank,
        "verdict": analysis.verdict,
        "combined": analysis.combined,
        "close": analysis.close,
        "quantity": 133,
        "capital": Decimal(200_000),
        "target": Decimal("1620.55"),
        "stop": Decimal("1380.45"),
    }
    values.update(fields)
    return Recommendation.objects.create(**values)


@pytest.fixture
def kotak_account(trader):
    return ExchangeConfigFactory(user=trader, exchange="kotak_simulator", label="default")
