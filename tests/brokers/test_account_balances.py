"""Validation reads the balance and keeps it on the account: the accounts list shows every
non-zero asset as the simulator reported it, with the time it was read, and never a secret. A
failed check keeps the last good reading."""

from __future__ import annotations

import pytest

from brokers.models import ExchangeConfig
from brokers.simulator.app import DEMO_BALANCES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("point_at_simulator")]


def _listed(api) -> dict:
    (account,) = api.get("/api/v1/keys").json()["results"]
    return account


def test_validation_stores_the_simulators_balances_and_the_list_shows_them(api, trader):
    assert api.post("/api/v1/keys/simulator", {"mode": "testnet"}, format="json").status_code == 201
    assert api.put("/api/v1/keys/simulator/validate").json()["is_validated"] is True

    account = _listed(api)
    expected = {asset: str(amount) for asset, amount in DEMO_BALANCES.items() if amount}
    shown = {row["asset"]: row for row in account["balances"]}
    assert {asset: row["total"] for asset, row in shown.items()} == expected
    assert all(row["free"] == row["total"] for row in shown.values())  # nothing is in open orders
    assert account["balances_at"] == account["last_validated"]

    config = ExchangeConfig.objects.get(user=trader)
    for secret in (str(config.api_secret), config.api_secret_encrypted, config.api_key_encrypted):
        assert secret not in str(account)
    assert str(config.api_key) not in str(account)  # the key only as ****last4


def test_a_failed_check_keeps_the_last_reading(api, trader, running_simulator):
    api.post("/api/v1/keys/simulator", {"mode": "testnet"}, format="json")
    api.put("/api/v1/keys/simulator/validate")
    before = _listed(api)
    config = ExchangeConfig.objects.get(user=trader)
    config.set_credentials(api_key="revoked-key-0000", api_secret="revoked-secret")
    config.save()

    assert api.put("/api/v1/keys/simulator/validate").json()["is_validated"] is False
    after = _listed(api)
    assert after["balances"] == before["balances"]
    assert after["balances_at"] == before["balances_at"]
    assert after["last_validated"] != before["last_validated"]
