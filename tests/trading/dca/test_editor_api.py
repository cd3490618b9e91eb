"""What the DCA editor reads from the API: 3Commas sizes as absolute amounts (capital = their
sum), the preview's per-leg table and its entry price from the ticker, plain numbers in errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brokers.simulator.control import EmbeddedSimulator
from trading.dca.models import DCAConfig

URL = "/api/v1/dca-configs"
LEVELS = [
    {"gap_percent": "0", "weight_percent": "40", "tp_percent": "1"},
    {"gap_percent": "-1", "weight_percent": "30", "tp_percent": "1"},
    {"gap_percent": "-2", "weight_percent": "30", "tp_percent": "1"},
]
# The complaint's numbers: base 100 and safety 50 must stay 100 and 50, not 296.30 / 148.15.
THREECOMMAS = {
    "exchange": "simulator",
    "symbol": "BTC/USDT",
    "base_order": "100",
    "safety_order": "50",
    "safety_orders": 3,
    "step_percent": "1",
    "step_scale": "1.2",
    "volume_scale": "1.5",
    "tp_aggregate_percent": "1",
    "tp_mode": "aggregate",
}
THREECOMMAS_CAPITAL = Decimal("337.5")  # 100 + 50 + 75 + 112.5


@pytest.fixture(autouse=True)
def _fresh_prices(settings, point_at_simulator: EmbeddedSimulator) -> None:
    settings.TICKER_CACHE_SECONDS = 0  # the preview sees the price a test just set


def test_a_3commas_config_stores_the_sum_of_its_orders_as_the_capital(api):
    response = api.post(URL, THREECOMMAS, format="json")
    assert response.status_code == 201, response.json()
    assert Decimal(response.json()["capital_per_pyramid"]) == THREECOMMAS_CAPITAL
    config = DCAConfig.objects.get()
    # What the engine multiplies: capital x weight gives back each order's absolute size.
    sizes = [config.capital_per_pyramid * Decimal(lvl["weight_percent"]) / 100 for lvl in config.levels]
    assert [round(size, 2) for size in sizes] == [
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("75.00"),
        Decimal("112.50"),
    ]
    # Changing an order size re-derives the capital; a stale figure sent along is refused.
    detail = f"{URL}/{response.json()['id']}"
    patched = api.patch(detail, {"base_order": "200"}, format="json")
    assert Decimal(patched.json()["capital_per_pyramid"]) == Decimal("437.5")
    refused = api.patch(detail, {"capital_per_pyramid": "1000"}, format="json")
    assert refused.status_code == 400
    assert "base order plus the safety orders, 437.5" in refused.json()["errors"]["capital_per_pyramid"][0]


def test_a_3commas_preview_places_the_absolute_amounts(api):
    response = api.post(f"{URL}/preview", {**THREECOMMAS, "entry_price": "60000"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (Decimal(body["capital"]), body["capital_source"]) == (THREECOMMAS_CAPITAL, "threecommas")
    # Quantities round down to the 0.00001 step: each leg spends at most its 3Commas amount.
    notionals = [Decimal(leg["notional"]) for leg in body["legs"]]
    for notional, size in zip(notionals, ["100", "50", "75", "112.5"], strict=True):
        assert Decimal(size) - Decimal("0.6") < notional <= Decimal(size)
    # 1 %, then 1 + 1.2 = 2.2 %, then 2.2 + 1.44 = 3.64 % below the entry.
    assert [leg["deviation_percent"] for leg in body["legs"]] == ["0.00", "-1.00", "-2.20", "-3.64"]
    assert body["max_deviation_percent"] == "3.64"


def test_the_preview_table_follows_each_fill(api):
    body = {"exchange": "simulator", "symbol": "BTCUSDT", "entry_price": "60000", "capital": "1000"}
    response = api.post(
        f"{URL}/preview", {**body, "levels": LEVELS, "tp_aggregate_percent": "1"}, format="json"
    )
    assert response.status_code == 200, response.json()
    legs = response.json()["legs"]
    # 0.00666 @ 60000 = 399.60; + 0.00505 @ 59400 = 299.97; + 0.00510 @ 58800 = 299.88
    assert [leg["cumulative_quantity"] for leg in legs] == ["0.00666", "0.01171", "0.01681"]
    assert [Decimal(leg["cumulative_notional"]) for leg in legs] == [
        Decimal("399.60"),
        Decimal("699.57"),
        Decimal("999.45"),
    ]
    # averages 60000, 699.57 / 0.01171 = 59741.2468.., 999.45 / 0.01681 = 59455.6811..,
    # shown on the tick; targets 1 % above the unrounded average, up to the cent
    assert [leg["average_price"] for leg in legs] == ["60000.00", "59741.25", "59455.68"]
    assert [leg["average_tp_price"] for leg in legs] == ["60600.00", "60338.66", "60050.24"]
    assert [leg["rebound_percent"] for leg in legs] == ["1.00", "1.58", "2.13"]
    assert response.json()["tick_size"] == "0.01"


def test_without_an_entry_price_the_preview_starts_at_the_last_price(api, running_simulator):
    running_simulator.control.set_price("BTCUSDT", "61234.5")
    body = {"exchange": "simulator", "symbol": "BTC/USDT", "capital": "1000", "levels": LEVELS}
    response = api.post(f"{URL}/preview", body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["entry_price_source"], Decimal(response.json()["entry_price"])) == (
        "ticker",
        Decimal("61234.5"),
    )
    assert response.json()["legs"][0]["price"] == "61234.50"


def test_explicit_levels_need_a_capital_to_preview(api):
    body = {"exchange": "simulator", "symbol": "BTC/USDT", "entry_price": "60000", "levels": LEVELS}
    response = api.post(f"{URL}/preview", body, format="json")
    assert response.status_code == 400
    assert "capital" in response.json()["errors"]


def test_errors_show_numbers_as_typed_not_padded(api):
    levels = [{**LEVELS[0], "weight_percent": "60"}, {**LEVELS[1], "weight_percent": "50"}]
    response = api.post(URL, {"exchange": "simulator", "symbol": "BTC/USDT", "levels": levels}, format="json")
    assert response.status_code == 400
    message = response.json()["errors"]["levels"][0]
    assert message.startswith("weights sum to 110 %, not 100 %"), message
    bad_gap = [LEVELS[0], {**LEVELS[1], "gap_percent": "-1.5"}, {**LEVELS[2], "gap_percent": "-1.25"}]
    response = api.post(
        URL, {"exchange": "simulator", "symbol": "BTC/USDT", "levels": bad_gap}, format="json"
    )
    assert "gap_percent -1.25 is above the previous level's -1.5" in response.json()["errors"]["levels"][0]
