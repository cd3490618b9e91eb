"""The Indian charges on an order: the worked examples of docs/user-guide/paper-equities.md, and
properties that hold for every price and quantity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from brokers.adapters.base import Side
from brokers.adapters.equities import Product
from brokers.paper_equities.charges import PAISA, Charges, ChargeTable, ChargeTableError, charges_for

D = Decimal
TABLE = ChargeTable.parse(settings.EQUITY_CHARGES)
BUY, SELL, CNC, MIS = Side.BUY, Side.SELL, Product.CNC, Product.MIS

prices = st.decimals(min_value=D("0.05"), max_value=D("100000"), places=2)
quantities = st.integers(min_value=1, max_value=100_000).map(D)
sides = st.sampled_from([BUY, SELL])
products = st.sampled_from([CNC, MIS])


def charges(side: Side, product: Product, price: str, quantity: int) -> Charges:
    return charges_for(side=side, product=product, price=D(price), quantity=D(quantity), table=TABLE)


def test_a_delivery_buy_matches_the_worked_example():
    # 10 RELIANCE at Rs 1,250: turnover Rs 12,500.
    assert charges(BUY, CNC, "1250", 10) == Charges(
        brokerage=D("0.00"),
        stt=D("12.50"),  # 0.1 %
        exchange=D("0.37"),  # 0.00297 % = 0.37125
        sebi=D("0.01"),  # Rs 10 / crore = 0.0125
        gst=D("0.07"),  # 18 % of 0.00 + 0.37 + 0.01 = 0.0684
        stamp=D("1.88"),  # 0.015 % = 1.875, half up
    )
    assert charges(BUY, CNC, "1250", 10).total == D("14.83")


def test_a_delivery_sell_matches_the_worked_example():
    # 10 RELIANCE at Rs 1,300: turnover Rs 13,000; no stamp duty on the seller.
    sell = charges(SELL, CNC, "1300", 10)
    assert (sell.stt, sell.exchange, sell.sebi, sell.gst, sell.stamp) == (
        D("13.00"),
        D("0.39"),
        D("0.01"),
        D("0.07"),
        D("0.00"),
    )
    assert sell.total == D("13.47")


def test_an_intraday_round_trip_matches_the_worked_example():
    # 100 INFY bought at Rs 250 and sold at Rs 255, MIS.
    buy, sell = charges(BUY, MIS, "250", 100), charges(SELL, MIS, "255", 100)
    assert (buy.brokerage, buy.stt, buy.exchange, buy.sebi, buy.gst, buy.stamp) == (
        D("7.50"),  # 0.03 % of 25,000, under the Rs 20 cap
        D("0.00"),  # no STT on an intraday buy
        D("0.74"),
        D("0.03"),  # 0.025 rounds half up
        D("1.49"),  # 18 % of 8.27
        D("0.75"),  # 0.003 %
    )
    assert buy.total == D("10.51")
    assert (sell.brokerage, sell.stt, sell.stamp, sell.total) == (D("7.65"), D("6.38"), D("0.00"), D("16.34"))


def test_intraday_brokerage_stops_at_twenty_rupees():
    assert charges(BUY, MIS, "2000", 1000).brokerage == D("20.00")  # 0.03 % would be Rs 600


def test_a_table_with_a_float_rate_is_refused():
    table = {**settings.EQUITY_CHARGES, "GST": 0.18}
    with pytest.raises(ChargeTableError, match="GST"):
        ChargeTable.parse(table)


def test_a_table_missing_a_product_is_refused():
    table = {key: value for key, value in settings.EQUITY_CHARGES.items() if key != "MIS"}
    with pytest.raises(ChargeTableError, match="MIS"):
        ChargeTable.parse(table)


@given(side=sides, product=products, price=prices, quantity=quantities)
def test_every_line_is_in_paisa_and_the_total_is_their_sum(side, product, price, quantity):
    result = charges_for(side=side, product=product, price=price, quantity=quantity, table=TABLE)
    lines = (result.brokerage, result.stt, result.exchange, result.sebi, result.gst, result.stamp)
    assert all(line >= 0 and line == line.quantize(PAISA) for line in lines)
    assert result.total == sum(lines)


@given(side=sides, price=prices, quantity=quantities)
def test_only_the_buyer_pays_stamp_duty_and_only_the_intraday_seller_pays_stt(side, price, quantity):
    intraday = charges_for(side=side, product=MIS, price=price, quantity=quantity, table=TABLE)
    if side == SELL:
        assert charges_for(side=side, product=CNC, price=price, quantity=quantity, table=TABLE).stamp == 0
        assert intraday.stamp == 0
    else:
        assert intraday.stt == 0


@given(side=sides, price=prices, quantity=quantities)
def test_delivery_has_no_brokerage_and_intraday_brokerage_never_exceeds_twenty(side, price, quantity):
    assert charges_for(side=side, product=CNC, price=price, quantity=quantity, table=TABLE).brokerage == 0
    assert charges_for(side=side, product=MIS, price=price, quantity=quantity, table=TABLE).brokerage <= 20


@given(side=sides, product=products, price=prices, quantity=quantities)
def test_a_bigger_order_never_costs_less(side, product, price, quantity):
    smaller = charges_for(side=side, product=product, price=price, quantity=quantity, table=TABLE)
    bigger = charges_for(side=side, product=product, price=price, quantity=quantity + 1, table=TABLE)
    assert bigger.total >= smaller.total


@given(side=sides, product=products, price=prices, quantity=quantities)
def test_gst_is_eighteen_percent_of_the_printed_brokerage_exchange_and_sebi(side, product, price, quantity):
    result = charges_for(side=side, product=product, price=price, quantity=quantity, table=TABLE)
    base = result.brokerage + result.exchange + result.sebi
    assert abs(result.gst - base * D("0.18")) <= D("0.005")
