"""The Webhook setup page: templates that work as pasted, and the test alert.

The templates are pasted as text and filled the way TradingView fills them (text replacement of
each {{placeholder}}), posted to the public webhook, and run through the engine on the exchange
simulator (`engine`: Celery eager, a real simulator over HTTP)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from trading.positions.models import GroupStatus, PositionGroup
from trading.signals.alert_templates import fill_placeholders, tradingview_interval, tradingview_ticker
from trading.signals.models import Signal

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhook-templates"


def as_tradingview_sends(
    template: dict[str, Any], *, action: str, price: str, contracts: str = "0.01"
) -> bytes:
    """The page's JSON as pasted (two-space indent), each {{placeholder}} replaced by text."""
    pasted = json.dumps(template, indent=2)
    values = {
        "{{timenow}}": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "{{ticker}}": "BTCUSDT",
        "{{interval}}": "60",
        "{{strategy.order.action}}": action,
        "{{strategy.market_position}}": "long" if action == "buy" else "flat",
        "{{strategy.market_position_size}}": contracts if action == "buy" else "0",
        "{{strategy.prev_market_position}}": "flat" if action == "buy" else "long",
        "{{strategy.prev_market_position_size}}": "0" if action == "buy" else contracts,
        "{{strategy.order.price}}": price,
        "{{close}}": price,
        "{{strategy.order.contracts}}": contracts,
        "{{strategy.order.id}}": "Long" if action == "buy" else "Close",
        "{{strategy.order.comment}}": "",
    }
    filled = re.sub(r"\{\{[^{}]*\}\}", lambda m: values[m.group(0)], pasted)
    return filled.encode()


def post_alert(user_id: Any, raw: bytes, callbacks: Any) -> Any:
    with callbacks(execute=True):  # the enqueue runs the engine eagerly after the commit
        return Client().post(f"/api/v1/webhooks/{user_id}", data=raw, content_type="text/plain")


def test_the_strategy_message_as_pasted_opens_a_position_on_the_entry_order_and_closes_it_on_the_exit(
    engine, api, django_capture_on_commit_callbacks
) -> None:
    engine.config(capital_per_pyramid="1000")
    setup = api.get(URL).json()
    assert setup["sizing"] == "dca_config"
    message = setup["strategy"]
    # The message names the account, not the chart's exchange, and carries no size of its own;
    # one message serves every order of the strategy.
    assert message["tv"]["exchange"] == "simulator"
    assert message["execution_intent"]["account"] == "main"
    assert message["execution_intent"]["type"] == "auto"
    assert "order_size" not in message["tv"] and "side" not in message["execution_intent"]
    assert setup["chart"] == {"symbol": "BTC/USDT", "ticker": "BTCUSDT", "timeframe": "1h", "interval": "60"}

    opened = post_alert(
        engine.user.pk,
        as_tradingview_sends(message, action="buy", price="100"),
        django_capture_on_commit_callbacks,
    )
    assert opened.status_code == 202, opened.json()
    group = PositionGroup.objects.get(user=engine.user)
    assert Signal.objects.get(pk=opened.json()["signal_id"]).position_group_id == group.pk
    assert group.pyramids.get().capital == Decimal("1000")

    closed = post_alert(
        engine.user.pk,
        as_tradingview_sends(message, action="sell", price="100"),
        django_capture_on_commit_callbacks,
    )
    assert closed.status_code == 202, closed.json()
    group.refresh_from_db()
    assert group.status in (GroupStatus.CLOSING, GroupStatus.CLOSED)
    signal = Signal.objects.get(pk=closed.json()["signal_id"])
    assert (signal.intent_type, signal.outcome) == ("exit", "accepted")


def test_the_entry_and_exit_messages_need_no_strategy_and_work_as_pasted(
    engine, api, django_capture_on_commit_callbacks
) -> None:
    engine.config(capital_per_pyramid="1000")
    setup = api.get(URL).json()
    entry, exit_ = setup["entry"], setup["exit"]
    assert "strategy." not in json.dumps(entry) + json.dumps(exit_)  # indicator alerts have none
    assert (entry["tv"]["action"], entry["execution_intent"]["type"]) == ("buy", "signal")
    assert (exit_["tv"]["action"], exit_["execution_intent"]["type"]) == ("sell", "exit")
    opened = post_alert(
        engine.user.pk,
        as_tradingview_sends(entry, action="buy", price="100"),
        django_capture_on_commit_callbacks,
    )
    assert opened.status_code == 202, opened.json()
    group = PositionGroup.objects.get(user=engine.user)
    closed = post_alert(
        engine.user.pk,
        as_tradingview_sends(exit_, action="sell", price="100"),
        django_capture_on_commit_callbacks,
    )
    assert closed.status_code == 202, closed.json()
    group.refresh_from_db()
    assert group.status in (GroupStatus.CLOSING, GroupStatus.CLOSED)


def test_contracts_sizing_sends_the_strategys_contracts_and_names_the_mode(engine, api) -> None:
    config = engine.config()
    setup = api.get(URL, {"sizing": "contracts", "dca_config": str(config.pk)}).json()
    assert setup["strategy"]["tv"]["order_size"] == "{{strategy.order.contracts}}"
    assert setup["strategy"]["execution_intent"]["position_size_type"] == "contracts"
    assert "order_size" not in setup["entry"]["tv"] and "order_size" not in setup["exit"]["tv"]
    # Without a capital per pyramid the configuration cannot size entries itself.
    assert {m["value"]: m["available"] for m in setup["sizing_modes"]}["dca_config"] is False
    refused = api.get(URL, {"sizing": "dca_config"})
    assert refused.status_code == 400
    assert "sizing" in refused.json()["errors"]


def test_quote_sizing_needs_an_amount_and_writes_it_in(engine, api) -> None:
    engine.config()
    missing = api.get(URL, {"sizing": "quote"})
    assert missing.status_code == 400 and "amount" in missing.json()["errors"]
    setup = api.get(URL, {"sizing": "quote", "amount": "250"}).json()
    for kind in ("strategy", "entry"):
        assert setup[kind]["tv"]["order_size"] == "250"
        assert setup[kind]["execution_intent"]["position_size_type"] == "quote"
    assert "order_size" not in setup["exit"]["tv"]


def test_another_users_account_is_refused_by_field(engine, api, make_engine, other_trader) -> None:
    theirs = make_engine(other_trader).account
    answer = api.get(URL, {"account": str(theirs.pk)})
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["account"]


def test_a_loopback_url_is_flagged_for_tradingview(api, settings) -> None:
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    warnings = api.get(URL).json()["url_warnings"]
    assert any("127.0.0.1" in w and "PUBLIC_URL" in w for w in warnings)
    assert any("ports 80 and 443" in w for w in warnings)
    settings.PUBLIC_URL = "https://trading.example.com"
    assert api.get(URL).json()["url_warnings"] == []


def test_no_account_yet_says_what_to_do(api) -> None:
    setup = api.get(URL).json()
    assert setup["strategy"] is None and setup["entry"] is None and setup["account"] is None
    assert any("exchange account" in w for w in setup["warnings"])


def test_the_test_alert_goes_through_the_webhook_and_opens_a_position(
    engine, api, django_capture_on_commit_callbacks
) -> None:
    engine.config(capital_per_pyramid="500")
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"{URL}/test", {"template": "strategy"}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["http_status"] == 202, body["response"]
    assert body["sent"]["secret"] == "***"
    assert body["sent"]["tv"]["symbol"] == "BTCUSDT" and body["sent"]["tv"]["timeframe"] == "60"
    assert "{{" not in json.dumps(body["sent"])
    signal = Signal.objects.get(pk=body["signal"]["id"])
    assert signal.outcome == "accepted"
    assert signal.position_group is not None
    assert str(engine.user.webhook_secret) not in signal.raw_body
    # The same message, filled as for the strategy's closing order, closes it.
    with django_capture_on_commit_callbacks(execute=True):
        closing = api.post(f"{URL}/test", {"template": "strategy", "closing": True}, format="json").json()
    assert closing["http_status"] == 202, closing["response"]
    assert closing["sent"]["tv"]["action"] == "sell"
    signal.position_group.refresh_from_db()
    assert signal.position_group.status in (GroupStatus.CLOSING, GroupStatus.CLOSED)


def test_a_refused_test_alert_says_why(engine, api, django_capture_on_commit_callbacks) -> None:
    engine.config(capital_per_pyramid="0.01")  # far below the simulator's minimum order
    with django_capture_on_commit_callbacks(execute=True):
        body = api.post(f"{URL}/test", {"template": "entry"}, format="json").json()
    signal = Signal.objects.get(pk=body["signal"]["id"])
    assert signal.outcome == "refused"
    assert signal.reason


def test_tradingview_names() -> None:
    assert tradingview_ticker("BTC/USDT") == "BTCUSDT"
    assert tradingview_ticker("BTC/USDT:USDT") == "BTCUSDT.P"
    assert [tradingview_interval(tf) for tf in ("1m", "15m", "1h", "4h", "1d", "1w", "1M", "")] == [
        "1", "15", "60", "240", "1D", "1W", "1M", "60"
    ]  # fmt: skip
    assert fill_placeholders({"a": ["{{x}} and {{y}}"]}, {"{{x}}": "1"}) == {"a": ["1 and {{y}}"]}
