"""An admin reads a trader's paper NSE ledger in Django admin: the account with its holdings, the
orders (a refusal with its reason) and the fills; nothing there can be added, changed or deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from brokers.adapters.base import OrderType, Side
from brokers.errors import BrokerError
from brokers.paper_equities.models import PaperEquityOrder, PaperEquityTrade

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


def test_the_ledger_is_there_to_read_and_nothing_more(admin_browser, paper):
    paper.create_equity_order(
        symbol="RELIANCE", side=Side.BUY, type=OrderType.MARKET, quantity=Decimal(10), client_order_id="tf-1"
    )
    with pytest.raises(BrokerError):  # far more than the account's cash
        paper.create_equity_order(
            symbol="TCS", side=Side.BUY, type=OrderType.MARKET, quantity=Decimal(1000), client_order_id="tf-2"
        )
    refused = PaperEquityOrder.objects.get(client_order_id="tf-2")
    assert refused.reject_reason

    orders = admin_browser.get("/admin/brokers/paperequityorder/")
    assert orders.status_code == 200
    assert b"RELIANCE" in orders.content and refused.reject_reason.encode() in orders.content
    account = admin_browser.get(f"/admin/brokers/paperequityaccount/{paper.account.pk}/change/")
    assert account.status_code == 200 and b"RELIANCE" in account.content  # the holding, inline
    fill = PaperEquityTrade.objects.get()
    assert admin_browser.get(f"/admin/brokers/paperequitytrade/{fill.pk}/change/").status_code == 200

    assert admin_browser.get("/admin/brokers/paperequityorder/add/").status_code == 403
    assert admin_browser.post(f"/admin/brokers/paperequityorder/{refused.pk}/delete/").status_code == 403
    before = PaperEquityOrder.objects.count()
    admin_browser.post(f"/admin/brokers/paperequityorder/{refused.pk}/change/", {"status": "filled"})
    refused.refresh_from_db()
    assert refused.status != "filled" and PaperEquityOrder.objects.count() == before
