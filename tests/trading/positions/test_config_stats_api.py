"""Each DCA configuration's stats, against a hand computation.

The BTC/USDT config has three closed deals and two open ones:

    closed  +30 (held 2 h), -10 (held 4 h), +20 (held 6 h)  -> realized 40, 2 of 3 won = 66.67 %,
                                                              mean time held 4 h = 14400 s
    open    cost basis 100 (unrealized +5) and 50 (unrealized -2)  -> capital 150, unrealized 3

Not counted: a closed group that never bought (not a deal), a failed group, a group of another
configuration, and another user's group that names this configuration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.trading.factories import PositionGroupFactory
from trading.dca.models import DCAConfig
from trading.positions.models import GroupStatus

pytestmark = pytest.mark.django_db

OPENED = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def _config(user, symbol: str = "BTC/USDT") -> DCAConfig:
    return DCAConfig.objects.create(user=user, exchange="simulator", symbol=symbol, timeframe="1h")


def _closed(user, config, realized: str, hours: int, **fields):
    return PositionGroupFactory(
        user=user,
        dca_config=config,
        symbol=config.symbol,
        status=GroupStatus.CLOSED,
        opened_at=OPENED,
        closed_at=OPENED + dt.timedelta(hours=hours),
        realized_pnl=Decimal(realized),
        bought_quantity=fields.pop("bought_quantity", Decimal(1)),
        **fields,
    )


@pytest.fixture
def btc(trader, other_trader):
    config = _config(trader)
    _closed(trader, config, "30", 2)
    _closed(trader, config, "-10", 4)
    _closed(trader, config, "20", 6)
    for cost, unrealized, status in (("100", "5", GroupStatus.ACTIVE), ("50", "-2", GroupStatus.LIVE)):
        PositionGroupFactory(
            user=trader,
            dca_config=config,
            status=status,
            timeframe=f"{len(cost)}h",  # one open group per (account, symbol, timeframe, side)
            cost_basis=Decimal(cost),
            unrealized_pnl=Decimal(unrealized),
            bought_quantity=Decimal(1),
        )
    _closed(trader, config, "0", 1, bought_quantity=Decimal(0))  # cancelled before a fill
    PositionGroupFactory(user=trader, dca_config=config, status=GroupStatus.FAILED, timeframe="4h")
    _closed(other_trader, config, "999", 1)  # a foreign group pointing at it still never counts
    return config


def test_a_configs_stats_match_the_hand_computation(api, btc):
    body = api.get(f"/api/v1/dca-configs/{btc.id}/stats").json()
    assert body == {
        "config_id": str(btc.id),
        "currency": "USDT",
        "active_deals": 2,
        "closed_deals": 3,
        "realized_pnl": "40",
        "wins": 2,
        "win_rate": "66.67",
        "avg_duration_seconds": 4 * 3600,
        "capital_in_use": "150",
        "unrealized_pnl": "3",
    }


def test_every_config_is_listed_and_one_without_deals_shows_zeros(api, trader, btc):
    eth = _config(trader, "ETH/BTC")
    _closed(trader, _config(trader, "SOL/USDT"), "7", 1)
    rows = {row["config_id"]: row for row in api.get("/api/v1/dca-configs/stats").json()}
    assert len(rows) == 3
    assert rows[str(btc.id)]["realized_pnl"] == "40"
    assert rows[str(eth.id)] == {
        "config_id": str(eth.id),
        "currency": "BTC",
        "active_deals": 0,
        "closed_deals": 0,
        "realized_pnl": "0",
        "wins": 0,
        "win_rate": None,
        "avg_duration_seconds": None,
        "capital_in_use": "0",
        "unrealized_pnl": "0",
    }


def test_another_users_config_is_404_and_absent_from_the_list(api, other_trader, btc):
    foreign = _config(other_trader)
    assert api.get(f"/api/v1/dca-configs/{foreign.id}/stats").status_code == 404
    listed = {row["config_id"] for row in api.get("/api/v1/dca-configs/stats").json()}
    assert listed == {str(btc.id)}


def test_stats_need_a_login(anon, btc):
    assert anon.get(f"/api/v1/dca-configs/{btc.id}/stats").status_code == 401
