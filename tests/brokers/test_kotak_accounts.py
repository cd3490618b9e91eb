"""Kotak Neo accounts end to end through the API, against the Kotak simulator running in this
process over HTTP: connecting one (the simulator makes its login), validation (login + limits),
what the account holds (holdings, positions, funds, order book), and the refusals a trader sees."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pyotp
import pytest
from django.core.cache import cache

from auditlog.models import AuditLog
from brokers.adapters.base import OrderType, Side
from brokers.adapters.equities import Product
from brokers.adapters.registry import adapter_for
from brokers.adapters.session_cache import session_key_for
from brokers.kotak_simulator import KotakSimulatorOptions, KotakSimulatorServer, ManualClock
from brokers.models import ExchangeConfig
from brokers.services import configs_to_validate

pytestmark = pytest.mark.django_db
KEYS = "/api/v1/keys"
# A Monday, 11:00 in Mumbai: the market is open, so a market order fills at once. In the past:
# the simulator's tokens are issued at its clock's time, and one from the future is refused.
MARKET_OPEN_AT = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)


@dataclass
class KotakSim:
    server: KotakSimulatorServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def control_token(self) -> str:
        return self.server.app.control_token

    @property
    def public_key(self) -> str:
        return self.server.options.public_consumer_key

    def provision(self, **given: str) -> dict[str, str]:
        """A funded account (two demo holdings) with the six login fields, as a trader has them."""
        return asdict(self.server.provision_account(**given))


@pytest.fixture(scope="module")
def running_kotak_simulator() -> Iterator[KotakSim]:
    clock = ManualClock(int(MARKET_OPEN_AT.timestamp() * 1000))
    server = KotakSimulatorServer(KotakSimulatorOptions(port=0, clock=clock, tick_seconds=0, history_days=30))
    server.start()
    yield KotakSim(server)
    server.stop()


@pytest.fixture(autouse=True)
def _point_at_simulator(settings, running_kotak_simulator: KotakSim) -> None:
    settings.KOTAK_SIMULATOR_URL = running_kotak_simulator.base_url
    settings.KOTAK_SIMULATOR_CONTROL_TOKEN = running_kotak_simulator.control_token
    settings.KOTAK_SIMULATOR_PUBLIC_KEY = running_kotak_simulator.public_key


def connect_simulator(client, **body) -> dict:
    response = client.post(f"{KEYS}/kotak_simulator", {"mode": "testnet", **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_catalogue_offers_kotak_neo_and_its_simulator_as_equities(api):
    entries = {entry["id"]: entry for entry in api.get("/api/v1/exchanges").json()}
    kotak, simulator = entries["kotak_neo"], entries["kotak_simulator"]
    assert (kotak["name"], kotak["kind"], kotak["modes"]) == ("Kotak Neo (NSE)", "kotak", ["live"])
    assert kotak["asset_class"] == simulator["asset_class"] == "equities"
    assert [field["name"] for field in kotak["credential_fields"]] == [
        "api_key",
        "api_secret",
        "mobile_number",
        "ucc",
        "mpin",
        "totp_secret",
    ]
    labels = {field["name"]: field["label"] for field in kotak["credential_fields"]}
    assert labels["api_key"] == "Consumer key"
    assert labels["ucc"] == "UCC (client code)"
    secret = {field["name"]: field["secret"] for field in kotak["credential_fields"]}
    assert secret["mpin"] and secret["totp_secret"] and secret["api_secret"]
    assert simulator["modes"] == ["testnet", "live"]
    assert simulator["credential_fields"] == []
    assert entries["binance"]["asset_class"] == entries["simulator"]["asset_class"] == "crypto"
    assert [f["name"] for f in entries["okx"]["credential_fields"]] == ["api_key", "api_secret", "password"]


def test_connecting_the_kotak_simulator_makes_a_login_and_validation_logs_in(api, trader):
    account = connect_simulator(api)
    assert account["exchange"] == "kotak_simulator"
    assert account["api_key"].startswith("****")
    assert account["is_validated"] is False
    validated = api.put(f"{KEYS}/kotak_simulator/validate").json()
    assert validated["is_validated"] is True, validated["last_error"]
    assert validated["last_error"] == ""
    config = ExchangeConfig.objects.get(user=trader)
    assert config.has_broker_login
    assert str(config.pk) in configs_to_validate()
    actions = set(AuditLog.objects.filter(resource_id=str(config.pk)).values_list("action", flat=True))
    assert {"exchange_account.create", "exchange_account.validate"} <= actions


def test_a_login_the_broker_refuses_is_stored_unvalidated_with_its_message(api, running_kotak_simulator):
    made = running_kotak_simulator.provision()
    wrong_mpin = "000000" if made["mpin"] != "000000" else "111111"
    connect_simulator(
        api,
        api_key=made["consumer_key"],
        api_secret=made["consumer_secret"],
        mobile_number=made["mobile_number"],
        ucc=made["ucc"],
        mpin=wrong_mpin,
        totp_secret=made["totp_secret"],
    )
    validated = api.put(f"{KEYS}/kotak_simulator/validate").json()
    assert validated["is_validated"] is False
    assert validated["last_error"]
    assert wrong_mpin not in validated["last_error"]
    assert made["totp_secret"] not in validated["last_error"]
    holdings = api.get(f"{KEYS}/kotak_simulator/holdings")
    assert holdings.status_code == 409, holdings.json()
    assert holdings.json()["code"] == "broker_login_failed"
    assert holdings.json()["detail"]


def test_an_equities_account_shows_its_holdings_funds_positions_and_orders(
    api, trader, running_kotak_simulator
):
    connect_simulator(api)
    holdings = api.get(f"{KEYS}/kotak_simulator/holdings")
    assert holdings.status_code == 200, holdings.json()
    by_symbol = {row["symbol"]: row for row in holdings.json()}
    assert {"RELIANCE", "INFY"} <= set(by_symbol)
    reliance = by_symbol["RELIANCE"]
    assert set(reliance) == {
        "symbol",
        "quantity",
        "sellable_quantity",
        "average_price",
        "last_price",
        "market_value",
        "unrealized_pnl",
    }
    assert isinstance(reliance["quantity"], str)
    assert Decimal(reliance["quantity"]) > 0
    if reliance["last_price"] is not None:
        assert Decimal(reliance["market_value"]) == Decimal(reliance["quantity"]) * Decimal(
            reliance["last_price"]
        )

    funds = api.get(f"{KEYS}/kotak_simulator/funds")
    assert funds.status_code == 200, funds.json()
    assert funds.json()["currency"] == "INR"
    assert Decimal(funds.json()["available_cash"]) > 0
    assert Decimal(funds.json()["total"]) == Decimal(funds.json()["available_cash"]) + Decimal(
        funds.json()["used_margin"]
    )

    # An order placed through the account's adapter shows in the book and, filled, in positions.
    config = ExchangeConfig.objects.get(user=trader)
    adapter = adapter_for(config)
    try:
        placed = adapter.create_equity_order(
            symbol="TCS",
            side=Side.BUY,
            type=OrderType.MARKET,
            quantity=Decimal(2),
            product=Product.MIS,
            client_order_id="h3-test-order-0001",
        )
    finally:
        adapter.close()
    orders = api.get(f"{KEYS}/kotak_simulator/orders")
    assert orders.status_code == 200, orders.json()
    mine = next(order for order in orders.json() if order["id"] == placed.id)
    assert (mine["symbol"], mine["side"], mine["product"], mine["quantity"]) == ("TCS", "buy", "MIS", "2")
    assert mine["broker_status"]
    assert mine["amo"] is False
    positions = api.get(f"{KEYS}/kotak_simulator/positions")
    assert positions.status_code == 200, positions.json()
    assert mine["status"] == "closed"  # the market is open: filled at once
    tcs = [row for row in positions.json() if row["symbol"] == "TCS"]
    assert [(row["product"], row["buy_quantity"], row["net_quantity"]) for row in tcs] == [("MIS", "2", "2")]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mobile_number", "12345"),
        ("ucc", "AB-12!"),
        ("mpin", "12a4"),
        ("totp_secret", "123456"),
        ("api_key", ""),
    ],
)
def test_a_bad_kotak_login_is_400_naming_the_field_and_never_its_value(api, field, value):
    body = {
        "mode": "live",
        "api_key": "kotak-consumer-key-0001",
        "api_secret": "kotak-consumer-secret-0001",
        "mobile_number": "9876543210",
        "ucc": "AB123",
        "mpin": "123456",
        "totp_secret": pyotp.random_base32(),
        field: value,
    }
    response = api.post(f"{KEYS}/kotak_neo", body, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == [field]
    if value:
        assert value not in response.content.decode()
    assert not ExchangeConfig.objects.exists()


def test_kotak_neo_is_live_only_and_too_long_fields_are_refused(api):
    body = {"mode": "testnet", "api_key": "k" * 20, "api_secret": "s" * 20}
    assert "mode" in api.post(f"{KEYS}/kotak_neo", body, format="json").json()["errors"]
    long = api.post(f"{KEYS}/kotak_neo", {"mode": "live", "mpin": "1" * 7, "ucc": "U" * 21}, format="json")
    assert long.status_code == 400
    assert {"mpin", "ucc"} <= set(long.json()["errors"])


def test_a_crypto_account_takes_no_broker_login(api):
    body = {"mode": "testnet", "api_key": "binance-key-0001", "api_secret": "binance-secret", "mpin": "1234"}
    response = api.post(f"{KEYS}/binance", body, format="json")
    assert response.status_code == 400
    assert "mpin" in response.json()["errors"]


def test_another_users_kotak_account_is_404(client_for, trader, other_trader):
    connect_simulator(client_for(other_trader))
    mine = client_for(trader)
    for read in ("holdings", "positions", "funds", "orders"):
        assert mine.get(f"{KEYS}/kotak_simulator/{read}").status_code == 404, read


def test_a_crypto_account_has_no_holdings(api):
    body = {"mode": "testnet", "api_key": "binance-key-0001", "api_secret": "binance-secret-0001"}
    assert api.post(f"{KEYS}/binance", body, format="json").status_code == 201
    for read in ("holdings", "positions", "funds", "orders"):
        response = api.get(f"{KEYS}/binance/{read}")
        assert response.status_code == 400, read
        assert response.json()["code"] == "not_equities"


def test_several_kotak_accounts_are_addressed_by_label(api):
    connect_simulator(api, label="main")
    connect_simulator(api, label="second")
    assert api.get(f"{KEYS}/kotak_simulator/funds").status_code == 400
    assert api.get(f"{KEYS}/kotak_simulator/funds?label=second").status_code == 200


def test_an_unreachable_broker_is_503(api, settings):
    connect_simulator(api)
    settings.KOTAK_SIMULATOR_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = api.get(f"{KEYS}/kotak_simulator/holdings")
    assert response.status_code == 503, response.json()
    assert response.json()["code"] == "exchange_unavailable"


def test_deleting_an_account_drops_its_broker_session(api, trader, django_capture_on_commit_callbacks):
    connect_simulator(api)
    assert api.get(f"{KEYS}/kotak_simulator/funds").status_code == 200
    config = ExchangeConfig.objects.get(user=trader)
    consumer_key = str(config.api_key)
    assert cache.get(session_key_for(config.pk)) is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{KEYS}/kotak_simulator").status_code == 204
    assert cache.get(session_key_for(config.pk)) is None
    entry = AuditLog.objects.get(action="exchange_account.delete")
    assert entry.changes["exchange"] == "kotak_simulator"
    assert consumer_key not in str(entry.changes)


def test_stored_simulator_logins_work_again_after_the_simulator_restarts_empty(api, settings):
    from brokers.services import exchange_config_validate
    from brokers.services_kotak import kotak_simulator_accounts_restore

    connect_simulator(api)
    clock = ManualClock(int(MARKET_OPEN_AT.timestamp() * 1000))
    with KotakSimulatorServer(
        KotakSimulatorOptions(port=0, clock=clock, tick_seconds=0, history_days=30)
    ) as fresh:
        settings.KOTAK_SIMULATOR_URL = fresh.base_url
        settings.KOTAK_SIMULATOR_CONTROL_TOKEN = fresh.app.control_token
        config = ExchangeConfig.objects.get()
        assert exchange_config_validate(config=config).is_validated is False  # it knows no one
        assert kotak_simulator_accounts_restore() == 1
        assert exchange_config_validate(config=config).is_validated is True


def test_the_periodic_validation_logs_kotak_accounts_in(api, trader):
    from brokers.tasks import validate_exchange_connection

    connect_simulator(api)
    config = ExchangeConfig.objects.get(user=trader)
    assert configs_to_validate() == [str(config.pk)]
    assert validate_exchange_connection(config_id=str(config.pk)) is True
    config.refresh_from_db()
    assert config.is_validated and config.last_validated is not None
