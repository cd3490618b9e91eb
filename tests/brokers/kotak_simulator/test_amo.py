"""After-market orders: taken in the AMO window, sent to the market at the next regular open
(across a night, a weekend or an NSE holiday), filled at the open as the exchange would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .conftest import FRIDAY, ist_ms
from .kotak_client import KotakClient

CHRISTMAS_EVE = date(2025, 12, 24)  # Wednesday; 25 December is an NSE holiday
BOXING_DAY = date(2025, 12, 26)
MONDAY = date(2025, 12, 8)


def _open_price(neo, scrip: str = "2885") -> Decimal:
    return Decimal(neo.quote(scrip, "ohlc").json()[0]["ohlc"]["open"])


def test_an_amo_market_buy_waits_for_the_next_open_across_a_holiday(make_sim, clock):
    clock.set(ist_ms(CHRISTMAS_EVE, 20, 0))
    sim = make_sim()
    neo = KotakClient(sim.base_url, sim.provision_account())
    neo.login()
    number = neo.place(am="YES", qt=3, ig="tf-amo")["nOrdNo"]
    order = neo.order(number)
    assert order["ordSt"] == "after market order req received" and order["ordGenTp"] == "AMO"
    clock.set(ist_ms(date(2025, 12, 25), 11, 0))  # the holiday: no session, nothing happens
    assert neo.order(number)["ordSt"] == "after market order req received"
    clock.set(ist_ms(BOXING_DAY, 9, 15))
    neo.login()  # a session lasts a day
    order = neo.order(number)
    assert order["ordSt"] == "complete"
    assert Decimal(order["avgPrc"]) == _open_price(neo)
    assert neo.holdings()["RELIANCE"]["quantity"] == 13


def test_an_amo_limit_below_the_open_stays_open_after_the_open(sim, neo, clock):
    clock.set(ist_ms(FRIDAY, 18, 0))
    number = neo.place(am="YES", pt="L", pr="700.00", qt=1)["nOrdNo"]
    clock.set(ist_ms(MONDAY, 9, 16))
    neo.login()
    assert neo.order(number)["ordSt"] == "open"


def test_an_amo_limit_crossed_by_the_open_fills_at_the_open(sim, neo, clock):
    clock.set(ist_ms(FRIDAY, 18, 0))
    number = neo.place(am="YES", pt="L", pr="3000.00", qt=1, ts="RELIANCE-EQ")["nOrdNo"]
    clock.set(ist_ms(MONDAY, 9, 15))
    neo.login()
    order = neo.order(number)
    assert order["ordSt"] == "complete" and Decimal(order["avgPrc"]) == _open_price(neo)


def test_the_amo_window_opens_at_1545(sim, neo, clock):
    clock.set(ist_ms(FRIDAY, 15, 35))
    assert neo.place(am="YES")["stat"] == "Not_Ok"
    assert neo.place()["stat"] == "Not_Ok"  # the market is closed too
    clock.set(ist_ms(FRIDAY, 15, 45))
    assert neo.place(am="YES")["stat"] == "Ok"


def test_a_cancelled_amo_never_reaches_the_market(sim, neo, clock):
    clock.set(ist_ms(FRIDAY, 18, 0))
    number = neo.place(am="YES", qt=1)["nOrdNo"]
    assert (
        neo.post("quick/order/cancel", {"on": number, "am": "YES", "ts": "RELIANCE-EQ"}).json()["stat"]
        == "Ok"
    )
    clock.set(ist_ms(MONDAY, 10, 0))
    neo.login()
    assert neo.order(number)["ordSt"] == "cancelled"
    assert neo.holdings()["RELIANCE"]["quantity"] == 10
