from __future__ import annotations

import pytest
from django.db import connection

from auditlog.models import AuditLog
from brokers.models import ExchangeConfig

KEY, SECRET = "binance-api-key-0000-WXYZ", "binance-very-secret-value-42"


def connect(client, exchange="binance", **body):
    payload = {"mode": "testnet", "api_key": KEY, "api_secret": SECRET, **body}
    return client.post(f"/api/v1/keys/{exchange}", payload, format="json")


@pytest.mark.django_db
def test_connecting_an_account_shows_the_key_masked_and_never_the_secret(api, trader):
    response = connect(api)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["api_key"] == "****WXYZ"
    assert body["exchange"] == "binance"
    assert body["is_default"] is True
    assert body["is_validated"] is False
    listed = api.get("/api/v1/keys").json()["results"]
    for text in (str(response.content), str(listed)):
        assert SECRET not in text
        assert KEY not in text


@pytest.mark.django_db
def test_secrets_are_encrypted_in_the_database_and_audit_has_none(api, trader):
    connect(api)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM brokers_exchangeconfig")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert SECRET not in row
    assert KEY not in row
    config = ExchangeConfig.objects.get(user=trader)
    assert config.api_secret == SECRET
    entry = AuditLog.objects.get(action="exchange_account.create")
    assert SECRET not in str(entry.changes)
    assert KEY not in str(entry.changes)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exchange", "body", "field"),
    [
        ("nosuchexchange", {}, "exchange"),
        ("binance", {"mode": "paper-money"}, "mode"),
        ("binance", {"api_key": ""}, "api_key"),
        ("binance", {"api_secret": ""}, "api_secret"),
        ("okx", {}, "password"),
        ("binance", {"label": "has spaces!"}, "label"),
    ],
)
def test_bad_accounts_are_400_naming_the_field(api, exchange, body, field):
    response = connect(api, exchange, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not ExchangeConfig.objects.exists()


@pytest.mark.django_db
def test_a_label_can_be_used_once_per_exchange(api):
    assert connect(api, label="main").status_code == 201
    again = connect(api, label="main")
    assert again.status_code == 400
    assert "label" in again.json()["errors"]
    second = connect(api, label="hedge")
    assert second.status_code == 201
    assert second.json()["is_default"] is False


@pytest.mark.django_db
def test_several_accounts_need_a_label_to_be_addressed(api):
    connect(api, label="main")
    connect(api, label="hedge")
    assert api.put("/api/v1/keys/binance/mode", {"mode": "live"}, format="json").status_code == 400
    response = api.put("/api/v1/keys/binance/mode?label=hedge", {"mode": "live"}, format="json")
    assert response.status_code == 200
    assert response.json()["mode"] == "live"
    assert api.delete("/api/v1/keys/binance?label=hedge").status_code == 204
    assert list(ExchangeConfig.objects.values_list("label", flat=True)) == ["main"]


@pytest.mark.django_db
def test_another_users_account_is_404_for_every_verb(client_for, trader, other_trader):
    connect(client_for(other_trader))
    mine = client_for(trader)
    assert mine.put("/api/v1/keys/binance/validate").status_code == 404
    assert mine.put("/api/v1/keys/binance/mode", {"mode": "live"}, format="json").status_code == 404
    assert mine.delete("/api/v1/keys/binance").status_code == 404
    assert mine.get("/api/v1/keys").json()["count"] == 0
    assert ExchangeConfig.objects.count() == 1


@pytest.mark.django_db
def test_deleting_the_default_account_promotes_the_next_one(api):
    connect(api, label="main")
    connect(api, label="hedge")
    api.delete("/api/v1/keys/binance?label=main")
    assert ExchangeConfig.objects.get(label="hedge").is_default is True
    assert AuditLog.objects.filter(action="exchange_account.delete").count() == 1


@pytest.mark.django_db
def test_viewers_cannot_connect_accounts(client_for, viewer):
    assert connect(client_for(viewer)).status_code == 403


@pytest.mark.django_db
def test_the_catalogue_lists_ccxt_exchanges_the_simulator_and_paper(api):
    ids = {entry["id"]: entry for entry in api.get("/api/v1/exchanges").json()}
    assert {"binance", "simulator", "paper"} <= set(ids)
    assert "testnet" in ids["binance"]["modes"]
