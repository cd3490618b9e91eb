"""Every template the page can build parses, once TradingView has filled it, into the signal it
promises: the account it names, the side, the intent and the sizing mode (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

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
from trading.signals.webhook import parse_webhook

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


@given(targets)
def test_a_filled_entry_template_is_an_entry_on_the_named_account(target: AlertTarget) -> None:
    parsed = parse_webhook(
        filled(alert_template(target, secret=SECRET, kind="entry"), target, buy=True), now=NOW
    )
    assert (parsed.exchange, parsed.account_label) == (target.exchange, target.account_label)
    assert (parsed.intent_type, parsed.side, parsed.action) == ("signal", "long", "buy")
    assert parsed.timeframe == (target.timeframe or "1h")
    if target.sizing == "dca_config":
        assert parsed.order_size is None
    elif target.sizing == "quote":
        assert (parsed.order_size, parsed.position_size_type) == (target.amount, "quote")
    else:
        assert (parsed.order_size, parsed.position_size_type) == (Decimal(1), "contracts")


@given(targets)
def test_a_filled_exit_template_closes_the_long(target: AlertTarget) -> None:
    parsed = parse_webhook(
        filled(alert_template(target, secret=SECRET, kind="exit"), target, buy=False), now=NOW
    )
    assert (parsed.intent_type, parsed.side, parsed.order_size) == ("exit", "long", None)
    assert parsed.account_label == target.account_label


def test_the_template_uses_only_the_placeholders_the_page_explains() -> None:
    target = AlertTarget("simulator", "default", "BTC/USDT", "1h", "contracts")
    text = str(alert_template(target, secret=SECRET, kind="entry"))
    used = {part.split("}}")[0] for part in text.split("{{")[1:]}
    assert {f"{{{{{name}}}}}" for name in used} <= set(PLACEHOLDERS)
