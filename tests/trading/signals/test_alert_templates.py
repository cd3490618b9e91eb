"""Every template the page can build parses, once TradingView has filled it, into the signal it
promises: the account it names, the side, the intent and the sizing mode (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.signals.alert_templates import (
    PLACEHOLDERS,
    SIZING_MODES,
    AlertTarget,
    alert_template,
    fill_placeholders,
    tradingview_interval,
    tradingview_ticker,
)
from trading.signals.webhook import SignalRejected, parse_webhook

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SECRET = "s3cret-" + "x" * 36
TIMEFRAMES = ("", "1m", "5m", "15m", "1h", "4h", "1d", "1w")

targets = st.builds(
    AlertTarget,
    exchange=st.sampled_from(["simulator", "binance", "kraken", "paper"]),
    account_label=st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=20),
    symbol=st.sampled_from(["BTC/USDT", "ETH/USDT", "SOL/USDC", "BTC/USDT:USDT"]),
    timeframe=st.sampled_from(TIMEFRAMES),
    sizing=st.sampled_from(list(SIZING_MODES)),
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2),
)


def filled(template: dict, target: AlertTarget, *, buy: bool) -> dict:
    values = {key: "1" for key in PLACEHOLDERS}
    values.update(
        {
            "{{strategy.market_position_size}}": "1" if buy else "0",
            "{{strategy.prev_market_position_size}}": "0" if buy else "1",
            "{{timenow}}": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "{{ticker}}": tradingview_ticker(target.symbol),
            "{{interval}}": tradingview_interval(target.timeframe),
            "{{strategy.order.action}}": "buy" if buy else "sell",
            "{{strategy.market_position}}": "long" if buy else "flat",
            "{{strategy.prev_market_position}}": "flat" if buy else "long",
            "{{strategy.order.price}}": "64250.5",
            "{{close}}": "64251",
            "{{strategy.order.id}}": "Long",
            "{{strategy.order.comment}}": "",
        }
    )
    return fill_placeholders(template, values)


@given(targets, st.sampled_from(["strategy", "entry"]))
def test_a_filled_opening_message_is_an_entry_on_the_named_account(target: AlertTarget, kind: str) -> None:
    parsed = parse_webhook(
        filled(alert_template(target, secret=SECRET, kind=kind), target, buy=True), now=NOW
    )
    assert (parsed.exchange, parsed.account_label) == (target.exchange, target.account_label)
    assert (parsed.intent_type, parsed.side, parsed.action) == ("signal", "long", "buy")
    assert parsed.timeframe == (target.timeframe or "1h")
    if target.sizing == "quote":
        assert (parsed.order_size, parsed.position_size_type) == (target.amount, "quote")
    elif target.sizing == "contracts" and kind == "strategy":
        assert (parsed.order_size, parsed.position_size_type) == (Decimal(1), "contracts")
    else:  # the configuration's capital sizes it
        assert parsed.order_size is None


@given(targets, st.sampled_from(["strategy", "exit"]))
def test_a_filled_closing_message_closes_the_long(target: AlertTarget, kind: str) -> None:
    parsed = parse_webhook(
        filled(alert_template(target, secret=SECRET, kind=kind), target, buy=False), now=NOW
    )
    assert (parsed.intent_type, parsed.side) == ("exit", "long")
    assert parsed.account_label == target.account_label
    if kind == "exit":
        assert parsed.order_size is None


@pytest.mark.parametrize(
    ("prev", "now", "prev_size", "size", "action", "intent", "side"),
    [
        ("flat", "long", "0", "1", "buy", "signal", "long"),
        ("long", "long", "1", "2", "buy", "signal", "long"),  # a pyramid
        ("long", "long", "2", "1", "sell", "reduce", "long"),
        ("long", "flat", "1", "0", "sell", "exit", "long"),
        ("long", "short", "1", "1", "sell", "reverse", "short"),
        ("flat", "short", "0", "1", "sell", "signal", "short"),
        ("short", "flat", "1", "0", "buy", "exit", "short"),
    ],
)
def test_the_strategy_message_reads_the_intent_from_the_positions(
    prev, now, prev_size, size, action, intent, side
) -> None:
    target = AlertTarget("simulator", "default", "BTC/USDT", "1h", "dca_config")
    body = filled(alert_template(target, secret=SECRET, kind="strategy"), target, buy=action == "buy")
    body["tv"].update(
        prev_market_position=prev,
        market_position=now,
        prev_market_position_size=prev_size,
        market_position_size=size,
    )
    parsed = parse_webhook(body, now=NOW)
    assert (parsed.intent_type, parsed.side) == (intent, side)
    if intent == "reduce":
        assert parsed.reduce_fraction == Decimal("0.5")


def test_an_auto_intent_without_the_strategys_positions_is_refused_by_field() -> None:
    target = AlertTarget("simulator", "default", "BTC/USDT", "1h", "dca_config")
    body = filled(alert_template(target, secret=SECRET, kind="strategy"), target, buy=True)
    del body["tv"]["prev_market_position"]
    with pytest.raises(SignalRejected) as refused:
        parse_webhook(body, now=NOW)
    assert (refused.value.field, refused.value.code) == ("tv.prev_market_position", "missing")


def test_the_template_uses_only_the_placeholders_the_page_explains() -> None:
    target = AlertTarget("simulator", "default", "BTC/USDT", "1h", "contracts")
    text = str(alert_template(target, secret=SECRET, kind="strategy"))
    used = {part.split("}}")[0] for part in text.split("{{")[1:]}
    assert {f"{{{{{name}}}}}" for name in used} <= set(PLACEHOLDERS)
