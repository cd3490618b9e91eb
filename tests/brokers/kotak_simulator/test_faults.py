"""Fault injection on Kotak's paths: 5xx, hangs, and an order applied whose answer is lost."""

from __future__ import annotations

import pytest
import requests

PLACE = "POST /quick/order/rule/ms/place"


def test_a_5xx_before_apply_leaves_no_order(sim, neo, control):
    control.set_faults(error_rate=1.0, error_statuses=[503], count=1, match=[PLACE])
    answer = neo.post(
        "quick/order/rule/ms/place",
        {
            "es": "nse_cm",
            "ts": "RELIANCE-EQ",
            "qt": "1",
            "pc": "CNC",
            "pt": "MKT",
            "tt": "B",
            "rt": "DAY",
            "am": "NO",
        },
    )
    assert answer.status_code == 503
    assert neo.orders() == []
    assert neo.place()["stat"] == "Ok"  # the count is spent


def test_a_5xx_after_apply_leaves_exactly_one_order(sim, neo, control):
    control.set_faults(error_rate=1.0, error_statuses=[502], count=1, after_apply=True, match=[PLACE])
    answer = neo.post(
        "quick/order/rule/ms/place",
        {
            "es": "nse_cm",
            "ts": "RELIANCE-EQ",
            "qt": "2",
            "pc": "CNC",
            "pt": "MKT",
            "tt": "B",
            "rt": "DAY",
            "ig": "tf-lost",
        },
    )
    assert answer.status_code == 502
    orders = neo.orders()
    assert len(orders) == 1 and orders[0]["GuiOrdId"] == "tf-lost" and orders[0]["ordSt"] == "complete"


def test_a_dropped_connection_after_apply_leaves_the_order(sim, neo, control):
    control.set_faults(timeout_rate=1.0, hang_seconds=0, count=1, after_apply=True, match=[PLACE])
    with pytest.raises(requests.ConnectionError):
        neo.place(ig="tf-drop")
    assert [o["GuiOrdId"] for o in neo.orders()] == ["tf-drop"]


def test_a_held_request_times_the_client_out(sim, neo, control):
    control.set_faults(timeout_rate=1.0, hang_seconds=30, count=1, match=["GET /quick/user/orders"])
    with pytest.raises(requests.Timeout):
        neo.get("quick/user/orders", timeout=0.5)
    assert neo.get("quick/user/orders").status_code == 200


def test_faults_at_a_rate_strike_only_matching_paths(sim, neo, control):
    control.set_faults(error_rate=1.0, match=["/quick/order"])
    assert neo.get("quick/user/orders").status_code == 200
    assert neo.get("portfolio/v1/holdings").status_code == 200
    assert neo.post("quick/order/cancel", {"on": "1"}).status_code in (500, 503)
    control.clear_faults()
    assert neo.post("quick/order/cancel", {"on": "1"}).json()["stat"] == "Not_Ok"


def test_rate_limits_are_not_offered(sim, control):
    from brokers.kotak_simulator import KotakSimulatorControlError

    with pytest.raises(KotakSimulatorControlError) as refused:
        control.set_faults(rate_limit_per_minute=10)
    assert refused.value.status == 400
