"""Orders racing each other on one paper account, each thread on its own database connection
(real transactions and row locks: PostgreSQL when DATABASE_URL says so, else the SQLite file)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from brokers.adapters.base import Order, OrderStatus, OrderType, Side
from brokers.adapters.paper import PaperAdapter
from brokers.errors import InsufficientFunds
from brokers.models import PaperAccount, PaperBalance, PaperOrder
from brokers.services_paper import paper_account_fund
from tests.brokers.paper.market_data import StaticMarketData

D = Decimal
THREADS = 8

pytestmark = pytest.mark.django_db(transaction=True)


def race(
    account: PaperAccount, prices: StaticMarketData, place: Callable[[PaperAdapter, int], Any]
) -> list[Any]:
    """Run `place(adapter, i)` in THREADS threads released together; results or exceptions."""
    start = threading.Barrier(THREADS)

    def run(i: int) -> Any:
        adapter = PaperAdapter(account.config, prices)
        try:
            start.wait()
            return place(adapter, i)
        except Exception as exc:  # the outcome under test: collected, not raised
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def test_concurrent_orders_cannot_overspend(trader, open_paper_account, prices):
    account = open_paper_account(trader, balances={"USDT": D("1000")})

    # Each buy costs 0.008 x 50,050 = 400.40 + 0.4004 fee: the account can pay for two.
    outcomes = race(
        account,
        prices,
        lambda paper, i: paper.create_order(
            symbol="BTC/USDT",
            side=Side.BUY,
            type=OrderType.MARKET,
            amount=D("0.008"),
            client_order_id=f"o{i}",
        ),
    )

    filled = [o for o in outcomes if isinstance(o, Order)]
    refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
    assert (len(filled), len(refused)) == (2, THREADS - 2), outcomes
    usdt = PaperBalance.objects.get(account=account, asset="USDT")
    btc = PaperBalance.objects.get(account=account, asset="BTC")
    assert (usdt.free, usdt.locked) == (D("1000") - 2 * D("400.8004"), 0)
    assert btc.free == D("0.016")


def test_concurrent_limit_orders_lock_no_more_than_the_balance(trader, open_paper_account, prices):
    account = open_paper_account(trader, balances={"USDT": D("1000")})

    outcomes = race(
        account,
        prices,
        lambda paper, i: paper.create_order(
            symbol="BTC/USDT",
            side=Side.BUY,
            type=OrderType.LIMIT,
            amount=D("0.01"),
            price=D("30000"),  # locks 300.30 each: three fit
            client_order_id=f"o{i}",
        ),
    )

    assert sum(isinstance(o, Order) for o in outcomes) == 3, outcomes
    usdt = PaperBalance.objects.get(account=account, asset="USDT")
    assert (usdt.free, usdt.locked) == (D("99.1"), D("900.9"))


def test_the_same_client_order_id_sent_concurrently_places_one_order(trader, open_paper_account, prices):
    account = open_paper_account(trader)

    outcomes = race(
        account,
        prices,
        lambda paper, i: paper.create_order(
            symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET, amount=D("0.01"), client_order_id="once"
        ),
    )

    assert all(isinstance(o, Order) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1
    assert PaperOrder.objects.filter(account=account).count() == 1


def test_funding_while_orders_fill_loses_nothing(trader, open_paper_account, prices):
    account = open_paper_account(trader, balances={"USDT": D("5000")})

    def place_or_fund(paper: PaperAdapter, i: int) -> Any:
        if i % 2:
            return paper_account_fund(account=account, asset="USDT", amount=D("100"))
        return paper.create_order(
            symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET, amount=D("0.01"), client_order_id=f"o{i}"
        )

    outcomes = race(account, prices, place_or_fund)

    orders = [o for o in outcomes if isinstance(o, Order)]
    assert len(orders) == THREADS // 2 and all(o.status == OrderStatus.CLOSED for o in orders), outcomes
    usdt = PaperBalance.objects.get(account=account, asset="USDT")
    assert usdt.free == D("5000") + 4 * D("100") - 4 * D("501.0005")
