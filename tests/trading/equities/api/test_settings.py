"""The NSE strategy's settings through the API: the defaults and the accounts to choose from, a
partial change merged into the rest, and bad values refused per field with nothing lost."""

from __future__ import annotations

import pytest

from tests.trading.factories import ExchangeConfigFactory
from trading.equities.schedule_defaults import DEFAULT_SCHEDULE
from trading.equities.strategy.params import StrategyParams

pytestmark = pytest.mark.django_db
URL = "/api/v1/equities/strategy"


def test_a_new_trader_reads_the_defaults_and_their_equities_accounts_only(api, trader, kotak_account):
    ExchangeConfigFactory(user=trader, exchange="simulator", label="crypto")
    body = api.get(URL).json()
    assert body["enabled"] is False
    assert body["account"] is None
    assert body["universe"] == []
    assert body["params"] == StrategyParams().to_mapping()
    assert body["schedule"] == DEFAULT_SCHEDULE
    assert body["timezone"] == "Asia/Kolkata"
    assert body["candle_source"] == "kotak_simulator"
    assert body["defaults"] == {"params": StrategyParams().to_mapping(), "schedule": DEFAULT_SCHEDULE}
    assert body["accounts"] == [
        {"id": str(kotak_account.pk), "exchange": "kotak_simulator", "label": "default"}
    ]


def test_a_partial_change_is_merged_and_answered_whole(api, kotak_account):
    response = api.patch(
        URL,
        {
            "account": str(kotak_account.pk),
            "universe": "reliance, TCS  infy-eq",
            "params": {"rsi_oversold": "28", "max_portfolio_size": 4},
            "schedule": {"analysis": "30 16 * * 1-5"},
            "enabled": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["enabled"] is True
    assert body["account"] == str(kotak_account.pk)
    assert body["universe"] == ["RELIANCE", "TCS", "INFY"]
    assert body["params"]["rsi_oversold"] == "28"
    assert body["params"]["max_portfolio_size"] == 4
    assert body["params"]["rsi_period"] == 10  # untouched fields keep their values
    assert body["schedule"]["analysis"] == "30 16 * * 1-5"
    assert body["schedule"]["amo_buys"] == DEFAULT_SCHEDULE["amo_buys"]
    assert api.get(URL).json() == body


def test_bad_values_are_refused_per_field_and_nothing_is_lost(api, kotak_account):
    api.patch(URL, {"universe": ["RELIANCE"], "params": {"user_capital": "150000"}}, format="json")
    before = api.get(URL).json()

    response = api.patch(
        URL,
        {
            "universe": ["RELIANCE", "not a symbol!"],
            "params": {"rsi_oversold": "abc", "max_portfolio_size": -1, "nonsense": 1},
            "schedule": {"analysis": "99 99 * * *"},
            "account": "00000000-0000-0000-0000-000000000000",
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    errors = body["errors"]
    assert "not a symbol!" in errors["universe"][0]
    # Each rule's and each task's error under its own dotted key, for the field that shows it.
    assert {key for key in errors if key.startswith("params.")} == {
        "params.rsi_oversold",
        "params.max_portfolio_size",
        "params.nonsense",
    }
    assert errors["params.rsi_oversold"] == ["must be a number"]
    assert {key for key in errors if key.startswith("schedule.")} == {"schedule.analysis"}
    assert errors["account"] == ["No such account of yours."]
    assert api.get(URL).json() == before


def test_turning_it_on_needs_an_account_and_a_universe(api):
    response = api.patch(URL, {"enabled": True}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"account", "universe"}
    assert api.get(URL).json()["enabled"] is False


def test_a_crypto_account_or_another_traders_account_cannot_trade_the_strategy(api, trader, other_trader):
    crypto = ExchangeConfigFactory(user=trader, exchange="simulator", label="crypto")
    theirs = ExchangeConfigFactory(user=other_trader, exchange="kotak_simulator", label="default")
    refused = api.patch(URL, {"account": str(crypto.pk)}, format="json").json()["errors"]["account"][0]
    assert "not a stock broker" in refused
    assert api.patch(URL, {"account": str(theirs.pk)}, format="json").json()["errors"] == {
        "account": ["No such account of yours."]
    }


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = api.patch(URL, ["RELIANCE"], format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["Expected a JSON object of settings."]}


def test_a_viewer_reads_but_cannot_change_the_settings(client_for, viewer):
    client = client_for(viewer)
    assert client.get(URL).status_code == 200
    assert client.patch(URL, {"universe": ["TCS"]}, format="json").status_code == 403


def test_anonymous_is_401(anon):
    assert anon.get(URL).status_code == 401


def test_the_user_guides_example_of_a_refused_rule(api):
    """docs/user-guide/nse-strategy.md, "Through the API"."""
    response = api.patch(
        URL,
        {"universe": "RELIANCE, TCS", "params": {"rsi_oversold": "28", "rsi_extreme_oversold": "29"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "params.rsi_extreme_oversold: must not be above rsi_oversold",
        "code": "invalid",
        "errors": {"params.rsi_extreme_oversold": ["must not be above rsi_oversold"]},
    }
    assert api.get(URL).json()["universe"] == []
