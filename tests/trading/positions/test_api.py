"""Positions through the API: what a trader sees of their groups, only theirs, filtered, in a
fixed number of queries; the detail with pyramids, legs, exits, fills and signals; closing by hand;
and the orders reconciliation found on the exchange that we did not place."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.trading.factories import (
    DCAOrderFactory,
    ExchangeConfigFactory,
    FillFactory,
    PositionGroupFactory,
    PyramidFactory,
    SignalFactory,
    UnknownExchangeOrderFactory,
    group_with_legs,
)
from trading.positions.models import GroupStatus, OrderRole, OrderStatus

URL = "/api/v1/positions"

pytestmark = pytest.mark.django_db


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["results"]}


# --- scoping ---------------------------------------------------------------------------------------


def test_the_list_holds_only_my_positions(api, trader, other_trader):
    mine = PositionGroupFactory(user=trader)
    PositionGroupFactory(user=other_trader)
    assert _ids(api.get(URL)) == {str(mine.id)}


def test_other_users_position_is_404(client_for, trader, other_trader):
    theirs = PositionGroupFactory(user=other_trader)
    client = client_for(trader)
    assert client.get(f"{URL}/{theirs.id}").status_code == 404
    assert client.post(f"{URL}/{theirs.id}/close").status_code == 404


def test_viewers_read_their_positions_but_may_not_close_them(client_for, viewer):
    group = PositionGroupFactory(user=viewer)
    client = client_for(viewer)
    assert _ids(client.get(URL)) == {str(group.id)}
    assert client.get(f"{URL}/{group.id}").status_code == 200
    response = client.post(f"{URL}/{group.id}/close")
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.status == GroupStatus.LIVE


def test_positions_need_a_login(anon):
    assert anon.get(URL).status_code == 401


# --- filters ---------------------------------------------------------------------------------------


@pytest.fixture
def assorted(trader):
    binance = ExchangeConfigFactory(user=trader, exchange="binance", label="spot")
    return {
        "btc_live": PositionGroupFactory(user=trader, symbol="BTC/USDT", timeframe="1h"),
        "eth_active": PositionGroupFactory(
            user=trader, symbol="ETH/USDT", timeframe="15m", status=GroupStatus.ACTIVE
        ),
        "btc_closing": PositionGroupFactory(
            user=trader, symbol="BTC/USDT", timeframe="4h", status=GroupStatus.CLOSING
        ),
        "btc_closed": PositionGroupFactory(user=trader, symbol="BTC/USDT", timeframe="1h", closed=True),
        "eth_failed": PositionGroupFactory(user=trader, symbol="ETH/USDT", status=GroupStatus.FAILED),
        "sol_binance": PositionGroupFactory(user=trader, account=binance, symbol="SOL/USDT"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "active"}, {"eth_active"}),
        ({"status": "closed"}, {"btc_closed"}),
        ({"open": "true"}, {"btc_live", "eth_active", "btc_closing", "sol_binance"}),
        ({"open": "false"}, {"btc_closed", "eth_failed"}),
        ({"symbol": "BTCUSDT"}, {"btc_live", "btc_closing", "btc_closed"}),
        ({"symbol": "btc/usdt"}, {"btc_live", "btc_closing", "btc_closed"}),
        ({"symbol": "ETHUSDT", "open": "true"}, {"eth_active"}),
        ({"exchange": "BINANCE"}, {"sol_binance"}),
        ({"timeframe": "1h", "symbol": "BTCUSDT"}, {"btc_live", "btc_closed"}),
    ],
)
def test_positions_can_be_filtered(api, assorted, query, expected):
    assert _ids(api.get(URL, query)) == {str(assorted[name].id) for name in expected}


def test_an_unknown_status_is_a_400(api):
    response = api.get(URL, {"status": "moon"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_the_list_is_paginated(api, trader):
    for _ in range(3):
        PositionGroupFactory(user=trader, symbol=f"X{_}/USDT")
    body = api.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


# --- the list item ---------------------------------------------------------------------------------


def test_a_list_item_counts_filled_legs_and_carries_money_as_strings(api, trader):
    group = group_with_legs(
        user=trader,
        filled=2,
        total=4,
        pyramids=2,
        status=GroupStatus.PARTIALLY_FILLED,
        avg_entry=Decimal("59100.5"),
        filled_quantity=Decimal("0.04"),
        unrealized_pnl=Decimal("-12.3"),
        unrealized_pnl_percent=Decimal("-0.52"),
        fees=Decimal("2.4"),
    )
    # An exit order is not a leg and counts in neither number.
    leg = group.orders.filter(status=OrderStatus.FILLED).first()
    DCAOrderFactory(pyramid=leg.pyramid, role=OrderRole.TAKE_PROFIT, leg=leg, side="sell")

    item = api.get(URL).json()["results"][0]
    assert item["id"] == str(group.id)
    assert (item["legs_filled"], item["legs_total"]) == (4, 8)
    assert item["account"] == str(group.account_id)
    assert item["account_label"] == "main"
    assert item["exchange"] == "simulator"
    assert item["status"] == "partially_filled"
    assert item["avg_entry"] == "59100.5"
    assert item["filled_quantity"] == "0.04"
    assert item["unrealized_pnl"] == "-12.3"
    assert item["realized_pnl"] == "0"
    assert item["fees"] == "2.4"
    assert item["tp_target_price"] is None
    assert item["closed_at"] is None
    assert set(item) >= {
        "symbol", "timeframe", "side", "pyramid_count", "max_pyramids", "unrealized_pnl_percent",
        "tp_mode", "trailing_active", "last_price", "close_reason", "opened_at",
    }  # fmt: skip


def test_a_page_of_twenty_groups_costs_the_same_queries_as_one(api, trader):
    group_with_legs(user=trader, symbol="A0/USDT")
    with CaptureQueriesContext(connection) as one:
        assert api.get(URL).status_code == 200
    for n in range(1, 20):
        group_with_legs(user=trader, symbol=f"A{n}/USDT", filled=n % 3, total=3)
    with CaptureQueriesContext(connection) as twenty:
        response = api.get(URL)
    assert len(response.json()["results"]) == 20
    assert len(twenty) == len(one)


def test_listing_twenty_groups_takes_a_handful_of_queries(api, trader, django_assert_max_num_queries):
    for n in range(20):
        group_with_legs(user=trader, symbol=f"B{n}/USDT", pyramids=2)
    # Authentication, the count, the page (3 today; one spare).
    with django_assert_max_num_queries(4):
        assert api.get(URL).status_code == 200


# --- the detail ------------------------------------------------------------------------------------


def test_the_detail_shows_pyramids_legs_exit_orders_fills_and_signals(api, trader):
    group = PositionGroupFactory(user=trader, status=GroupStatus.PARTIALLY_FILLED, pyramid_count=2)
    first = PyramidFactory(group=group, index=0, entry_price=Decimal(60000), capital=Decimal(1000))
    second = PyramidFactory(group=group, index=1, entry_price=Decimal(58000), capital=Decimal(500))
    fill = FillFactory(
        order__pyramid=first,
        order__level=0,
        order__price=Decimal(60000),
        order__tp_price=Decimal(60600),
        order__tp_status="placed",
        order__exchange_order_id="ex-1",
        price=Decimal("59990.5"),
        fee=Decimal("0.00001"),
        fee_asset="BTC",
        fee_quote=Decimal("0.5999"),
    )
    leg0 = fill.order
    DCAOrderFactory(pyramid=first, level=1, price=Decimal(59400))
    DCAOrderFactory(
        pyramid=second, level=0, status=OrderStatus.FAILED, last_error="Insufficient balance", price=None
    )
    take_profit = DCAOrderFactory(
        pyramid=first, role=OrderRole.TAKE_PROFIT, leg=leg0, side="sell", price=Decimal(60600)
    )
    signal = SignalFactory(user=trader, position_group=group)
    SignalFactory(user=trader)  # not this group's

    body = api.get(f"{URL}/{group.id}").json()

    assert [p["index"] for p in body["pyramids"]] == [0, 1]
    p0 = body["pyramids"][0]
    assert (p0["entry_price"], p0["capital"]) == ("60000", "1000")
    assert [leg["level"] for leg in p0["legs"]] == [0, 1]
    leg = p0["legs"][0]
    assert leg == {
        "id": str(leg0.id),
        "level": 0,
        "price": "60000",
        "quantity": "0.01",
        "status": "filled",
        "filled_price": "60000",
        "filled_quantity": "0.01",
        "fees": "0.6",
        "tp_price": "60600",
        "tp_status": "placed",
        "client_order_id": leg0.client_order_id,
        "exchange_order_id": "ex-1",
        "last_error": "",
    }
    failed = body["pyramids"][1]["legs"][0]
    assert (failed["status"], failed["price"]) == ("failed", None)
    assert failed["last_error"] == "Insufficient balance"

    assert body["exit_orders"] == [
        {
            "id": str(take_profit.id),
            "role": "take_profit",
            "side": "sell",
            "type": "limit",
            "price": "60600",
            "quantity": "0.01",
            "status": "open",
            "filled_quantity": "0",
            "avg_fill_price": None,
            "reason": "",
            "leg": str(leg0.id),
        }
    ]
    assert body["fills"] == [
        {
            "id": str(fill.id),
            "order": str(leg0.id),
            "price": "59990.5",
            "quantity": "0.01",
            "fee": "0.00001",
            "fee_asset": "BTC",
            "fee_quote": "0.5999",
            "executed_at": body["fills"][0]["executed_at"],
        }
    ]
    assert [s["id"] for s in body["signals"]] == [str(signal.id)]
    assert set(body["signals"][0]) == {"id", "intent_type", "received_at"}
    # The list's fields are all there too.
    assert (body["legs_filled"], body["legs_total"]) == (1, 3)


def test_the_detail_costs_a_fixed_number_of_queries(api, trader, django_assert_max_num_queries):
    group = group_with_legs(user=trader, filled=3, total=5, pyramids=4)
    # Authentication, the group, pyramids, their legs, exit orders, signals, fills (7; one spare).
    with django_assert_max_num_queries(8):
        assert api.get(f"{URL}/{group.id}").status_code == 200


def test_a_malformed_id_is_a_404(api):
    assert api.get(f"{URL}/not-a-uuid").status_code == 404


# --- closing by hand (trading.execution.services.closes.position_close, the engine's) ----------------------


def test_closing_an_already_closed_group_is_409(api, trader):
    group = PositionGroupFactory(user=trader, closed=True)
    response = api.post(f"{URL}/{group.id}/close")
    assert response.status_code == 409
    assert response.json()["code"] == "already_closed"
    assert response.json()["detail"]


def test_closing_an_open_group_with_nothing_filled_answers_202_with_the_position(api, trader):
    group = group_with_legs(user=trader, filled=0, total=3)
    response = api.post(f"{URL}/{group.id}/close")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["id"] == str(group.id)
    assert body["status"] in ("closing", "closed")
    assert "pyramids" in body


def test_closing_twice_is_harmless(api, trader):
    group = group_with_legs(user=trader, filled=1, total=3, filled_quantity=Decimal("0.01"))
    first = api.post(f"{URL}/{group.id}/close")
    second = api.post(f"{URL}/{group.id}/close")
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json()["status"] in ("closing", "closed")


# --- unknown exchange orders -----------------------------------------------------------------------


def test_unknown_orders_are_listed_for_their_owner_only_and_filter_by_account(api, trader, other_trader):
    main = ExchangeConfigFactory(user=trader, label="main")
    second = ExchangeConfigFactory(user=trader, exchange="binance", label="spot")
    on_main = UnknownExchangeOrderFactory(user=trader, account=main, last_seen_at=timezone.now())
    on_second = UnknownExchangeOrderFactory(user=trader, account=second, symbol="BTC/USDT")
    UnknownExchangeOrderFactory(user=other_trader)

    assert _ids(api.get("/api/v1/unknown-orders")) == {str(on_main.id), str(on_second.id)}
    assert _ids(api.get("/api/v1/unknown-orders", {"account": str(second.id)})) == {str(on_second.id)}
    assert _ids(api.get("/api/v1/unknown-orders", {"symbol": "ETHUSDT"})) == {str(on_main.id)}
    item = api.get("/api/v1/unknown-orders", {"account": str(main.id)}).json()["results"][0]
    assert (item["account_label"], item["exchange"], item["price"], item["quantity"]) == (
        "main",
        "simulator",
        "3000",
        "0.5",
    )


def test_unknown_orders_need_a_login(anon):
    assert anon.get("/api/v1/unknown-orders").status_code == 401


# --- schema ----------------------------------------------------------------------------------------


def test_the_schema_describes_positions_performance_and_unknown_orders(anon):
    paths = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in (
        "/api/v1/positions",
        "/api/v1/positions/{id}",
        "/api/v1/positions/{id}/close",
        "/api/v1/performance",
        "/api/v1/unknown-orders",
    ):
        assert path in paths, path
    assert paths["/api/v1/positions/{id}/close"]["post"]["summary"]
    assert "202" in paths["/api/v1/positions/{id}/close"]["post"]["responses"]


def test_the_detail_says_where_the_stop_loss_fires(api, trader):
    held = group_with_legs(
        user=trader,
        filled=1,
        total=3,
        avg_entry=Decimal("200"),
        filled_quantity=Decimal("0.5"),
        stop_loss_percent=Decimal("5"),
        status=GroupStatus.PARTIALLY_FILLED,
    )
    short = group_with_legs(
        user=trader,
        filled=1,
        total=3,
        avg_entry=Decimal("200"),
        filled_quantity=Decimal("0.5"),
        stop_loss_percent=Decimal("2.5"),
        symbol="ETH/USDT",
        side="short",
        status=GroupStatus.PARTIALLY_FILLED,
    )
    unprotected = group_with_legs(user=trader, filled=1, total=3, avg_entry=Decimal("200"), symbol="XRP/USDT")

    assert api.get(f"{URL}/{held.id}").json()["stop_price"] == "190"
    assert api.get(f"{URL}/{short.id}").json()["stop_price"] == "205"
    assert api.get(f"{URL}/{unprotected.id}").json()["stop_price"] is None
