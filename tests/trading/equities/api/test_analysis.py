"""Analysis runs, their ranked results and recommendations through the API, only one's own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.trading.equities.api.conftest import DAY, analysis_run, recommendation, symbol_analysis
from trading.equities.models import RecommendationStatus

pytestmark = pytest.mark.django_db
API = "/api/v1/equities"


def test_no_analysis_yet_is_a_404_with_a_reason(api):
    response = api.get(f"{API}/analysis/latest")
    assert response.status_code == 404
    assert "No analysis has run yet" in response.json()["detail"]


def test_the_latest_run_lists_every_symbol_in_rank_order_with_its_recommendations(api, trader):
    avoided = symbol_analysis("ZEEL")
    good = symbol_analysis("TCS", tradeable=True, combined=Decimal(40))
    better = symbol_analysis("INFY", tradeable=True, combined=Decimal(55), verdict="strong_buy")
    watch = symbol_analysis("ABB", verdict="watch", rejected_rule="combined_score", combined=Decimal(20))
    older = analysis_run(
        trader, [symbol_analysis("OLD", day=DAY - timedelta(days=1))], day=DAY - timedelta(days=1)
    )
    run = analysis_run(trader, [avoided, good, better, watch])
    recommendation(trader, run, better, rank=1)
    recommendation(trader, run, good, rank=2, status=RecommendationStatus.SKIPPED, reason="portfolio full")

    body = api.get(f"{API}/analysis/latest").json()

    assert body["id"] == str(run.pk)
    assert body["day"] == DAY.isoformat()
    assert body["symbols_count"] == 4 and body["tradeable_count"] == 2
    assert [r["symbol"] for r in body["results"]] == ["INFY", "TCS", "ABB", "ZEEL"]
    zeel = body["results"][-1]
    assert zeel["verdict"] == "avoid" and zeel["rejected_rule"] == "rsi"
    assert zeel["detail"].startswith("RSI 55.20")
    assert zeel["backtest_score"] is None
    assert zeel["close"] == "1500.5"
    assert zeel["indicators"]["ema200"] == "1400"
    assert [(r["rank"], r["symbol"], r["status"]) for r in body["recommendations"]] == [
        (1, "INFY", "planned"),
        (2, "TCS", "skipped"),
    ]
    assert body["recommendations"][1]["reason"] == "portfolio full"
    assert body["recommendations"][0]["quantity"] == 133
    assert body["recommendations"][0]["target"] == "1620.55"

    runs = api.get(f"{API}/analysis/runs").json()
    assert [r["id"] for r in runs["results"]] == [str(run.pk), str(older.pk)]
    assert api.get(f"{API}/analysis/runs/{older.pk}").json()["results"][0]["symbol"] == "OLD"


def test_another_traders_run_is_a_404_and_never_listed(api, other_trader):
    theirs = analysis_run(other_trader, [symbol_analysis("TCS")])
    recommendation(other_trader, theirs, theirs.analyses.get())
    assert api.get(f"{API}/analysis/runs/{theirs.pk}").status_code == 404
    assert api.get(f"{API}/analysis/runs").json()["results"] == []
    assert api.get(f"{API}/analysis/latest").status_code == 404
    assert api.get(f"{API}/recommendations").json()["results"] == []


def test_a_shared_symbol_analysis_appears_in_each_traders_own_run(api, client_for, trader, other_trader):
    shared = symbol_analysis("TCS", tradeable=True)
    mine, theirs = analysis_run(trader, [shared]), analysis_run(other_trader, [shared])
    assert api.get(f"{API}/analysis/latest").json()["id"] == str(mine.pk)
    assert client_for(other_trader).get(f"{API}/analysis/latest").json()["id"] == str(theirs.pk)


def test_recommendations_filter_by_day_and_status_newest_day_first(api, trader):
    today = analysis_run(trader, [symbol_analysis("TCS", tradeable=True)])
    yesterday = analysis_run(
        trader,
        [symbol_analysis("INFY", tradeable=True, day=DAY - timedelta(days=1))],
        day=DAY - timedelta(days=1),
    )
    recommendation(trader, today, today.analyses.get(), status=RecommendationStatus.ORDERED)
    recommendation(trader, yesterday, yesterday.analyses.get(), status=RecommendationStatus.FAILED)

    rows = api.get(f"{API}/recommendations").json()["results"]
    assert [r["symbol"] for r in rows] == ["TCS", "INFY"]
    by_day = api.get(f"{API}/recommendations", {"day": (DAY - timedelta(days=1)).isoformat()}).json()
    assert [r["symbol"] for r in by_day["results"]] == ["INFY"]
    ordered = api.get(f"{API}/recommendations", {"status": "ordered"}).json()
    assert [r["symbol"] for r in ordered["results"]] == ["TCS"]
    bad = api.get(f"{API}/recommendations", {"status": "nope", "day": "someday"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"status", "day"}


def test_a_malformed_run_id_is_a_404(api):
    assert api.get(f"{API}/analysis/runs/not-a-uuid").status_code == 404
