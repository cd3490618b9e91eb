"""The 16:00 analysis: each symbol's verdict computed once per close and rule set, shared by every
trader with those rules and sized per trader; candles refreshed once after the close; network
errors retried three times, 30 s x attempt apart, for the failing symbols only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brokers.marketdata.models import MarketCandle, TrackedSeries
from brokers.services import exchange_config_create
from tests.factories import UserFactory
from trading.equities.models import AnalysisRun, EquitiesStrategy, Recommendation, SymbolAnalysis
from trading.equities.services.analysis import BACKOFF_SECONDS, analysis_run, rules_key
from trading.equities.services.config import strategy_params, strategy_update
from trading.equities.strategy.rules import position_quantity

from ..conftest import RULES, UNIVERSE, Nse, ist

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_16 = ist(2026, 11, 23, 16, 0)


def _trader_on(nse: Nse, rules: dict[str, str], user=None):
    user = user or UserFactory(role="trader")
    account = (
        nse.account
        if user == nse.user
        else exchange_config_create(user=user, exchange="kotak_simulator", mode="testnet")
    )
    strategy_update(
        user=user, data={"enabled": True, "account": str(account.pk), "universe": UNIVERSE, "params": rules}
    )
    return user


def test_traders_with_the_same_rules_share_each_verdict_and_size_their_own(nse: Nse) -> None:
    nse.at(MONDAY_16)
    first = _trader_on(nse, RULES, nse.user)
    second = _trader_on(nse, {**RULES, "user_capital": "20000"})  # sizing is not part of the rules
    stricter = _trader_on(nse, {**RULES, "min_combined_score": "22"})

    analysis_run(user_id=first.pk)
    assert SymbolAnalysis.objects.count() == len(UNIVERSE)
    candles = MarketCandle.objects.count()
    analysis_run(user_id=second.pk)
    assert SymbolAnalysis.objects.count() == len(UNIVERSE)  # nothing computed again
    assert MarketCandle.objects.count() == candles and TrackedSeries.objects.count() == len(UNIVERSE)
    analysis_run(user_id=stricter.pk)
    assert SymbolAnalysis.objects.count() == 2 * len(UNIVERSE)  # another rule set: its own verdicts

    keys = set(AnalysisRun.objects.values_list("rules_key", flat=True))
    assert len(keys) == 2
    mine = {r.symbol: r for r in Recommendation.objects.filter(user=first)}
    theirs = {r.symbol: r for r in Recommendation.objects.filter(user=second)}
    assert set(mine) == set(theirs) and mine
    for symbol, rec in theirs.items():
        params = strategy_params(EquitiesStrategy.objects.get(user=second))
        assert rec.quantity == position_quantity(rec.close, rec.analysis.avg_volume, params)
        assert rec.capital <= Decimal(20000) and rec.quantity < mine[symbol].quantity
    stricter_picks = set(Recommendation.objects.filter(user=stricter).values_list("symbol", flat=True))
    assert stricter_picks < set(mine)  # BHARTIARTL scores 21.1: under 22


def test_a_rerun_of_the_same_close_replaces_the_plan_and_keeps_what_was_acted_on(nse: Nse) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    analysis_run(user_id=user.pk)
    recs = Recommendation.objects.filter(user=user).order_by("rank")
    first = recs.first()
    first.status = "ordered"
    first.save()
    run = analysis_run(user_id=user.pk)
    assert AnalysisRun.objects.filter(user=user).count() == 1 and run.status == "succeeded"
    assert Recommendation.objects.filter(user=user).count() == recs.count()
    assert Recommendation.objects.get(pk=first.pk).status == "ordered"


def test_network_errors_are_retried_30_s_times_attempt_apart(nse: Nse, settings) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, {**RULES}, nse.user)
    strategy_update(user=user, data={"universe": ["RELIANCE", "TCS"]})
    working = settings.KOTAK_SIMULATOR_URL
    settings.KOTAK_SIMULATOR_URL = "http://127.0.0.1:9"  # nothing listens: connection refused
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # the network is back for the third attempt
            settings.KOTAK_SIMULATOR_URL = working

    run = analysis_run(user_id=user.pk, sleep=sleep)
    assert waits == [BACKOFF_SECONDS, 2 * BACKOFF_SECONDS]
    assert run.status == "succeeded" and run.errors == {}
    assert run.analyses.count() == 2


def test_a_symbol_without_candles_is_named_and_the_others_are_analysed(nse: Nse, settings) -> None:
    nse.at(MONDAY_16)
    user = _trader_on(nse, RULES, nse.user)
    strategy_update(user=user, data={"universe": ["RELIANCE", "NOSUCHCO"]})
    run = analysis_run(user_id=user.pk, sleep=lambda _: None)
    assert run.status == "succeeded"
    assert list(run.errors) == ["NOSUCHCO"]
    assert list(run.analyses.values_list("symbol", flat=True)) == ["RELIANCE"]
    assert rules_key(strategy_params(EquitiesStrategy.objects.get(user=user))) == run.rules_key
