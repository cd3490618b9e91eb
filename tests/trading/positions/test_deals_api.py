"""Deal history: closed groups with their realized result, filtered and sorted on the server, and
every matching deal as a CSV file whose amounts are exactly the JSON's; only ever the caller's."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.trading.factories import PositionGroupFactory
from tests.trading.positions.deals import closed_deal
from trading.dca.models import DCAConfig
from trading.positions.deals_csv import COLUMNS
from trading.positions.models import GroupStatus

URL = "/api/v1/deals"
CSV_URL = "/api/v1/deals.csv"

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_deals_are_my_closed_groups_that_traded_newest_close_first(api, trader, other_trader):
    now = timezone.now()
    older = closed_deal(trader, symbol="ETH/USDT", closed_at=now - dt.timedelta(days=2))
    newer = closed_deal(trader, closed_at=now - dt.timedelta(hours=1))
    PositionGroupFactory(user=trader, status=GroupStatus.ACTIVE)  # still open
    PositionGroupFactory(user=trader, closed=True)  # cancelled before anything filled
    PositionGroupFactory(user=trader, status=GroupStatus.FAILED)
    closed_deal(other_trader)
    body = api.get(URL).json()
    assert body["count"] == 2
    assert [d["id"] for d in body["results"]] == [str(newer.id), str(older.id)]


def test_a_deal_carries_its_realized_result_fees_duration_and_exit(api, trader):
    closed_deal(
        trader, buy="60000", sell="59400", quantity="0.02", buy_fee="1.2", sell_fee="1.19",
        reason="stop_loss", opened_at=timezone.now() - dt.timedelta(hours=2), closed_at=timezone.now(),
    )  # fmt: skip
    deal = api.get(URL).json()["results"][0]
    # 0.02 * (59400 - 60000) - 2.39 fees = -14.39 USDT, -1.199166.. % of 1200.
    assert deal["realized_pnl"] == "-14.39"
    assert deal["realized_pnl_percent"] == "-1.20"
    assert deal["invested"] == "1200"
    assert deal["fees"] == "2.39"
    assert (deal["avg_entry"], deal["exit_price"]) == ("60000", "59400")
    assert (deal["exit_reason"], deal["exit_reason_label"]) == ("stop_loss", "Stop loss")
    assert deal["quote_currency"] == "USDT"
    assert deal["duration_seconds"] == pytest.approx(7200, abs=5)


def test_deals_filter_by_symbol_exchange_config_and_close_time(api, trader):
    now = timezone.now()
    config = DCAConfig.objects.create(user=trader, exchange="simulator", symbol="BTC/USDT", levels=[])
    btc = closed_deal(trader, closed_at=now - dt.timedelta(days=1), dca_config=config)
    eth = closed_deal(trader, symbol="ETH/USDT", closed_at=now - dt.timedelta(days=10))

    def ids(**query: str) -> set[str]:
        response = api.get(URL, query)
        assert response.status_code == 200, response.json()
        return {d["id"] for d in response.json()["results"]}

    assert ids(symbol="ETHUSDT") == {str(eth.id)}
    assert ids(exchange="SIMULATOR") == {str(btc.id), str(eth.id)}
    assert ids(exchange="binance") == set()
    assert ids(dca_config=str(config.id)) == {str(btc.id)}
    assert ids(closed_after=(now - dt.timedelta(days=5)).isoformat()) == {str(btc.id)}
    assert ids(closed_before=(now - dt.timedelta(days=5)).isoformat()) == {str(eth.id)}


def test_deals_sort_on_the_server_and_refuse_an_unknown_key(api, trader):
    closed_deal(trader, symbol="AAA/USDT", sell="60100")
    closed_deal(trader, symbol="BBB/USDT", sell="59000")
    closed_deal(trader, symbol="CCC/USDT", sell="62000")
    ranked = api.get(URL, {"ordering": "-realized_pnl"}).json()["results"]
    assert [d["symbol"] for d in ranked] == ["CCC/USDT", "AAA/USDT", "BBB/USDT"]
    response = api.get(URL, {"ordering": "secret"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_the_csv_holds_every_matching_deal_exactly_as_the_json_says(api, trader, other_trader):
    for n in range(60):  # more than one page of JSON (50)
        closed_deal(trader, symbol=f"D{n:02d}/USDT", sell=str(60000 + 37 * n - 900), quantity="0.0137")
    closed_deal(trader, symbol="ETH/USDT")
    closed_deal(other_trader, symbol="D00/USDT")
    query = {"symbol": "", "ordering": "symbol"}
    pages = [api.get(URL, {**query, "page": page}).json()["results"] for page in (1, 2)]
    as_json = pages[0] + pages[1]
    response = api.get(CSV_URL, query)
    today = timezone.now().astimezone(dt.UTC).strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="tradefleet-deals-{today}.csv"'
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert len(rows) == len(as_json) == 61
    assert list(rows[0]) == list(COLUMNS)
    for row, deal in zip(rows, as_json, strict=True):
        assert row == {column: "" if deal[column] is None else str(deal[column]) for column in COLUMNS}
    total_csv = sum(Decimal(row["realized_pnl"]) for row in rows)
    assert total_csv == sum(Decimal(deal["realized_pnl"]) for deal in as_json)
    assert rows[0]["closed_at"].endswith("Z")  # UTC


def test_the_csv_follows_the_filters(api, trader):
    eth = closed_deal(trader, symbol="ETH/USDT")
    closed_deal(trader)
    rows = _csv(api.get(CSV_URL, {"symbol": "ETHUSDT"}))
    assert [row["id"] for row in rows] == [str(eth.id)]


def test_another_users_deals_never_show(client_for, trader, other_trader):
    closed_deal(other_trader)
    client = client_for(trader)
    assert client.get(URL).json()["count"] == 0
    assert _csv(client.get(CSV_URL)) == []
    assert client.get("/api/v1/positions").json()["count"] == 0


def test_deals_need_a_login(anon):
    assert anon.get(URL).status_code == 401
    assert anon.get(CSV_URL).status_code == 401


def test_a_page_of_deals_takes_a_handful_of_queries(api, trader, django_assert_max_num_queries):
    for n in range(50):
        closed_deal(trader, symbol=f"Z{n}/USDT")
    with django_assert_max_num_queries(4):
        response = api.get(URL, {"page_size": 50})
    assert len(response.json()["results"]) == 50


def test_totals_count_every_matching_deal_with_one_sum_per_currency(api, trader, other_trader):
    for n in range(3):  # 8.79 each
        closed_deal(trader, symbol=f"W{n}/USDT")
    closed_deal(trader, symbol="L/USDT", sell="59000")  # 590 - 600 - 1.21 = -11.21
    closed_deal(trader, symbol="X/INR", buy="100", sell="110", quantity="1", buy_fee="0", sell_fee="0")
    closed_deal(other_trader, symbol="W0/USDT")
    body = api.get(f"{URL}/totals").json()
    assert (body["deals"], body["wins"]) == (5, 4)
    usdt, inr = body["by_currency"]
    assert usdt == {
        "currency": "USDT", "deals": 4, "wins": 3,
        "realized_pnl": "15.16", "fees": "4.84", "invested": "2400",
    }  # fmt: skip
    assert (inr["currency"], inr["realized_pnl"]) == ("INR", "10")
    deals = api.get(URL, {"page_size": 100}).json()["results"]
    usdt_json = sum(Decimal(d["realized_pnl"]) for d in deals if d["quote_currency"] == "USDT")
    assert Decimal(usdt["realized_pnl"]) == usdt_json
    filtered = api.get(f"{URL}/totals", {"symbol": "LUSDT", "ordering": "-invested"}).json()
    assert (filtered["deals"], filtered["wins"], filtered["by_currency"][0]["realized_pnl"]) == (
        1,
        0,
        "-11.21",
    )
