"""The paper NSE account itself: its ledger, its catalog entry, and the database's last line of
defence behind the engine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import brokers.paper_equities.kind  # noqa: F401  # registers paper_nse until registry.py imports it
from brokers.adapters.registry import adapter_for, supported_exchanges
from brokers.models import ExchangeConfig
from brokers.paper_equities.adapter import PaperEquitiesAdapter
from brokers.paper_equities.kind import PAPER_NSE
from brokers.paper_equities.models import PaperEquityAccount, PaperEquityHolding
from brokers.paper_equities.services import paper_equities_account_create

D = Decimal


def test_a_new_paper_nse_account_starts_with_two_lakh_rupees(paper):
    funds = paper.fetch_funds()

    assert (funds.available_cash, funds.used_margin, funds.currency) == (D(200_000), 0, "INR")
    assert paper.check_account().can_trade
    assert paper.fetch_balance()["INR"].free == D(200_000)


def test_the_catalog_offers_paper_trading_on_nse_equities():
    [entry] = [e for e in supported_exchanges() if e["id"] == PAPER_NSE]

    assert (entry["name"], entry["kind"], entry["asset_class"], entry["modes"]) == (
        "Paper trading (NSE)",
        "paper",
        "equities",
        ["testnet", "live"],
    )


def test_a_paper_nse_account_is_served_by_the_paper_equities_adapter(trader):
    config = ExchangeConfig.objects.create(user=trader, exchange=PAPER_NSE, label="p")
    paper_equities_account_create(config=config)

    adapter = adapter_for(config)

    assert isinstance(adapter, PaperEquitiesAdapter)
    assert adapter.market_data.exchange_id == "kotak_simulator"


def test_only_paper_nse_accounts_get_an_equities_ledger(trader):
    config = ExchangeConfig.objects.create(user=trader, exchange="paper", label="crypto")

    with pytest.raises(ValidationError, match="paper_nse"):
        paper_equities_account_create(config=config)


def test_the_database_refuses_negative_cash_and_a_short_delivery_sale(paper):
    account = PaperEquityAccount.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperEquityAccount.objects.filter(pk=account.pk).update(cash=D("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperEquityHolding.objects.create(
            account=account, symbol="TCS", quantity=1, average_price=1, sell_blocked=2
        )


def test_the_periodic_tick_squares_off_intraday_positions_while_nobody_looks(
    trader, prices, monkeypatch, clock, set_time
):
    from brokers.adapters import registry
    from brokers.paper_equities.services import paper_equities_tick
    from tests.brokers.paper_equities.conftest import MONDAY

    monkeypatch.setitem(
        registry._registered,
        "nse_prices",
        registry.BrokerKind(
            entry={"id": "nse_prices"}, for_account=lambda c: prices, for_public=lambda: prices
        ),
    )
    config = ExchangeConfig.objects.create(
        user=trader, exchange=PAPER_NSE, label="p", price_source="nse_prices"
    )
    paper_equities_account_create(config=config, slippage_bps=D(0))
    paper = PaperEquitiesAdapter(config, prices, clock=clock)
    paper.create_equity_order(
        symbol="INFY", side="buy", type="market", quantity=D(100), product="MIS", client_order_id="mis"
    )
    set_time(MONDAY, "15:25")

    assert paper_equities_tick(now=paper.now()) == 1

    [position] = PaperEquityAccount.objects.get(config=config).positions.all()
    assert (position.buy_quantity, position.sell_quantity) == (100, 100)
    assert paper_equities_tick(now=paper.now()) == 0  # nothing left to do
