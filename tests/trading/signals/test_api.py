"""GET /api/v1/signals and /signals/{id}: the trader's own log of webhooks, filtered and paged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.trading.factories import ExchangeConfigFactory
from trading.signals.models import Signal, SignalStatus

URL = "/api/v1/signals"


def make_signal(user, **fields) -> Signal:
    values = {
        "user": user,
        "account": ExchangeConfigFactory(user=user),
        "status": SignalStatus.RECEIVED,
        "exchange": "simulator",
        "symbol": "BTC/USDT",
        "timeframe": "1h",
        "side": "long",
        "intent_type": "signal",
        "price": Decimal("64250.5"),
        "raw_body": '{"secret": "***", "tv": {}}',
        "parsed": {"symbol": "BTCUSDT"},
        "sent_at": timezone.now(),
        **fields,
    }
    return Signal.objects.create(**values)


def test_the_list_shows_my_signals_newest_first_with_the_contract_fields(api, trader, other_trader) -> None:
    old = make_signal(trader, received_at=timezone.now() - timedelta(minutes=5))
    new = make_signal(trader, status=SignalStatus.REJECTED, reason="tv.symbol: no market")
    make_signal(other_trader)
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [str(new.pk), str(old.pk)]
    row = body["results"][1]
    assert set(row) == {
        "id",
        "status",
        "outcome",
        "classification",
        "reason",
        "reason_code",
        "reason_field",
        "exchange",
        "symbol",
        "timeframe",
        "side",
        "intent_type",
        "price",
        "position_group",
        "sent_at",
        "received_at",
        "processed_at",
    }
    assert row["price"] == "64250.5"
    assert row["symbol"] == "BTC/USDT"
    assert body["results"][0]["reason"] == "tv.symbol: no market"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=rejected", {"rejected"}),
        ("symbol=ETHUSDT", {"eth"}),
        ("symbol=ETH/USDT", {"eth"}),
        ("exchange=BINANCE", {"binance"}),
        ("timeframe=15m", {"fifteen"}),
    ],
)
def test_filters(api, trader, query, expected) -> None:
    make_signal(trader, reason="plain")
    make_signal(trader, status=SignalStatus.REJECTED, reason="rejected")
    make_signal(trader, symbol="ETH/USDT", reason="eth")
    make_signal(trader, exchange="binance", reason="binance")
    make_signal(trader, timeframe="15m", reason="fifteen")
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.json()
    assert {row["reason"] for row in response.json()["results"]} == expected


def test_the_date_range_filter_reads_utc_iso_times(api, trader) -> None:
    now = timezone.now()
    make_signal(trader, received_at=now - timedelta(days=2), reason="old")
    make_signal(trader, received_at=now - timedelta(hours=1), reason="recent")
    after = (now - timedelta(days=1)).isoformat()
    response = api.get(URL, {"received_after": after})
    assert [row["reason"] for row in response.json()["results"]] == ["recent"]
    response = api.get(URL, {"received_before": after})
    assert [row["reason"] for row in response.json()["results"]] == ["old"]
    assert api.get(URL, {"received_after": "yesterday"}).status_code == 400


def test_the_list_is_paginated(api, trader) -> None:
    for _ in range(3):
        make_signal(trader)
    body = api.get(URL, {"page_size": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"]


def test_the_detail_adds_the_masked_body_and_parsed_fields(api, trader) -> None:
    signal = make_signal(trader)
    response = api.get(f"{URL}/{signal.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["raw_body"] == '{"secret": "***", "tv": {}}'
    assert body["parsed"] == {"symbol": "BTCUSDT"}
    assert body["account"] == str(signal.account_id)


def test_another_users_signal_is_404(client_for, trader, other_trader) -> None:
    theirs = make_signal(other_trader)
    response = client_for(trader).get(f"{URL}/{theirs.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_signals_need_a_login(anon) -> None:
    assert anon.get(URL).status_code == 401


def test_the_outcome_says_what_happened_and_filters_the_list(api, trader) -> None:
    accepted = make_signal(trader, status=SignalStatus.PROCESSED)
    stale = make_signal(
        trader,
        status=SignalStatus.REJECTED,
        reason="timestamp: too old",
        reason_code="stale",
        reason_field="timestamp",
    )
    refused = make_signal(
        trader,
        status=SignalStatus.REJECTED,
        reason="tv.symbol: no DCA",
        reason_code="no_dca_config",
        reason_field="tv.symbol",
    )
    outcomes = {row["id"]: row["outcome"] for row in api.get(URL).json()["results"]}
    assert outcomes == {str(accepted.pk): "accepted", str(stale.pk): "stale", str(refused.pk): "refused"}
    [row] = api.get(URL, {"outcome": "refused"}).json()["results"]
    assert (row["id"], row["reason_code"], row["reason_field"]) == (
        str(refused.pk),
        "no_dca_config",
        "tv.symbol",
    )
    assert [r["id"] for r in api.get(URL, {"outcome": "stale"}).json()["results"]] == [str(stale.pk)]
    assert api.get(URL, {"outcome": "nonsense"}).status_code == 400
