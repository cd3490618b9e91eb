"""Paper trading on NSE equities, as a trader sees it: fills, charges, holdings, AMOs, limits,
MIS square-off, refusals. Time is a ManualClock; prices a stand-in source (conftest):
RELIANCE Rs 1,250, INFY Rs 250; Rs 2,00,000 to start; no slippage unless a test sets it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from brokers.adapters.base import OrderStatus, OrderType, Side
from brokers.adapters.equities import Product
from brokers.errors import InsufficientFunds, InvalidOrder
from brokers.nse_calendar import nse_calendar
from brokers.paper_equities.models import PaperEquityOrder, PaperEquityTrade
from tests.brokers.paper_equities.conftest import MONDAY, TUESDAY

D = Decimal
BUY, SELL, MARKET, LIMIT, CNC, MIS = (
    Side.BUY,
    Side.SELL,
    OrderType.MARKET,
    OrderType.LIMIT,
    Product.CNC,
    Product.MIS,
)
START = D(200_000)


def place(paper, client_order_id, *, side=BUY, symbol="RELIANCE", quantity=10, type=MARKET, **options):
    return paper.create_equity_order(
        symbol=symbol, side=side, type=type, quantity=D(quantity), client_order_id=client_order_id, **options
    )


def cash(paper) -> tuple[Decimal, Decimal]:
    funds = paper.fetch_funds()
    return funds.available_cash, funds.used_margin


def test_a_market_buy_in_hours_fills_at_the_last_price_and_pays_the_delivery_charges(paper):
    order = place(paper, "b1")

    assert (order.status, order.filled, order.average, order.product) == (OrderStatus.CLOSED, 10, 1250, CNC)
    assert order.fee == D("14.83")  # the worked example: 12,500 of RELIANCE delivery
    assert cash(paper) == (START - D("12500") - D("14.83"), 0)
    [trade] = paper.fetch_my_trades("RELIANCE")
    assert (trade.order_id, trade.price, trade.amount, trade.fee, trade.fee_asset) == (
        order.id,
        1250,
        10,
        D("14.83"),
        "INR",
    )


def test_a_market_order_fills_the_slippage_beyond_the_last_price_on_the_tick(trader, open_paper_nse):
    paper = open_paper_nse(trader, slippage_bps=D(10))

    buy = place(paper, "b1", symbol="INFY", quantity=4)

    # 250 + 10 bps = 250.25, up to the 0.05 tick: 250.25.
    assert buy.average == D("250.25")


def test_holdings_show_todays_buys_as_not_sellable_until_the_next_trading_day(paper, set_time):
    place(paper, "b1")

    [holding] = paper.fetch_holdings()
    assert (holding.symbol, holding.quantity, holding.sellable_quantity, holding.average_price) == (
        "RELIANCE",
        10,
        0,
        1250,
    )
    with pytest.raises(InvalidOrder, match=r"0 sellable .*10 bought today settle T\+1"):
        place(paper, "s1", side=SELL)

    set_time(TUESDAY, "09:30")
    [holding] = paper.fetch_holdings()
    assert (holding.quantity, holding.sellable_quantity) == (10, 10)


def test_a_delivery_sale_the_next_day_pays_the_worked_example_charges_and_empties_holdings(
    paper, prices, set_time
):
    place(paper, "b1")
    set_time(TUESDAY, "11:00")
    prices.set_price("RELIANCE", "1300.00")

    sale = place(paper, "s1", side=SELL)

    assert (sale.status, sale.average, sale.fee) == (OrderStatus.CLOSED, 1300, D("13.47"))
    assert cash(paper) == (START - D("12514.83") + D("13000") - D("13.47"), 0)
    assert paper.fetch_holdings() == []


def test_a_cnc_sale_of_shares_the_account_never_had_is_refused(paper):
    with pytest.raises(InvalidOrder, match="Not enough RELIANCE in holdings"):
        place(paper, "s1", side=SELL)


def test_a_regular_order_after_hours_is_refused_and_kept_in_the_order_book_with_its_reason(paper, set_time):
    set_time(MONDAY, "16:00")

    with pytest.raises(InvalidOrder, match=r"closed; it opens Tue 04 Mar 2025 09:15 IST\. Place an AMO"):
        place(paper, "late")

    [order] = paper.fetch_orders()
    assert (order.client_order_id, order.status, order.broker_status) == (
        "late",
        OrderStatus.REJECTED,
        "rejected",
    )
    assert "market is closed" in order.reject_reason
    assert cash(paper) == (START, 0)
    with pytest.raises(InvalidOrder, match="market is closed"):  # a retry gets the same answer
        place(paper, "late")


def test_an_amo_is_refused_while_the_market_is_open(paper):
    with pytest.raises(InvalidOrder, match="After-market orders are taken from 15:45 to 09:00 IST"):
        place(paper, "amo", amo=True)


def test_an_amo_placed_before_a_holiday_weekend_fills_at_the_open_of_the_next_trading_day(
    paper, prices, set_time
):
    thursday, holi, monday = date(2025, 3, 13), date(2025, 3, 14), date(2025, 3, 17)
    assert not nse_calendar().is_trading_day(holi)
    set_time(thursday, "18:00")
    order = place(paper, "amo", amo=True)
    assert (order.status, order.amo, order.broker_status) == (
        OrderStatus.OPEN,
        True,
        "after market order req received",
    )
    blocked = D("12514.83")  # at the last price, with its charges
    assert cash(paper) == (START - blocked, blocked)

    set_time(holi, "10:00")  # NSE shut for Holi, then a weekend: still waiting
    assert paper.fetch_order(symbol="RELIANCE", order_id=order.id).status == OrderStatus.OPEN

    prices.set_daily_open("RELIANCE", monday, "1262.00")  # the day's candle opened here
    prices.set_price("RELIANCE", "1275.00")  # and the market has moved since
    set_time(monday, "11:00")
    filled = paper.fetch_order(symbol="RELIANCE", order_id=order.id)

    assert (filled.status, filled.average, filled.broker_status) == (
        OrderStatus.CLOSED,
        D("1262"),
        "complete",
    )
    [trade] = paper.fetch_my_trades("RELIANCE")
    assert trade.executed_at == nse_calendar().session(monday).open
    assert cash(paper) == (START - D("12620") - filled.fee, 0)


def test_an_amo_fills_at_the_first_price_seen_after_the_open_when_there_is_no_daily_candle(
    paper, prices, set_time
):
    set_time(MONDAY, "20:00")
    order = place(paper, "amo", amo=True, symbol="INFY", quantity=40)
    prices.set_price("INFY", "251.10")
    set_time(TUESDAY, "09:16")

    assert paper.fetch_order(symbol="INFY", order_id=order.id).average == D("251.10")


def test_an_amo_whose_open_gaps_beyond_the_cash_is_refused_at_the_open_and_releases_its_block(
    trader, open_paper_nse, prices, set_time
):
    paper = open_paper_nse(trader, starting_capital=D(13_000))
    set_time(MONDAY, "20:00")
    order = place(paper, "amo", amo=True)  # 12,514.83 blocked of 13,000
    prices.set_daily_open("RELIANCE", TUESDAY, "1400.00")  # 14,000 needed at the open
    set_time(TUESDAY, "09:30")

    refused = paper.fetch_order(symbol="RELIANCE", order_id=order.id)

    assert refused.status == OrderStatus.REJECTED
    assert refused.reject_reason.startswith("Insufficient funds at the fill")
    assert cash(paper) == (D(13_000), 0)


def test_a_limit_buy_rests_with_its_cash_blocked_and_fills_at_its_price_when_the_market_crosses(
    paper, prices
):
    order = place(paper, "l1", type=LIMIT, price=D("1240.00"))
    assert (order.status, order.price) == (OrderStatus.OPEN, D("1240"))
    blocked = D("12400") + order_charges(D("1240"))
    assert cash(paper) == (START - blocked, blocked)

    prices.set_price("RELIANCE", "1238.50")
    [filled] = [o for o in paper.fetch_orders() if o.id == order.id]

    assert (filled.status, filled.average) == (OrderStatus.CLOSED, D("1240"))
    assert cash(paper) == (START - blocked, 0)
    [holding] = paper.fetch_holdings()
    assert holding.quantity == 10


def order_charges(price: Decimal) -> Decimal:
    from brokers.paper_equities.charges import charges_for
    from brokers.paper_equities.ledger import charge_table

    return charges_for(side=BUY, product=CNC, price=price, quantity=D(10), table=charge_table()).total


def test_a_limit_order_left_at_the_close_lapses_and_gives_its_cash_back(paper, set_time):
    order = place(paper, "l1", type=LIMIT, price=D("1200.00"))
    set_time(MONDAY, "15:31")

    lapsed = paper.fetch_order(symbol="RELIANCE", order_id=order.id)

    assert (lapsed.status, lapsed.broker_status) == (OrderStatus.EXPIRED, "lapsed")
    assert cash(paper) == (START, 0)


def test_a_limit_price_off_the_tick_is_refused(paper):
    with pytest.raises(InvalidOrder, match=r"not a multiple of the tick size 0\.05"):
        place(paper, "l1", type=LIMIT, price=D("1240.03"))


def test_a_resting_order_can_be_modified_and_then_cancelled_giving_back_exactly_its_block(paper):
    order = place(paper, "l1", type=LIMIT, price=D("1200.00"))

    modified = paper.modify_order(symbol="RELIANCE", order_id=order.id, quantity=D(5), price=D("1210.00"))

    assert (modified.id, modified.status, modified.amount, modified.price) == (
        order.id,
        OrderStatus.OPEN,
        5,
        1210,
    )
    assert cash(paper)[1] == D("6050") + D("7.18")  # 5 at 1,210 and its charges
    canceled = paper.cancel_order(symbol="RELIANCE", order_id=order.id)
    assert canceled.status == OrderStatus.CANCELED
    assert cash(paper) == (START, 0)
    with pytest.raises(InvalidOrder, match="only open orders can be modified"):
        paper.modify_order(symbol="RELIANCE", order_id=order.id, price=D("1220.00"))


def test_modifying_a_limit_order_across_the_market_fills_it_at_once(paper):
    order = place(paper, "l1", type=LIMIT, price=D("1200.00"))

    modified = paper.modify_order(symbol="RELIANCE", order_id=order.id, price=D("1260.00"))

    assert (modified.status, modified.average) == (OrderStatus.CLOSED, D("1250"))


def test_a_buy_beyond_the_cash_is_refused_and_leaves_the_ledger_untouched(paper):
    with pytest.raises(InsufficientFunds, match=r"needs Rs 250296\.56, Rs 200000\.00 available"):
        place(paper, "big", quantity=200)

    assert cash(paper) == (START, 0)
    assert paper.fetch_holdings() == []
    assert not PaperEquityTrade.objects.exists()
    assert PaperEquityOrder.objects.get(client_order_id="big").status == "rejected"


def test_placing_twice_with_the_same_client_order_id_trades_once(paper):
    first = place(paper, "same")
    second = place(paper, "same")

    assert second.id == first.id
    assert len(paper.fetch_my_trades("RELIANCE")) == 1
    assert cash(paper)[0] == START - D("12514.83")


def test_an_intraday_position_is_squared_off_at_1520_at_the_then_price(paper, prices, set_time):
    buy = place(paper, "mis", symbol="INFY", quantity=100, product=MIS)
    assert buy.fee == D("10.51")  # the intraday worked example
    prices.set_price("INFY", "255.00")

    set_time(MONDAY, "15:21")
    [position] = paper.fetch_positions()

    assert (position.product, position.buy_quantity, position.sell_quantity) == (MIS, 100, 100)
    assert (position.buy_amount, position.sell_amount) == (D("25000"), D("25500"))
    square_off = next(o for o in paper.fetch_orders() if o.side == SELL)
    assert (square_off.status, square_off.product, square_off.average, square_off.fee) == (
        OrderStatus.CLOSED,
        MIS,
        D("255"),
        D("16.34"),
    )
    assert cash(paper) == (START + D("500") - D("10.51") - D("16.34"), 0)
    assert paper.fetch_holdings() == []


def test_an_intraday_order_after_the_square_off_time_is_refused(paper, set_time):
    set_time(MONDAY, "15:22")

    with pytest.raises(InvalidOrder, match="not taken after the 15:20 IST square-off"):
        place(paper, "mis", product=MIS)


def test_paper_intraday_never_sells_short(paper):
    with pytest.raises(InvalidOrder, match="does not sell short"):
        place(paper, "short", side=SELL, product=MIS)
