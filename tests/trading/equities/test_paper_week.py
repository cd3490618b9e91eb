"""The same strategy on a paper NSE account (the platform's own ledger, priced by the Kotak
simulator): Monday's AMO buys fill at Wednesday's open in the ledger, settle T+1, the EMA9 sells
rest there from Thursday, and a price rise sells one, closing it with `ema9_target` (Tuesday is an
NSE holiday)."""

from __future__ import annotations

import pytest

from brokers.paper_equities.models import PaperEquityOrder
from brokers.services import exchange_config_create
from trading.equities.models import Recommendation, StrategyPosition
from trading.equities.services.config import strategy_update
from trading.positions.models import NSE_EMA9, DCAOrder, OrderRole, PositionGroup

from .conftest import RULES, UNIVERSE, Nse, ist

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_paper_nse_account_trades_the_strategy_week(nse: Nse) -> None:
    paper = exchange_config_create(user=nse.user, exchange="paper_nse", mode="testnet", label="paper")
    settings = {"enabled": True, "account": str(paper.pk), "universe": UNIVERSE, "params": RULES}
    strategy_update(user=nse.user, data=settings)

    assert nse.run("analysis", ist(2026, 11, 23, 16, 0)) == "success"
    picks = sorted(Recommendation.objects.filter(user=nse.user).values_list("symbol", flat=True))
    assert picks == ["BHARTIARTL", "KOTAKBANK"]  # the candles are the simulator's: the same picks
    assert nse.run("amo_buys", ist(2026, 11, 23, 16, 5)) == "success"
    ledger = PaperEquityOrder.objects.filter(account__config=paper)
    assert sorted(ledger.filter(amo=True).values_list("symbol", flat=True)) == picks

    # Wednesday: the AMO buys fill at the open; the ledger settles them T+1, so no sell yet.
    assert nse.run("open_sells", ist(2026, 11, 25, 9, 16)) == "success"
    groups = {g.symbol: g for g in PositionGroup.objects.filter(strategy=NSE_EMA9)}
    assert all(g.status == "active" and g.filled_quantity > 0 for g in groups.values())
    assert not DCAOrder.objects.filter(role=OrderRole.CLOSE).exists()
    notes = [p.exit_note for p in StrategyPosition.objects.all()]
    assert all("settle T+1" in note for note in notes) and len(notes) == 2
    # Thursday 09:15: the shares are sellable; the EMA9 sells rest in the ledger.
    assert nse.run("open_sells", ist(2026, 11, 26, 9, 15)) == "success"
    sells = {o.symbol: o for o in DCAOrder.objects.filter(role=OrderRole.CLOSE, status="open")}
    assert sorted(sells) == picks
    assert all(sells[s].quantity == groups[s].filled_quantity for s in picks)

    winner = picks[0]
    nse.control("PUT", f"prices/{winner}", {"price": str(sells[winner].price + 10)})
    assert nse.run("sell_monitor", ist(2026, 11, 26, 9, 20)) == "success"
    closed = PositionGroup.objects.get(pk=groups[winner].pk)
    assert (closed.status, closed.close_reason) == ("closed", "ema9_target")
    assert PositionGroup.objects.get(pk=groups[picks[1]].pk).status == "active"
