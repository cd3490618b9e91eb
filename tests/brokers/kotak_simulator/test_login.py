"""Logging in to the Kotak simulator in Kotak's two steps, and what an expired session gets."""

from __future__ import annotations

import pyotp
import requests

from brokers.kotak_simulator import KotakSimCredentials, KotakSimulatorServer, ManualClock

from .kotak_client import KotakClient

GATEWAY_REFUSAL = {
    "code": "900901",
    "message": "Invalid Credentials",
    "description": "Invalid JWT token. Make sure you have provided the correct security credentials",
}


def test_totp_then_mpin_gives_a_session_token_and_the_trading_base_url(sim, creds):
    client = KotakClient(sim.base_url, creds)
    first = client.login_step_one()
    assert first.status_code == 200
    view = first.json()["data"]
    assert view["kType"] == "View" and view["token"].count(".") == 2 and view["sid"]
    second = client.login_step_two(view)
    assert second.status_code == 200
    data = second.json()["data"]
    assert data["kType"] == "Trade" and data["status"] == "success"
    assert data["baseUrl"] == sim.base_url
    assert data["token"] != view["token"] and data["sid"] != view["sid"] and data["hsServerId"]


def test_login_works_on_a_clock_set_ahead_of_the_wall_clock(make_sim, clock: ManualClock):
    # Tests of the scheduled strategy freeze the simulator on a future trading day.
    from datetime import date

    from .conftest import ist_ms

    clock.set(ist_ms(date(2027, 3, 5), 10, 0))
    sim = make_sim()
    creds = sim.provision_account()
    client = KotakClient(sim.base_url, creds)
    client.login()
    assert client.get("quick/user/orders").status_code == 200


def test_the_mobile_number_may_come_without_the_country_code(sim, creds):
    client = KotakClient(sim.base_url, creds)
    assert client.login_step_one(mobile=creds.mobile_number.removeprefix("+91")).status_code == 200


def test_a_wrong_totp_is_refused(sim, creds):
    client = KotakClient(sim.base_url, creds)
    wrong = f"{(int(pyotp.TOTP(creds.totp_secret).now()) + 1) % 1_000_000:06d}"
    answer = client.login_step_one(totp=wrong)
    assert answer.status_code == 401
    assert answer.json() == {"status": "error", "message": "Invalid credentials or TOTP.", "errorCode": "401"}


def test_a_wrong_mobile_number_is_refused(sim, creds):
    assert KotakClient(sim.base_url, creds).login_step_one(mobile="+919000000000").status_code == 401


def test_a_wrong_mpin_is_refused(sim, creds):
    client = KotakClient(sim.base_url, creds)
    view = client.login_step_one().json()["data"]
    answer = client.login_step_two(view, mpin="000000" if creds.mpin != "000000" else "111111")
    assert answer.status_code == 401
    assert answer.json()["message"] == "Invalid MPIN."


def test_an_unknown_consumer_key_is_refused_by_the_gateway(sim, creds):
    stranger = KotakSimCredentials(
        "not-a-key", "x", creds.mobile_number, creds.ucc, creds.mpin, creds.totp_secret
    )
    answer = KotakClient(sim.base_url, stranger).login_step_one()
    assert answer.status_code == 401
    assert answer.json() == GATEWAY_REFUSAL


def test_an_expired_session_is_answered_900901_and_a_new_login_works(make_sim, clock: ManualClock):
    sim: KotakSimulatorServer = make_sim(session_ttl_seconds=600)
    client = KotakClient(sim.base_url, sim.provision_account())
    client.login()
    assert client.get("quick/user/orders").status_code == 200
    clock.advance(601_000)
    expired = client.get("quick/user/orders")
    assert expired.status_code == 401
    assert expired.json() == GATEWAY_REFUSAL
    client.login()
    assert client.get("quick/user/orders").json()["stat"] == "Ok"


def test_sessions_expired_through_the_control_api_are_refused(sim, neo, control):
    assert control.expire_sessions(neo.credentials.ucc) == 2  # the view and the trade session
    answer = neo.get("quick/user/positions")
    assert answer.status_code == 401 and answer.json()["code"] == "900901"


def test_a_forged_token_is_refused(sim, neo):
    header, payload, _ = neo.token.split(".")
    neo.token = f"{header}.{payload}.forged"
    assert neo.get("portfolio/v1/holdings").status_code == 401


def test_a_session_token_with_another_sid_is_an_invalid_session(sim, neo):
    neo.sid = "not-my-sid"
    answer = neo.get("quick/user/orders")
    assert answer.status_code == 200
    assert answer.json()["stat"] == "Not_Ok" and answer.json()["stCode"] == 1003


def test_trading_calls_need_a_session(sim):
    answer = requests.get(f"{sim.base_url}/quick/user/orders", timeout=5)
    assert answer.status_code == 401 and answer.json() == GATEWAY_REFUSAL


def test_no_credential_reaches_the_log(sim, creds, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    client = KotakClient(sim.base_url, creds)
    client.login()
    client.place(qt=1)
    client.orders()
    for secret in (creds.consumer_key, creds.consumer_secret, creds.mpin, creds.totp_secret, client.token):
        assert secret not in caplog.text
