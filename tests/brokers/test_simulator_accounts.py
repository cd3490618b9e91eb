"""Exchange accounts on a running simulator, end to end through the API: provisioning, validation
(good and rejected keys), and the admin's price control."""

from __future__ import annotations

import pytest

from auditlog.models import AuditLog
from brokers.models import ExchangeConfig

pytestmark = pytest.mark.usefixtures("point_at_simulator")


@pytest.mark.django_db
def test_connecting_the_simulator_without_a_key_provisions_a_funded_one(api, trader):
    response = api.post("/api/v1/keys/simulator", {"mode": "testnet"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["api_key"].startswith("****")
    validated = api.put("/api/v1/keys/simulator/validate").json()
    assert validated["is_validated"] is True, validated
    assert validated["last_error"] == ""
    assert validated["can_withdraw"] is False


@pytest.mark.django_db
def test_a_key_the_exchange_rejects_is_stored_unvalidated_with_the_exchanges_message(api, trader):
    body = {"mode": "testnet", "api_key": "not-a-real-key-1234", "api_secret": "nope-nope-nope"}
    assert api.post("/api/v1/keys/simulator", body, format="json").status_code == 201
    validated = api.put("/api/v1/keys/simulator/validate").json()
    assert validated["is_validated"] is False
    assert validated["last_error"]
    assert "nope-nope-nope" not in validated["last_error"]
    config = ExchangeConfig.objects.get(user=trader)
    assert config.last_validated is not None
    entry = AuditLog.objects.filter(action="exchange_account.validate").latest("created_at")
    assert entry.changes["ok"] is False


@pytest.mark.django_db
def test_admins_set_simulator_prices_and_read_its_state(client_for, admin_user, trader):
    admin = client_for(admin_user)
    response = admin.put("/api/v1/simulator/prices/BTCUSDT", {"price": "50000"}, format="json")
    assert response.status_code == 200, response.json()
    state = admin.get("/api/v1/simulator/state").json()
    assert "BTC" in str(state)
    assert "50000" in str(state)
    assert AuditLog.objects.filter(action="simulator.price_set").exists()
    assert (
        client_for(trader).put("/api/v1/simulator/prices/BTCUSDT", {"price": "1"}, format="json").status_code
        == 403
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("symbol", "price", "status"), [("BTCUSDT", "-5", 400), ("BTCUSDT", "abc", 400), ("NOPEUSDT", "5", 404)]
)
def test_bad_simulator_prices_are_4xx(client_for, admin_user, symbol, price, status):
    response = client_for(admin_user).put(
        f"/api/v1/simulator/prices/{symbol}", {"price": price}, format="json"
    )
    assert response.status_code == status, response.json()


@pytest.mark.django_db
def test_markets_of_the_simulator_with_precision(api):
    markets = api.get("/api/v1/markets/simulator").json()
    btc = next(m for m in markets if m["symbol"] == "BTC/USDT")
    assert btc == {
        "symbol": "BTC/USDT",
        "base": "BTC",
        "quote": "USDT",
        "tick_size": "0.01",
        "step_size": "0.00001",
        "min_qty": "0.00001",
        "min_notional": "5",
    }
    assert len(markets) >= 10
    assert api.get("/api/v1/markets/simulator/NOPEUSDT").status_code == 404
    assert api.get("/api/v1/markets/nosuchexchange").status_code == 404


@pytest.mark.django_db
def test_a_failed_validation_reaches_the_owners_live_events(api, trader, django_capture_on_commit_callbacks):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from notifications.events import group_for_user

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_for_user(trader.pk), channel)
    try:
        body = {"mode": "testnet", "api_key": "rejected-key-0001", "api_secret": "rejected-secret"}
        api.post("/api/v1/keys/simulator", body, format="json")
        with django_capture_on_commit_callbacks(execute=True):
            api.put("/api/v1/keys/simulator/validate")
        message = async_to_sync(layer.receive)(channel)
    finally:
        async_to_sync(layer.group_discard)(group_for_user(trader.pk), channel)
    event = message["event"]
    assert event["type"] == "log.created"
    assert event["data"]["category"] == "exchange_validation"
    assert event["data"]["level"] == "error"
    assert "rejected-secret" not in str(event)


@pytest.mark.django_db
def test_the_simulator_page_in_django_admin_shows_prices_and_sets_them(admin_user, password):
    from django.test import Client

    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    page = browser.get("/admin/brokers/simulator/")
    assert page.status_code == 200
    assert b"BTCUSDT" in page.content
    done = browser.post("/admin/brokers/simulator/", {"symbol": "ETHUSDT", "price": "3000"}, follow=True)
    assert b"ETHUSDT set to 3000" in done.content
    assert AuditLog.objects.filter(action="simulator.price_set", resource_id="ETHUSDT").exists()


@pytest.mark.django_db
def test_the_simulator_page_is_for_admins_only(trader, password):
    from django.test import Client

    browser = Client()
    browser.login(username=trader.email, password=password)
    assert browser.get("/admin/brokers/simulator/").status_code == 302
