"""Placing, filling, modifying and cancelling orders during NSE hours, over Kotak's wire."""

from __future__ import annotations

from decimal import Decimal

from .conftest import FRIDAY, ist_ms, ltp


def test_a_market_buy_fills_at_the_last_price_and_lands_in_holdings(sim, neo):
    before = Decimal(neo.limits()["Net"])
    price = ltp(neo)
    placed = neo.place(qt=4, ig="tf-order-1")
    assert placed["stat"] == "Ok" and placed["stCode"] == 200 and len(placed["nOrdNo"]) == 15
    order = neo.order(placed["nOrdNo"])
    assert order["ordSt"] == "complete" and order["fldQty"] == 4
    assert Decimal(order["avgPrc"]) == price
    assert order["GuiOrdId"] == "tf-order-1"  # the tag comes back as GuiOrdId
    held = neo.holdings()["RELIANCE"]
    assert held["quantity"] == 14  # 10 demo shares + 4
    assert Decimal(str(held["averagePrice"])) == ((Decimal(1400) * 10 + price * 4) / 14).quantize(
        Decimal("0.0001")
    )
    assert Decimal(neo.limits()["Net"]) == before - price * 4
    trade = neo.trades()[0]
    assert trade["nOrdNo"] == placed["nOrdNo"] and trade["fldQty"] == 4 and trade["GuiOrdId"] == "tf-order-1"


def test_a_limit_buy_rests_until_the_price_crosses_then_fills_at_its_limit(sim, neo):
    limit = (ltp(neo) - 50).quantize(Decimal("0.1"))
    number = neo.place(pt="L", pr=limit, qt=2)["nOrdNo"]
    assert neo.order(number)["ordSt"] == "open"
    assert Decimal(neo.limits()["MarginUsed"]) == limit * 2  # blocked while open
    sim.set_price("RELIANCE", limit - 1)
    order = neo.order(number)
    assert order["ordSt"] == "complete" and Decimal(order["avgPrc"]) == limit
    assert Decimal(neo.limits()["MarginUsed"]) == 0


def test_a_marketable_limit_fills_at_once_at_the_market(sim, neo):
    price = ltp(neo)
    number = neo.place(pt="L", pr=price + 20, qt=1)["nOrdNo"]
    order = neo.order(number)
    assert order["ordSt"] == "complete" and Decimal(order["avgPrc"]) == price


def test_an_open_order_is_modified_then_cancelled(sim, neo):
    limit = (ltp(neo) - 100).quantize(Decimal("0.1"))
    number = neo.place(pt="L", pr=limit, qt=3, ig="tf-mod")["nOrdNo"]
    modified = neo.post(
        "quick/order/vr/modify",
        {
            "no": number,
            "pr": str(limit - 10),
            "qt": "5",
            "pt": "L",
            "vd": "DAY",
            "es": "nse_cm",
            "ts": "RELIANCE-EQ",
            "tt": "B",
        },
    )
    assert modified.json() == {"stat": "Ok", "nOrdNo": number, "stCode": 200}
    order = neo.order(number)
    assert Decimal(order["prc"]) == limit - 10 and order["qty"] == 5
    assert order["GuiOrdId"] != "tf-mod"  # Kotak rewrites it on a modification
    cancelled = neo.post("quick/order/cancel", {"on": number, "am": "NO"})
    assert cancelled.json()["stat"] == "Ok"
    assert neo.order(number)["ordSt"] == "cancelled"
    again = neo.post("quick/order/cancel", {"on": number, "am": "NO"}).json()
    assert again["stat"] == "Not_Ok" and again["emsg"] == "Order already cancelled or not found."


def test_order_history_lists_each_status_newest_first(sim, neo):
    number = neo.place(pt="L", pr=(ltp(neo) - 30).quantize(Decimal("0.1")))["nOrdNo"]
    neo.post("quick/order/cancel", {"on": number, "am": "NO"})
    history = neo.history(number)
    assert history["stat"] == "Ok"
    assert [row["ordSt"] for row in history["data"]] == ["cancelled", "open"]
    assert all(row["nOrdNo"] == number and row["flDtTm"] for row in history["data"])


def test_a_stop_market_sell_triggers_when_the_price_falls_to_it(sim, neo):
    trigger = (ltp(neo) - 20).quantize(Decimal("0.1"))
    number = neo.place(pt="SL-M", tp=trigger, tt="S", qt=5)["nOrdNo"]
    assert neo.order(number)["ordSt"] == "trigger pending"
    sim.set_price("RELIANCE", trigger - Decimal("0.5"))
    order = neo.order(number)
    assert order["ordSt"] == "complete" and Decimal(order["avgPrc"]) == trigger - Decimal("0.5")
    assert neo.holdings()["RELIANCE"]["quantity"] == 5


def test_a_cnc_sell_credits_cash_and_reduces_holdings(sim, neo):
    before = Decimal(neo.limits()["Net"])
    price = ltp(neo, "1594")
    number = neo.place(ts="INFY-EQ", tt="S", qt=10)["nOrdNo"]
    assert neo.order(number)["ordSt"] == "complete"
    assert neo.holdings()["INFY"]["quantity"] == 15
    assert Decimal(neo.limits()["Net"]) == before + price * 10


def test_mis_positions_are_squared_off_at_1520(sim, neo, clock):
    neo.place(ts="SBIN-EQ", pc="MIS", qt=7)
    position = next(p for p in neo.positions() if p["trdSym"] == "SBIN-EQ")
    assert position["qty"] == "7" and position["prod"] == "MIS"
    clock.set(ist_ms(FRIDAY, 15, 21))
    position = next(p for p in neo.positions() if p["trdSym"] == "SBIN-EQ")
    assert position["qty"] == "0" and position["flSellQty"] == "7"
    assert "SBIN" not in neo.holdings()


def test_open_day_orders_are_cancelled_at_the_close(sim, neo, clock):
    number = neo.place(pt="L", pr=(ltp(neo) / 2).quantize(Decimal("0.1")))["nOrdNo"]
    clock.set(ist_ms(FRIDAY, 15, 45))
    assert neo.order(number)["ordSt"] == "cancelled"


def test_an_ioc_limit_that_cannot_fill_at_once_is_cancelled(sim, neo):
    number = neo.place(pt="L", pr=(ltp(neo) - 40).quantize(Decimal("0.1")), rt="IOC")["nOrdNo"]
    assert neo.order(number)["ordSt"] == "cancelled"
    assert Decimal(neo.limits()["MarginUsed"]) == 0


def test_a_stop_limit_buy_waits_for_its_trigger_then_rests_at_its_limit(sim, neo):
    price = ltp(neo)
    trigger, limit = price + 10, price + 5
    number = neo.place(pt="SL", tp=trigger, pr=limit, qt=1)["nOrdNo"]
    assert neo.order(number)["ordSt"] == "trigger pending"
    sim.set_price("RELIANCE", trigger + 2)  # triggered, but above the limit
    assert neo.order(number)["ordSt"] == "open"
    sim.set_price("RELIANCE", limit)
    order = neo.order(number)
    assert order["ordSt"] == "complete" and Decimal(order["avgPrc"]) == limit
