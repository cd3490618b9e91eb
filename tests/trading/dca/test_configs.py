"""DCA configurations through the API, with market data from a running exchange simulator:
both forms, the validation a trader meets, isolation between users, and the grid preview."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auditlog.models import AuditLog
from brokers.markets import forget_markets
from trading.dca.models import DCAConfig

URL = "/api/v1/dca-configs"
LEVELS = [
    {"gap_percent": "0", "weight_percent": "40", "tp_percent": "1"},
    {"gap_percent": "-1", "weight_percent": "30", "tp_percent": "1"},
    {"gap_percent": "-2", "weight_percent": "30", "tp_percent": "1"},
]
EXPLICIT = {"exchange": "simulator", "symbol": "BTCUSDT", "timeframe": "60", "levels": LEVELS}
THREECOMMAS = {
    "exchange": "simulator",
    "symbol": "ETH/USDT",
    "base_order": "10",
    "safety_order": "20",
    "safety_orders": 2,
    "step_percent": "1",
    "step_scale": "2",
    "volume_scale": "2",
    "active_safety_orders": 1,
    "tp_aggregate_percent": "1.5",
    "tp_mode": "aggregate",
}


pytestmark = pytest.mark.usefixtures("point_at_simulator")


def _levels(*weights_and_gaps: tuple[str, str]) -> list[dict[str, str]]:
    return [{"gap_percent": g, "weight_percent": w, "tp_percent": "1"} for g, w in weights_and_gaps]


def test_an_explicit_config_is_stored_with_the_unified_symbol_and_canonical_timeframe(api, trader):
    response = api.post(URL, EXPLICIT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["exchange"], body["symbol"], body["timeframe"], body["form"]) == (
        "simulator",
        "BTC/USDT",
        "1h",
        "explicit",
    )
    assert body["levels"] == LEVELS
    assert body["max_pyramids"] == 5
    assert body["stop_loss_percent"] is None  # off unless asked
    assert body["tp_aggregate_percent"] == "1"
    assert DCAConfig.objects.get(user=trader).symbol == "BTC/USDT"


def test_the_3commas_form_expands_into_levels(api):
    response = api.post(URL, THREECOMMAS, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["form"] == "threecommas"
    # Safety orders at 1 % and 1 + 2 = 3 % below entry, volumes 20 and 40 of a 70 total.
    assert body["levels"] == [
        {"gap_percent": "0", "weight_percent": "14.285715", "tp_percent": "1.5"},
        {"gap_percent": "-1", "weight_percent": "28.571428", "tp_percent": "1.5"},
        {"gap_percent": "-3", "weight_percent": "57.142857", "tp_percent": "1.5"},
    ]
    assert (body["safety_orders"], body["step_scale"], body["active_safety_orders"]) == (2, "2", 1)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"levels": _levels(("0", "40"), ("-1", "30"), ("-2", "20"))}, "levels", "weights sum to 90"),
        ({"levels": _levels(("0", "50"), ("1", "50"))}, "levels", "level 1: gap_percent"),
        ({"levels": _levels(("-1", "100"))}, "levels", "level 0"),
        ({"levels": []}, "levels", "at least one level"),
        ({"symbol": "NOPEUSDT"}, "symbol", "no market"),
        ({"exchange": "no-such-exchange"}, "exchange", "Unknown exchange"),
        ({"timeframe": "abc"}, "timeframe", ""),
        ({"levels": "forty"}, "levels", ""),
        ({"levels": _levels(("0", "abc"))}, "levels", ""),
        ({"levels": _levels(("0", "1e40"))}, "levels", ""),
        ({"max_pyramids": -1}, "max_pyramids", ""),
        ({"max_pyramids": "many"}, "max_pyramids", ""),
        ({"capital_per_pyramid": "-5"}, "capital_per_pyramid", ""),
        ({"capital_per_pyramid": "0"}, "capital_per_pyramid", "positive"),
        ({"max_total_exposure": "1" + "0" * 40}, "max_total_exposure", ""),
        ({"stop_loss_percent": "150"}, "stop_loss_percent", ""),
        ({"tp_aggregate_percent": "0"}, "tp_aggregate_percent", "positive"),
        ({"tp_mode": "sometimes"}, "tp_mode", ""),
        ({"account": "00000000-0000-0000-0000-000000000000"}, "account", "No such"),
        ({"pyramid_levels": {"9": LEVELS}}, "pyramid_levels", "pyramid"),
        ({"pyramid_levels": {"1": _levels(("0", "10"))}}, "pyramid_levels", "pyramid 1: weights"),
    ],
)
def test_invalid_explicit_configs_are_400_naming_the_field(api, change, field, words):
    response = api.post(URL, {**EXPLICIT, **change}, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in str(errors[field])
    assert not DCAConfig.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"base_order": None}, "base_order"),
        ({"base_order": "0"}, "base_order"),
        ({"safety_orders": 1000}, "safety_orders"),
        ({"step_percent": "60"}, "step_percent"),  # the second order would sit at 180 % below
        ({"active_safety_orders": 3}, "active_safety_orders"),
        ({"levels": LEVELS, "form": "threecommas"}, "levels"),
        ({"volume_scale": "-2"}, "volume_scale"),
    ],
)
def test_invalid_3commas_configs_are_400_naming_the_field(api, change, field):
    response = api.post(URL, {**THREECOMMAS, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()


def test_a_second_config_for_the_same_key_is_refused(api):
    assert api.post(URL, EXPLICIT, format="json").status_code == 201
    again = api.post(URL, {**EXPLICIT, "symbol": "BTC/USDT", "timeframe": "1h"}, format="json")
    assert again.status_code == 400
    assert "already have" in again.json()["errors"]["symbol"][0]
    # Another timeframe, or the any-timeframe default, is another key.
    assert api.post(URL, {**EXPLICIT, "timeframe": "4h"}, format="json").status_code == 201
    assert api.post(URL, {**EXPLICIT, "timeframe": ""}, format="json").status_code == 201


def test_patch_put_and_delete_change_the_config_and_are_audited(api, trader):
    created = api.post(URL, EXPLICIT, format="json").json()
    detail = f"{URL}/{created['id']}"
    patched = api.patch(detail, {"stop_loss_percent": "8", "tp_mode": "hybrid"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["stop_loss_percent"], patched.json()["tp_mode"]) == ("8", "hybrid")
    assert patched.json()["levels"] == LEVELS
    # Switching to the 3Commas form re-derives the levels.
    put = api.put(detail, {**THREECOMMAS, "symbol": "BTCUSDT"}, format="json")
    assert put.status_code == 200, put.json()
    assert put.json()["form"] == "threecommas" and len(put.json()["levels"]) == 3
    bad = api.patch(detail, {"levels": _levels(("0", "99"))}, format="json")
    assert bad.status_code == 400 and "weights" in bad.json()["errors"]["levels"][0]
    assert api.delete(detail).status_code == 204
    assert api.get(detail).status_code == 404
    actions = list(
        AuditLog.objects.filter(owner=trader, action__startswith="dca_config.")
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["dca_config.create", "dca_config.update", "dca_config.update", "dca_config.delete"]
    update = AuditLog.objects.filter(action="dca_config.update").order_by("created_at").first()
    assert update.changes["stop_loss_percent"] == {"from": None, "to": "8"}
    assert update.resource_id == created["id"]


def test_another_users_config_is_404_for_every_method(api, client_for, other_trader):
    created = api.post(URL, EXPLICIT, format="json").json()
    other = client_for(other_trader)
    detail = f"{URL}/{created['id']}"
    assert other.get(detail).status_code == 404
    assert other.put(detail, EXPLICIT, format="json").status_code == 404
    assert other.patch(detail, {"stop_loss_percent": "5"}, format="json").status_code == 404
    assert other.delete(detail).status_code == 404
    assert other.get(URL).json()["count"] == 0
    assert DCAConfig.objects.get(pk=created["id"]).stop_loss_percent is None


def test_viewers_read_but_cannot_write(client_for, viewer):
    as_viewer = client_for(viewer)
    assert as_viewer.get(URL).status_code == 200
    assert as_viewer.post(URL, EXPLICIT, format="json").status_code == 403
    config = DCAConfig.objects.create(user=viewer, exchange="simulator", symbol="BTC/USDT", levels=LEVELS)
    assert as_viewer.get(f"{URL}/{config.pk}").status_code == 200
    assert as_viewer.patch(f"{URL}/{config.pk}", {"max_pyramids": 2}, format="json").status_code == 403
    assert as_viewer.delete(f"{URL}/{config.pk}").status_code == 403


def test_the_list_filters_by_exchange_symbol_and_timeframe(api):
    api.post(URL, EXPLICIT, format="json")
    api.post(URL, THREECOMMAS, format="json")
    assert api.get(URL).json()["count"] == 2
    assert [c["symbol"] for c in api.get(URL, {"symbol": "BTCUSDT"}).json()["results"]] == ["BTC/USDT"]
    assert [c["symbol"] for c in api.get(URL, {"symbol": "ETH/USDT"}).json()["results"]] == ["ETH/USDT"]
    assert api.get(URL, {"timeframe": "1h"}).json()["count"] == 1
    assert api.get(URL, {"exchange": "kraken"}).json()["count"] == 0


def test_the_preview_of_a_worked_example(api):
    # BTC/USDT on the simulator: tick 0.01, step 0.00001, minimum notional 5.
    # leg 0: 60000.00, 400 / 60000 = 0.0066666.. -> 0.00666, 399.60, target 60600.00
    # leg 1: 59400.00, 300 / 59400 = 0.0050505.. -> 0.00505, 299.97, target 59994.00
    # leg 2: 58800.00, 300 / 58800 = 0.0051020.. -> 0.00510, 299.88, target 59388.00
    body = {
        "exchange": "simulator",
        "symbol": "BTCUSDT",
        "entry_price": "60000",
        "capital": "1000",
        "levels": LEVELS,
    }
    response = api.post(f"{URL}/preview", body, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()
    legs = [(leg["level"], leg["price"], leg["quantity"], leg["tp_price"]) for leg in result["legs"]]
    assert legs == [
        (0, "60000.00", "0.00666", "60600.00"),
        (1, "59400.00", "0.00505", "59994.00"),
        (2, "58800.00", "0.00510", "59388.00"),
    ]
    notionals = [Decimal(leg["notional"]) for leg in result["legs"]]
    assert notionals == [Decimal("399.60"), Decimal("299.97"), Decimal("299.88")]
    assert Decimal(result["total_notional"]) == Decimal("999.45")
    assert not DCAConfig.objects.exists() and not AuditLog.objects.filter(action__startswith="dca").exists()


def test_the_preview_takes_the_3commas_form(api):
    body = {**THREECOMMAS, "symbol": "BTC/USDT", "entry_price": "60000", "capital": "1000"}
    response = api.post(f"{URL}/preview", body, format="json")
    assert response.status_code == 200, response.json()
    assert [leg["price"] for leg in response.json()["legs"]] == ["60000.00", "59400.00", "58200.00"]


def test_a_preview_leg_below_the_minimum_notional_is_400_naming_the_leg(api):
    levels = _levels(("0", "97"), ("-1", "2"), ("-2", "1"))  # leg 2: 3 USDT -> 0.00005 BTC = 2.94
    body = {
        "exchange": "simulator",
        "symbol": "BTCUSDT",
        "entry_price": "60000",
        "capital": "300",
        "levels": levels,
    }
    response = api.post(f"{URL}/preview", body, format="json")
    assert response.status_code == 400, response.json()
    message = response.json()["errors"]["capital"][0]
    assert "leg 2" in message and "minimum notional 5" in message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"levels": _levels(("0", "50"), ("-1", "40"))}, "levels"),
        ({"entry_price": "0.001"}, "entry_price"),  # a price below the tick
        ({"entry_price": "-1"}, "entry_price"),
        ({"capital": "abc"}, "capital"),
        ({"symbol": "NOPE"}, "symbol"),
    ],
)
def test_a_broken_preview_is_400_naming_the_rule(api, change, field):
    body = {
        "exchange": "simulator",
        "symbol": "BTCUSDT",
        "entry_price": "60000",
        "capital": "1000",
        "levels": LEVELS,
    }
    response = api.post(f"{URL}/preview", {**body, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()


def test_an_unreachable_exchange_is_503_and_nothing_is_stored(api, settings):
    settings.SIMULATOR_URL = "http://127.0.0.1:9"  # the discard port: nothing answers
    forget_markets()  # markets are cached per process; this must ask the exchange
    try:
        response = api.post(URL, EXPLICIT, format="json")
    finally:
        forget_markets()
    assert response.status_code == 503, response.json()
    assert "cannot be reached" in response.json()["detail"]
    assert not DCAConfig.objects.exists()
