"""The simulator's control API: accounts, prices, sessions, state; token required."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from brokers.kotak_simulator import KotakSimCredentials, KotakSimulatorControl, KotakSimulatorControlError

from .kotak_client import KotakClient


def test_the_control_api_needs_its_token(sim):
    assert requests.get(f"{sim.base_url}/_sim/state", timeout=5).status_code == 401
    with pytest.raises(KotakSimulatorControlError) as refused:
        KotakSimulatorControl(sim.base_url, "wrong").state()
    assert refused.value.status == 401


def test_an_account_provisioned_with_given_credentials_logs_in_and_holds_the_demo_shares(sim, control):
    given = {
        "consumer_key": "ck-given-0001",
        "consumer_secret": "cs-given",
        "mobile_number": "+919812345678",
        "ucc": "ab123",
        "mpin": "654321",
        "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    }
    made = control.provision_account(**given, funds="250000")
    assert made["ucc"] == "AB123" and made["consumer_key"] == "ck-given-0001" and made["funds"] == "250000.00"
    neo = KotakClient(sim.base_url, KotakSimCredentials(**{k: made[k] for k in given}))
    neo.login()
    assert set(neo.holdings()) == {"RELIANCE", "INFY"}
    assert Decimal(neo.limits()["Net"]) == Decimal(250_000)
    view = control.account("AB123")
    assert "mpin" not in view and "totp_secret" not in view and view["cash"] == "250000.00"


def test_an_account_may_start_without_holdings(sim, control):
    made = control.provision_account(holdings=[])
    assert made["holdings"] == [] and made["funds"] == "500000.00" and len(made["mpin"]) == 6


def test_prices_are_set_on_the_tick(sim, control):
    assert control.set_price("RELIANCE", "1500.07") == {"symbol": "RELIANCE", "price": "1500.10"}
    state = control.state()
    assert next(s for s in state["symbols"] if s["symbol"] == "RELIANCE")["price"] == "1500.10"
    assert state["market_open"] is True and len(state["symbols"]) >= 20


def test_setting_a_price_refuses_nonsense(sim, control):
    with pytest.raises(KotakSimulatorControlError) as unknown:
        control.set_price("NOSUCH", "10")
    assert unknown.value.status == 404
    with pytest.raises(KotakSimulatorControlError) as zero:
        control.set_price("INFY", "0")
    assert zero.value.status == 400


def test_state_shows_no_secret(sim, control, creds):
    state = control.state()
    text = str(state)
    for secret in (creds.consumer_secret, creds.totp_secret, creds.consumer_key):
        assert secret not in text
    assert all(
        set(a) == {"ucc", "consumer_key", "cash", "blocked", "holdings", "open_orders"}
        for a in state["accounts"]
    )


def test_a_short_totp_secret_is_refused(sim, control):
    with pytest.raises(KotakSimulatorControlError) as refused:
        control.provision_account(totp_secret="JBSWY3DPEHPK3PXP")
    assert refused.value.status == 400 and "112 bits" in refused.value.detail


def test_an_unknown_path_is_not_found(sim):
    answer = requests.get(f"{sim.base_url}/quick/user/nothing", timeout=5)
    assert answer.status_code == 404 and answer.json()["stat"] == "Not_Ok"
