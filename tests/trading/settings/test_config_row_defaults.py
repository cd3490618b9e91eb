"""The deployment's limits (TRADING_MAX_OPEN_GROUPS, TRADING_MAX_SIGNAL_AGE_SECONDS) hold for a
user until they change them: whichever path creates their configuration row first (the risk
tick, the API, a change) starts it from the settings, not from the built-in 10 and 300 s."""

from __future__ import annotations

import pytest

from trading.positions.models import PositionGroup
from trading.risk.tasks import risk_tick
from trading.settings.models import UserTradingConfig
from trading.settings.services import trading_config_for, trading_config_update
from trading.signals.routing import routes_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_risk_tick_creating_the_row_keeps_the_pool_size_of_the_setting(engine, settings) -> None:
    settings.TRADING_MAX_OPEN_GROUPS = 1
    engine.config()
    engine.config(symbol="ETH/USDT")
    engine.signal(price="100")  # 1 of 1: the pool is full
    assert risk_tick.delay().get() == 1  # the first to read the user's configuration
    assert UserTradingConfig.objects.filter(user=engine.user).exists()  # ... created the row
    waiting = engine.signal(price="100", symbol="ETH/USDT")
    assert (waiting.status, waiting.classification) == ("queued", "entry")
    assert "(1/1 open position groups)" in waiting.reason
    assert PositionGroup.objects.filter(user=engine.user).count() == 1


def test_a_new_configuration_starts_from_the_deployments_limits(trader, settings) -> None:
    settings.TRADING_MAX_OPEN_GROUPS = 1000
    settings.TRADING_MAX_SIGNAL_AGE_SECONDS = 900
    before = routes_for(trader)  # no row yet: the engine applies the settings
    config = trading_config_for(trader)
    assert (config.max_open_groups, config.max_signal_age_seconds) == (1000, 900)
    after = routes_for(trader)
    assert (after.max_open_groups, after.max_signal_age_seconds) == (
        before.max_open_groups,
        before.max_signal_age_seconds,
    )


def test_a_change_of_another_setting_keeps_the_deployments_pool_size(trader, settings) -> None:
    settings.TRADING_MAX_OPEN_GROUPS = 40
    trading_config_update(user=trader, fields={"rsi_period": 21}, partial=True)  # creates the row
    assert routes_for(trader).max_open_groups == 40
