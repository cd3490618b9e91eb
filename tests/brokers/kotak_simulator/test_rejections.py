"""Each refusal in Kotak's words: at once (`Not_Ok`) or by the risk system after numbering."""

from __future__ import annotations

from decimal import Decimal

from .conftest import FRIDAY, ist_ms, ltp
from .kotak_client import KotakClient


def _refused(answer: dict, code: int, message: str) -> None:
    assert answer["stat"] == "Not_Ok"
    assert answer["stCode"] == code
    assert answer["emsg"] == message and answer["errMsg"] == message


def test_insufficient_funds_are_rejected_by_rms_after_numbering(make_sim, clock):
    sim = make_sim()
    neo = KotakClient(sim.base_url, sim.provision_account(funds=Decimal(1000)))
    neo.login()
    price = ltp(neo)
    placed = neo.place(qt=2)
    assert placed["stat"] == "Ok"  # as on Kotak: the order is numbered, then rejected
    order = neo.order(placed["nOrdNo"])
    assert order["ordSt"] == "rejected"
    assert order["rejRsn"] == (
        f"RMS:Margin Exceeds,Required:{price * 2:.2f}, Available:1000.00 for entity "
        f"account-{neo.credentials.ucc} across exchange across segment across product"
    )
    assert "RELIANCE" in neo.holdings() and neo.holdings()["RELIANCE"]["quantity"] == 10


def test_selling_more_than_held_is_rejected(sim, neo):
    order = neo.order(neo.place(ts="INFY-EQ", tt="S", qt=26)["nOrdNo"])
    assert order["ordSt"] == "rejected"
    assert order["rejRsn"].startswith("RMS:Rule: Check holdings including pending sell orders exceeds")


def test_a_price_off_the_tick_is_refused(sim, neo):
    _refused(neo.place(pt="L", pr="1400.05"), 1005, "Price is not in multiples of tick size 0.10")


def test_an_unknown_symbol_is_refused(sim, neo):
    _refused(neo.place(ts="NOSUCH-EQ"), 1007, "Invalid Symbol")


def test_a_zero_quantity_is_refused(sim, neo):
    _refused(neo.place(qt=0), 1009, "Invalid Quantity")


def test_another_segment_is_refused(sim, neo):
    _refused(neo.place(es="nse_fo"), 1006, "Invalid Exchange")


def test_a_regular_order_outside_market_hours_is_refused(sim, neo, clock):
    clock.set(ist_ms(FRIDAY, 16, 0))
    _refused(neo.place(), 1005, "Market is closed. Place an after market order (AMO).")


def test_an_amo_during_market_hours_is_refused(sim, neo):
    _refused(neo.place(am="YES"), 1005, "AMO orders are not accepted at this time.")


def test_a_tag_used_twice_in_a_day_is_refused(sim, neo):
    assert neo.place(ig="tf-dup")["stat"] == "Ok"
    _refused(neo.place(ig="tf-dup"), 32, "error from core")
    assert len(neo.orders()) == 1


def test_a_body_without_jdata_is_a_bad_request(sim, neo):
    answer = neo.http.post(
        f"{neo.base_url}/quick/order/rule/ms/place", data={"x": "1"}, headers=neo._headers(), timeout=5
    )
    assert answer.status_code == 400 and answer.json()["stat"] == "Not_Ok"


def test_a_limit_without_price_is_refused(sim, neo):
    assert Decimal(ltp(neo)) > 0
    _refused(neo.place(pt="L", pr="0"), 1005, "Invalid Price")
