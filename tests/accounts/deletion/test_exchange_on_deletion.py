"""What deleting an account does at the exchange (the real simulator, over HTTP): the open orders
are cancelled while the keys still work, then the keys are gone; the positions are sold at
market or left as holdings, as the trader chose."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auditlog.models import AuditLog
from brokers.models import ExchangeConfig
from trading.positions.models import DCAOrder, PositionGroup
from trading.runtime.models import ServiceStatus

pytestmark = pytest.mark.django_db(transaction=True)


def orders_of(user: object) -> list[tuple[str, str, Decimal, str]]:
    """What the engine recorded, shown when an assertion about the exchange fails."""
    return [(o.role, o.status, o.quantity, o.last_error) for o in DCAOrder.objects.filter(user=user)]


def open_position_with_resting_orders(engine) -> tuple[str, Decimal]:
    """A grid whose first leg has filled (BTC bought, its take-profit resting) and whose other
    legs rest below. Returns the simulator key, which the account's row is about to lose, and
    the BTC the account held before."""
    engine.config()
    before = engine.balance("BTC")
    engine.price("BTC/USDT", "100")
    assert engine.signal(price="100").status == "processed"
    engine.monitor()
    api_key = str(engine.account.api_key)
    at_exchange = engine.control.account(api_key)
    assert len(at_exchange["open_orders"]) >= 2, at_exchange
    assert engine.balance("BTC") > before
    return api_key, before


@pytest.mark.parametrize("positions", ["close", "leave"])
def test_deleting_cancels_every_order_and_closes_or_leaves_the_position(
    make_engine, trader, client_for, password, delete_account, positions
):
    engine = make_engine(trader)
    api_key, before = open_position_with_resting_orders(engine)
    held = engine.balance("BTC")

    response = delete_account(client_for(trader), password, positions)

    assert response.status_code == 200, response.json()
    at_exchange = engine.control.account(api_key)
    assert at_exchange["open_orders"] == [], orders_of(trader)
    btc = at_exchange["balances"].get("BTC", {"free": "0", "locked": "0"})
    remaining = Decimal(btc["free"]) + Decimal(btc["locked"])
    if positions == "close":
        assert remaining - before < Decimal("0.0001"), orders_of(trader)  # sold (dust may stay)
    else:
        assert remaining == held and Decimal(btc["locked"]) == 0
    account = ExchangeConfig.objects.get(pk=engine.account.pk)
    assert (account.api_key_encrypted, account.api_secret_encrypted) == ("", "")
    assert not account.is_enabled
    assert ServiceStatus.objects.get(user_id=trader.pk).running is False
    # Nothing is left for the engine to act on with keys it no longer has.
    assert not PositionGroup.objects.filter(user=trader, status__in=("live", "partially_filled", "active"))


def test_an_exchange_that_fails_does_not_stop_the_deletion(
    make_engine, trader, client_for, password, delete_account
):
    engine = make_engine(trader)
    api_key, _ = open_position_with_resting_orders(engine)
    engine.control.set_faults(error_rate=1.0, match=["DELETE /api/v3/order"], after_apply=False, count=None)

    response = delete_account(client_for(trader), password, "leave")

    assert response.status_code == 200, response.json()
    entry = AuditLog.objects.get(action="account.deleted")
    assert entry.changes["orders_not_cancelled"] == len(engine.control.account(api_key)["open_orders"]) > 0
    assert ExchangeConfig.objects.get(pk=engine.account.pk).api_key_encrypted == ""
