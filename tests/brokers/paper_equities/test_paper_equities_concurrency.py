"""Orders racing each other on one paper NSE account, each thread on its own database connection
(real transactions and row locks: PostgreSQL when DATABASE_URL says so, else the SQLite file)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from brokers.adapters.base import OrderType, Side
from brokers.adapters.equities import EquityOrder
from brokers.errors import InsufficientFunds
from brokers.paper_equities.adapter import PaperEquitiesAdapter
from brokers.paper_equities.models import PaperEquityAccount, PaperEquityOrder, PaperEquityTrade

D = Decimal
THREADS = 6

pytestmark = pytest.mark.django_db(transaction=True)


def race(paper: PaperEquitiesAdapter, place: Callable[[PaperEquitiesAdapter, int], Any]) -> list[Any]:
    """Run `place(adapter, i)` in THREADS threads released together; results or exceptions."""
    start = threading.Barrier(THREADS)

    def run(i: int) -> Any:
        adapter = PaperEquitiesAdapter(paper.config, paper.market_data, clock=paper.clock)
        try:
            start.wait()
            return place(adapter, i)
        except Exception as exc:  # the outcome under test: collected, not raised
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def buy(paper: PaperEquitiesAdapter, client_order_id: str) -> EquityOrder:
    return paper.create_equity_order(
        symbol="RELIANCE",
        side=Side.BUY,
        type=OrderType.MARKET,
        quantity=D(10),
        client_order_id=client_order_id,
    )


def test_concurrent_buys_cannot_spend_more_than_the_cash(trader, open_paper_nse):
    # Each buy costs 12,514.83: Rs 30,000 pays for two.
    paper = open_paper_nse(trader, starting_capital=D(30_000))

    outcomes = race(paper, lambda adapter, i: buy(adapter, f"o{i}"))

    filled = [o for o in outcomes if isinstance(o, EquityOrder)]
    refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
    assert (len(filled), len(refused)) == (2, THREADS - 2), outcomes
    account = PaperEquityAccount.objects.get()
    assert (account.cash, account.blocked) == (D(30_000) - 2 * D("12514.83"), 0)
    assert account.holdings.get().quantity == 20


def test_the_same_client_order_id_sent_at_once_from_many_workers_trades_once(trader, open_paper_nse):
    paper = open_paper_nse(trader)

    outcomes = race(paper, lambda adapter, i: buy(adapter, "same"))

    assert {o.id for o in outcomes if isinstance(o, EquityOrder)} == {
        str(PaperEquityOrder.objects.get().pk)
    }, outcomes
    assert PaperEquityTrade.objects.count() == 1
    assert PaperEquityAccount.objects.get().cash == D(200_000) - D("12514.83")
