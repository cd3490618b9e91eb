"""A trading week of the NSE strategy, end to end, on the Kotak simulator over HTTP with a frozen
clock that the test moves (time-machine: the platform, its Celery tasks run eagerly, and the
simulator's server thread all read the same time).

Monday 23 November 2026: the 16:00 analysis picks what the reference scan of the simulator's own
candles picks; 16:05 places MARKET AMO CNC buys. Tuesday 24 November is an NSE holiday (Guru
Nanak Jayanti): all seven tasks fire and none runs. Wednesday: the AMO buys fill at the open,
09:15 places the LIMIT sells at the real-time EMA9 rounded up to the tick, a price rise fills
one, the sell monitor closes it with `ema9_target`, and 18:00 writes the day's summary.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from brokers.adapters.cache import cached_adapter_for
from brokers.precision import ceil_to
from trading.equities.models import (
    AnalysisRun,
    Recommendation,
    RecommendationStatus,
    StrategyDay,
    StrategyPosition,
    SymbolAnalysis,
)
from trading.equities.services.config import strategy_update
from trading.equities.strategy.indicators import ema
from trading.equities.strategy.params import StrategyParams
from trading.positions.models import NSE_EMA9, DCAOrder, OrderRole, PositionGroup
from trading.runtime.models import ServiceTaskExecution
from trading.runtime.services import service_status_for

from .conftest import RULES, UNIVERSE, Nse, ist

pytestmark = pytest.mark.django_db(transaction=True)

TASK_TIMES = [
    ("premarket_retry", 9, 0),
    ("open_sells", 9, 15),
    ("sell_monitor", 9, 16),
    ("position_monitor", 9, 30),
    ("analysis", 16, 0),
    ("amo_buys", 16, 5),
    ("end_of_day", 18, 0),
]


def test_a_trading_week_on_the_kotak_simulator(nse: Nse) -> None:
    week = nse
    user = week.user
    assert service_status_for(user.pk).running  # a trader's service runs from the start
    settings = {"enabled": True, "account": str(week.account.pk), "universe": UNIVERSE, "params": RULES}
    strategy_update(user=user, data=settings)
    rows = PeriodicTask.objects.filter(name__startswith=f"nse:{user.pk}:")
    assert rows.count() == 7 and all(row.enabled for row in rows)
    analysis_row = rows.get(name=f"nse:{user.pk}:analysis")
    assert str(analysis_row.crontab.timezone) == "Asia/Kolkata"
    assert (analysis_row.crontab.hour, analysis_row.crontab.minute) == ("16", "0")

    # --- Monday 16:00: the analysis picks what the reference picks ------------------------------
    assert week.run("analysis", ist(2026, 11, 23, 16, 0)) == "success"
    run = AnalysisRun.objects.get(user=user)
    assert run.day.isoformat() == "2026-11-23" and run.status == "succeeded" and run.errors == {}
    assert run.analyses.count() == len(UNIVERSE)
    params = StrategyParams.from_mapping(RULES)
    picks = week.reference_picks(params)
    assert picks, "the seeded market must offer at least one pick on Monday"
    planned = Recommendation.objects.filter(user=user, day=run.day).order_by("rank")
    assert sorted(planned.values_list("symbol", flat=True)) == picks
    assert SymbolAnalysis.objects.filter(day=run.day).count() == len(UNIVERSE)  # computed once each

    # --- Monday 16:05: MARKET AMO CNC buys ------------------------------------------------------
    assert week.run("amo_buys", ist(2026, 11, 23, 16, 5)) == "success"
    buys = DCAOrder.objects.filter(user=user, role=OrderRole.LEG)
    assert sorted(buys.values_list("symbol", flat=True)) == picks
    assert all(o.amo and o.order_type == "market" and o.status == "open" for o in buys)
    book = {o.client_order_id: o for o in cached_adapter_for(week.account).fetch_orders()}
    for order in buys:  # at the broker as the trader's order book shows them
        placed = book[order.client_order_id]
        assert placed.amo is True and placed.product == "CNC" and placed.side == "buy"
    assert set(Recommendation.objects.filter(user=user).values_list("status", flat=True)) == {
        RecommendationStatus.ORDERED
    }

    # --- Tuesday 24 November: an NSE holiday; every task fires, none runs -----------------------
    before = (DCAOrder.objects.count(), AnalysisRun.objects.count(), StrategyDay.objects.count())
    for task, hour, minute in TASK_TIMES:
        assert week.run(task, ist(2026, 11, 24, hour, minute)) == "skipped"
    skipped = ServiceTaskExecution.objects.filter(user=user, status="skipped", started_at__date="2026-11-24")
    assert skipped.count() == 5  # the two monitors skip silently (they fire every minute and hour)
    assert all("not an NSE trading day" in row.details["reason"] for row in skipped)
    assert (DCAOrder.objects.count(), AnalysisRun.objects.count(), StrategyDay.objects.count()) == before

    # --- Wednesday: the AMO buys fill at the open, 09:15 places the EMA9 sells --------------------
    assert week.run("premarket_retry", ist(2026, 11, 25, 9, 0)) == "success"
    assert week.run("open_sells", ist(2026, 11, 25, 9, 15)) == "success"
    groups = {g.symbol: g for g in PositionGroup.objects.filter(user=user, strategy=NSE_EMA9)}
    assert sorted(groups) == picks
    for group in groups.values():
        assert group.filled_quantity > 0 and group.status == "active", group
    sells = {o.symbol: o for o in DCAOrder.objects.filter(user=user, role=OrderRole.CLOSE)}
    assert sorted(sells) == picks
    tick = Decimal("0.05")
    for symbol, sell in sells.items():
        closes = _closes(symbol)
        previous_ema9 = ema(closes, 9)[-1]
        ltp = week.price(symbol)
        expected = ceil_to(ltp * Decimal("0.2") + previous_ema9 * Decimal("0.8"), tick)
        assert sell.price == expected and sell.price % tick == 0
        assert sell.order_type == "limit" and sell.side == "sell" and sell.reason == "ema9_target"
        assert sell.quantity == groups[symbol].filled_quantity and sell.status == "open"
        assert StrategyPosition.objects.get(group=groups[symbol]).exit_price == expected

    # --- a price rise fills one sell; the monitor closes the position with ema9_target -----------
    winner = picks[0]
    week.control("PUT", f"prices/{winner}", {"price": str(sells[winner].price + 10)})
    assert week.run("sell_monitor", ist(2026, 11, 25, 9, 20)) == "success"
    closed = PositionGroup.objects.get(pk=groups[winner].pk)
    assert closed.status == "closed" and closed.close_reason == "ema9_target"
    assert closed.realized_pnl != 0 and closed.closed_at is not None

    # --- Wednesday 18:00: the day's summary -------------------------------------------------------
    assert week.run("end_of_day", ist(2026, 11, 25, 18, 0)) == "success"
    day = StrategyDay.objects.get(user=user, day="2026-11-25")
    assert day.stats["closed_by_ema9"] == [winner]
    assert day.stats["buys_filled"] >= len(picks) and day.stats["sells_filled"] >= 1
    assert day.stats["holdings"] == len(picks) - 1
    assert "1 closed (1 at the EMA9 target)" in day.summary
    assert timezone.now() == ist(2026, 11, 25, 18, 0)


def _closes(symbol: str) -> list[Decimal]:
    from brokers.marketdata.models import MarketCandle

    rows = MarketCandle.objects.filter(
        source="kotak_simulator", symbol=symbol, interval="1d", opened_at__lt=ist(2026, 11, 24, 0, 0)
    )
    return list(rows.order_by("opened_at").values_list("close", flat=True))
