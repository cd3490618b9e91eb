"""The strategy's holdings (open NSE_EMA9 groups with their EMA9 exit) and day summaries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.trading.factories import DCAOrderFactory, PositionGroupFactory
from trading.equities.models import StrategyDay, StrategyPosition
from trading.positions.models import NSE_EMA9, GroupStatus, OrderRole, OrderStatus

pytestmark = pytest.mark.django_db
API = "/api/v1/equities"


def strategy_group(user, account, symbol, **fields):
    values = {
        "user": user,
        "account": account,
        "symbol": symbol,
        "timeframe": "1d",
        "strategy": NSE_EMA9,
        "status": GroupStatus.ACTIVE,
        "filled_quantity": Decimal(10),
        "avg_entry": Decimal("1500"),
        "last_price": Decimal("1530.5"),
        "unrealized_pnl": Decimal("305"),
        "unrealized_pnl_percent": Decimal("2.03"),
        "market_snapshot": {},
    }
    values.update(fields)
    return PositionGroupFactory(**values)


def test_holdings_show_the_ema9_exit_and_the_resting_sell(api, trader, kotak_account):
    group = strategy_group(trader, kotak_account, "TCS")
    StrategyPosition.objects.create(
        group=group,
        user=trader,
        symbol="TCS",
        target=Decimal("1620.55"),
        stop=Decimal("1380"),
        exit_price=Decimal("1541.05"),
        levels_taken=[30, 20],
    )
    DCAOrderFactory(
        user=trader,
        group=group,
        role=OrderRole.CLOSE,
        reason="ema9_target",
        side="sell",
        status=OrderStatus.CANCELLED,
        price=Decimal("1550"),
        quantity=Decimal(10),
    )
    sell = DCAOrderFactory(
        user=trader,
        group=group,
        role=OrderRole.CLOSE,
        reason="ema9_target",
        side="sell",
        status=OrderStatus.OPEN,
        price=Decimal("1541.05"),
        quantity=Decimal(10),
    )
    waiting = strategy_group(trader, kotak_account, "INFY", filled_quantity=Decimal(5))
    StrategyPosition.objects.create(
        group=waiting, user=trader, symbol="INFY", exit_note="EMA9 1400 is under 95 % of the entry"
    )
    strategy_group(trader, kotak_account, "WIPRO", status=GroupStatus.CLOSED)  # closed: not a holding
    strategy_group(trader, kotak_account, "HDFC", strategy="")  # a TradingView group: not the strategy's

    rows = api.get(f"{API}/holdings").json()

    assert [row["symbol"] for row in rows] == ["INFY", "TCS"]
    infy, tcs = rows
    assert tcs == {
        "id": str(group.pk),
        "symbol": "TCS",
        "exchange": "kotak_simulator",
        "account_label": "default",
        "status": "active",
        "quantity": "10",
        "avg_entry": "1500",
        "last_price": "1530.5",
        "unrealized_pnl": "305",
        "unrealized_pnl_percent": "2.03",
        "opened_at": tcs["opened_at"],
        "target": "1620.55",
        "stop": "1380",
        "exit_price": "1541.05",
        "exit_note": "",
        "sell_order": {"id": str(sell.pk), "status": "open", "price": "1541.05", "quantity": "10"},
        "levels_taken": [30, 20],
    }
    assert infy["sell_order"] is None and infy["exit_price"] is None
    assert infy["exit_note"].startswith("EMA9 1400")


def test_another_traders_holdings_are_not_listed(api, other_trader):
    from tests.trading.factories import ExchangeConfigFactory

    account = ExchangeConfigFactory(user=other_trader, exchange="kotak_simulator", label="default")
    strategy_group(other_trader, account, "TCS")
    assert api.get(f"{API}/holdings").json() == []


def test_day_summaries_newest_first_only_ones_own(api, trader, other_trader):
    first = date(2026, 3, 2)
    StrategyDay.objects.create(user=trader, day=first, stats={"buys": 2}, summary="2 bought")
    StrategyDay.objects.create(
        user=trader, day=first + timedelta(days=1), stats={"sells": 1}, summary="1 sold"
    )
    StrategyDay.objects.create(user=other_trader, day=first, stats={}, summary="theirs")
    rows = api.get(f"{API}/days").json()["results"]
    assert [(r["day"], r["summary"]) for r in rows] == [("2026-03-03", "1 sold"), ("2026-03-02", "2 bought")]
    assert rows[1]["stats"] == {"buys": 2}
