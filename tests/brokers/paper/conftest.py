from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from accounts.models import User
from brokers.adapters.paper import PaperAdapter
from brokers.models import ExchangeConfig, PaperAccount
from brokers.services_paper import paper_account_create
from tests.brokers.paper.market_data import StaticMarketData

D = Decimal


@pytest.fixture
def prices() -> StaticMarketData:
    market_data = StaticMarketData()
    market_data.set_price("BTC/USDT", bid="49990.00", ask="50000.00")
    market_data.set_price("ETH/USDT", bid="2999.00", ask="3000.00")
    return market_data


@pytest.fixture
def open_paper_account() -> Callable[..., PaperAccount]:
    """A paper account of `user` with `balances`; fee 0.1 %, slippage 10 bps unless told."""

    def make(user: User, label: str = "default", **options: object) -> PaperAccount:
        config = ExchangeConfig.objects.create(
            user=user, exchange="paper", label=label, price_source="simulator"
        )
        options.setdefault("balances", {"USDT": D("10000")})
        options.setdefault("fee_rate", D("0.001"))
        options.setdefault("slippage_bps", D("10"))
        return paper_account_create(config=config, **options)  # type: ignore[arg-type]  # test helper

    return make


@pytest.fixture
def account(trader: User, open_paper_account: Callable[..., PaperAccount]) -> PaperAccount:
    return open_paper_account(trader)


@pytest.fixture
def paper(account: PaperAccount, prices: StaticMarketData) -> PaperAdapter:
    return PaperAdapter(account.config, prices)
