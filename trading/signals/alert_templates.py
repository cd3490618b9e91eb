"""The TradingView alert messages a trader pastes, built for one account and one DCA
configuration, and the same messages filled the way TradingView fills them (the test alert).

Pure: no Django, no database. The design (docs/user-guide/webhooks.md):
- `tv.exchange` names the account's exchange and `execution_intent.account` its label, as
  literals: TradingView's `{{exchange}}` is the chart's exchange (`BINANCE`), which is not where a
  paper or simulator trader trades, so the message says where it goes instead.
- Sizing is one named mode: `dca_config` (the configuration's capital per pyramid; the message
  carries no size), `contracts` (the strategy's `{{strategy.order.contracts}}`, in base units) or
  `quote` (a fixed amount in the quote currency, typed on the page).
- A strategy's order-fill alert sends the same message for every order, so its message
  (`strategy`) says `type: auto` and the webhook reads the intent from the strategy's position
  before and after the order. Other alerts (an indicator's condition) have no `{{strategy.*}}`
  placeholders: they get an `entry` message (opens or adds to a long) and an `exit` message
  (closes it), each with its action written in.
- The strategy's contracts exist only in strategy alerts: in the `contracts` mode the entry
  message carries no size, and the DCA configuration's capital per pyramid sizes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "SIZING_MODES",
    "AlertTarget",
    "Kind",
    "alert_template",
    "fill_placeholders",
    "tradingview_interval",
    "tradingview_ticker",
]

Kind = Literal["strategy", "entry", "exit"]
KINDS: tuple[Kind, ...] = ("strategy", "entry", "exit")
SIZING_MODES: dict[str, str] = {
    "dca_config": "DCA configuration's capital per pyramid",
    "contracts": "Strategy's contracts ({{strategy.order.contracts}})",
    "quote": "Fixed amount in the quote currency",
}
# What TradingView fills, and what it fills it with: the placeholders the templates use.
PLACEHOLDERS: dict[str, str] = {
    "{{timenow}}": "the time the alert fired, UTC (2024-05-01T12:00:00Z)",
    "{{ticker}}": "the chart's symbol (BTCUSDT)",
    "{{interval}}": "the chart's timeframe (60 is 1h, 1D a day)",
    "{{strategy.order.action}}": "buy or sell",
    "{{strategy.market_position}}": "long, short or flat after the order",
    "{{strategy.market_position_size}}": "the position's size after the order",
    "{{strategy.prev_market_position}}": "long, short or flat before the order",
    "{{strategy.prev_market_position_size}}": "the position's size before the order",
    "{{strategy.order.price}}": "the order's fill price",
    "{{close}}": "the bar's close",
    "{{strategy.order.contracts}}": "the order's size in contracts",
    "{{strategy.order.id}}": "the order's id in the strategy",
    "{{strategy.order.comment}}": "the order's comment in the strategy",
}
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
# Canonical timeframe unit -> TradingView's {{interval}} suffix (minutes are bare numbers).
_TV_UNITS = {"m": "", "d": "D", "w": "W", "M": "M", "s": "S"}


@dataclass(frozen=True)
class AlertTarget:
    exchange: str  # the account's exchange id ("simulator", "binance")
    account_label: str
    symbol: str  # unified, BTC/USDT
    timeframe: str  # canonical ("1h"), or "" when the configuration takes any timeframe
    sizing: str  # one of SIZING_MODES
    amount: Decimal | None = None  # the quote amount of the `quote` mode


def alert_template(target: AlertTarget, *, secret: str, kind: Kind) -> dict[str, Any]:
    """The message to paste as the alert's message, with the secret in it.

    `strategy`: for a strategy's order-fill alert, which sends one message for every order; the
    intent is `auto` (read from the strategy's position before and after the order).
    `entry` / `exit`: for any other alert (an indicator's condition, a price crossing): the action
    is written in, and only the placeholders every alert has are used."""
    if target.sizing not in SIZING_MODES:
        raise ValueError(f"unknown sizing mode {target.sizing!r}")
    strategy = kind == "strategy"
    tv: dict[str, Any] = {
        "exchange": target.exchange,
        "symbol": "{{ticker}}",
        "timeframe": "{{interval}}",
        "action": "{{strategy.order.action}}" if strategy else ("buy" if kind == "entry" else "sell"),
    }
    if strategy:
        tv.update(
            {
                "market_position": "{{strategy.market_position}}",
                "market_position_size": "{{strategy.market_position_size}}",
                "prev_market_position": "{{strategy.prev_market_position}}",
                "prev_market_position_size": "{{strategy.prev_market_position_size}}",
                "entry_price": "{{strategy.order.price}}",
            }
        )
    tv["close_price"] = "{{close}}"
    intent: dict[str, Any] = {"type": "auto" if strategy else ("signal" if kind == "entry" else "exit")}
    if not strategy:
        intent["side"] = "long"
    intent.update({"account": target.account_label, "strategy": "grid"})
    if strategy and target.sizing == "contracts":
        tv["order_size"] = "{{strategy.order.contracts}}"
        intent["position_size_type"] = "contracts"
    elif kind != "exit" and target.sizing == "quote":
        if target.amount is None or target.amount <= 0:
            raise ValueError("the quote sizing mode needs a positive amount")
        tv["order_size"] = format(target.amount.normalize(), "f")
        intent["position_size_type"] = "quote"
    intent["precision_mode"] = "auto"
    where = f"{target.symbol} {target.timeframe}".strip()
    info: dict[str, Any] = {"alert_name": f"{where} {kind}".strip()}
    if strategy:
        info = {
            "trade_id": "{{strategy.order.id}}",
            **info,
            "alert_message": "{{strategy.order.comment}}",
        }
    return {
        "secret": secret,
        "source": "tradingview",
        "timestamp": "{{timenow}}",
        "tv": tv,
        "strategy_info": info,
        "execution_intent": intent,
        "risk": {"stop_loss": None, "take_profit": None, "max_slippage_percent": 0.2},
    }


def fill_placeholders(value: Any, values: Mapping[str, str]) -> Any:
    """`value` with each `{{placeholder}}` in its strings replaced as TradingView does (by text;
    an unknown placeholder stays as it is, and the webhook refuses it naming the field)."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), value)
    if isinstance(value, Mapping):
        return {key: fill_placeholders(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(item, values) for item in value]
    return value


def tradingview_ticker(symbol: str) -> str:
    """What `{{ticker}}` says on a chart of `symbol`: BTC/USDT -> BTCUSDT, BTC/USDT:USDT (a
    perpetual) -> BTCUSDT.P."""
    base_quote, _, settle = symbol.partition(":")
    ticker = base_quote.replace("/", "").upper()
    return f"{ticker}.P" if settle else ticker


def tradingview_interval(timeframe: str) -> str:
    """What `{{interval}}` says on a chart of a canonical timeframe: 15m -> 15, 1h -> 60,
    4h -> 240, 1d -> 1D, 1w -> 1W, 1M -> 1M. An empty timeframe (any) is shown as 60."""
    match = re.fullmatch(r"([0-9]+)([smhdwM])", timeframe or "1h")
    if match is None:
        raise ValueError(f"not a canonical timeframe: {timeframe!r}")
    count, unit = int(match.group(1)), match.group(2)
    if unit == "h":
        return str(count * 60)
    return f"{count}{_TV_UNITS[unit]}"
