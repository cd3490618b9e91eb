"""Parsing and validation of a TradingView webhook body, pure: no Django, no database.

The view calls `decode_body()` on the raw request, compares `extract_secret()` against the
stored secret itself (constant time; this module never judges the secret), then calls
`parse_webhook()`. Everything the engine needs comes back as a frozen `ParsedSignal`;
anything we will not act on raises `SignalRejected` naming the field.

Choices where the semantics page is silent (kept in one place so they can be reviewed):
- `execution_intent.side` is `long`/`short` (or `buy`/`sell`, as the template writes it); when
  absent the side follows from the action. A `signal` or `reverse` opens the side its action
  buys into (buy -> long, sell -> short; for `reverse` it names the side opened after the close);
  an `exit` or `reduce` closes the side its action sells out of (sell -> long, buy -> short). A
  side that contradicts the action is rejected rather than guessed.
- `execution_intent.type` may also be `auto`, the strategy alert's type: TradingView sends one
  message for every order a strategy fills, so the intent is read from the strategy's position
  before and after the order (`_auto_intent`), and the side from the action as for the others.
- `reduce` takes `execution_intent.fraction` in (0, 1]; without it the fraction is derived from
  TradingView's position sizes, `(prev - now) / prev`, and if neither is there it is rejected.
- `signal` and `reverse` need a price: `tv.entry_price` or `tv.close_price`.
- `position_size_type` defaults to `contracts` when `order_size` is sent without it, because
  `{{strategy.order.contracts}}` counts contracts.
- `risk.stop_loss` / `risk.take_profit` are positive numbers passed on as sent (their meaning is
  the engine's); `risk.max_slippage_percent` is in [0, 100).
- An empty string is an absent value (TradingView renders unset placeholders as "").
- Unknown keys are ignored, so templates may carry notes; only the fields read are checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from trading.signals.webhook_fields import (
    SignalRejected,
    block,
    choice,
    number,
    required_choice,
    required_text,
    shown,
    text,
    timeframe,
    timestamp,
)

__all__ = [
    "MAX_BODY_BYTES",
    "ParsedSignal",
    "SignalRejected",
    "decode_body",
    "extract_secret",
    "parse_webhook",
]

MAX_BODY_BYTES = 64 * 1024  # a filled template is ~1 KB; anything near this is not an alert
MAX_DEPTH = 32  # nesting checked after decoding; the template is three levels deep
CLOCK_SKEW = timedelta(seconds=60)  # TradingView's clock and ours may disagree by a few seconds
DEDUP_BUCKET_SECONDS = 60  # the page: the same body within 60 s is the same signal
ONE = Decimal(1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HUNDRED = Decimal(100)
# Below this length a "secret" is too short to guard by search (it would match ordinary words);
# the view refuses such secrets anyway, and generated ones are far longer.
MIN_GUARDED_SECRET = 8

Action = Literal["buy", "sell"]
Side = Literal["long", "short"]
IntentType = Literal["signal", "exit", "reduce", "reverse"]
INTENT_TYPES: tuple[IntentType, ...] = ("signal", "exit", "reduce", "reverse")
# The strategy alert's type: one message for every order, the intent read from the positions.
AUTO = "auto"
OPENS: dict[str, Side] = {"buy": "long", "sell": "short"}
CLOSES: dict[str, Side] = {"sell": "long", "buy": "short"}
SIDE_WORDS: dict[str, Side] = {"long": "long", "buy": "long", "short": "short", "sell": "short"}
POSITIONS = ("long", "short", "flat")
SIZE_TYPES = ("quote", "base", "contracts")


@dataclass(frozen=True, slots=True)
class ParsedSignal:
    # repr=False: the secret must never reach a log line or an error page through repr().
    secret: str = field(repr=False)
    source: str
    timestamp: datetime  # aware, UTC
    exchange: str  # lower-case; "simulator" is the built-in simulator
    account_label: str | None
    symbol: str  # as sent, upper-case ("BTCUSDT"); brokers.symbols.normalize_symbol maps it
    timeframe: str  # canonical: "1m", "15m", "1h", "4h", "1d", "1w", "1M" (month)
    timeframe_seconds: int
    action: Action
    side: Side
    intent_type: IntentType
    market_position: str | None
    market_position_size: Decimal | None
    prev_market_position: str | None
    prev_market_position_size: Decimal | None
    entry_price: Decimal | None
    close_price: Decimal | None
    order_size: Decimal | None
    position_size_type: str | None
    reduce_fraction: Decimal | None
    trade_id: str | None
    alert_name: str | None
    alert_message: str | None
    strategy: str | None
    precision_mode: str | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    max_slippage_percent: Decimal | None
    idempotency_key: str  # user-independent; the caller scopes it to the user

    @property
    def price(self) -> Decimal | None:
        """The order's price if TradingView sent it, else the candle close."""
        return self.entry_price if self.entry_price is not None else self.close_price


def decode_body(raw: bytes) -> dict[str, object]:
    """The JSON object in a request body (TradingView posts it as text/plain)."""
    if len(raw) > MAX_BODY_BYTES:
        raise SignalRejected("body", f"is larger than {MAX_BODY_BYTES // 1024} KiB", "too_large")
    try:
        decoded = json.loads(
            raw.decode("utf-8-sig"),  # some editors prepend a BOM when the template is pasted
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicates,
        )
    except SignalRejected:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SignalRejected(
            "body", "is not valid JSON; check the alert message against the template", "invalid_body"
        ) from None
    if not isinstance(decoded, dict):
        raise SignalRejected("body", "must be a JSON object like the template", "invalid_body")
    # Nesting needs a bracket per level: a body with few brackets needs no walk (the template has 5).
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _depth(decoded) > MAX_DEPTH:
        raise SignalRejected("body", "is nested too deeply", "invalid_body")
    return decoded


def _refuse_constant(name: str) -> object:
    raise SignalRejected("body", f"contains {name}, which is not a number", "invalid_body")


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json keeps the last of two equal keys; two "action"s in one alert is ambiguous, not a choice.
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise SignalRejected(key[:80], "appears twice in the same object", "invalid_body")
        result[key] = value
    return result


def _depth(value: object) -> int:
    """Levels of nested objects/lists, counted only up to just past MAX_DEPTH."""
    depth, layer = 0, [value]
    while layer and depth <= MAX_DEPTH:  # breadth-first: a deep body cannot exhaust the stack here
        depth += 1
        nxt: list[object] = []
        for item in layer:
            children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
            nxt.extend(child for child in children if isinstance(child, dict | list))
        layer = nxt
    return depth


def extract_secret(body: object) -> str:
    """The `secret` field for the view's constant-time compare; never echoes it."""
    if not isinstance(body, Mapping):
        raise SignalRejected("body", "must be a JSON object like the template", "invalid_body")
    secret = body.get("secret")
    if secret is None or (isinstance(secret, str) and not secret.strip()):
        raise SignalRejected("secret", "is missing; paste the template with your webhook secret", "missing")
    if not isinstance(secret, str) or len(secret) > 512:
        raise SignalRejected("secret", "must be the webhook secret as text", "invalid")
    if "{{" in secret:
        raise SignalRejected("secret", "still holds a placeholder; paste your webhook secret", "placeholder")
    return secret


def parse_webhook(body: object, *, now: datetime, max_age_seconds: int = 300) -> ParsedSignal:
    """The signal in `body`, or SignalRejected naming the first field we will not act on."""
    if now.tzinfo is None:
        raise TypeError("now must be an aware datetime")  # a caller bug, not a bad alert
    secret = extract_secret(body)
    if not isinstance(body, Mapping):  # extract_secret has refused it already; this narrows the type
        raise SignalRejected("body", "must be a JSON object like the template", "invalid_body")
    if len(secret) >= MIN_GUARDED_SECRET:
        _refuse_secret_elsewhere(body, secret)
    try:
        return _parse(body, secret=secret, now=now, max_age_seconds=max_age_seconds)
    except SignalRejected as exc:
        # Belt and braces: _refuse_secret_elsewhere already keeps it out of every echoed value.
        if len(secret) >= MIN_GUARDED_SECRET and secret in exc.reason:
            raise SignalRejected(exc.field, exc.reason.replace(secret, "[secret]"), exc.code) from None
        raise


def _refuse_secret_elsewhere(body: Mapping[str, object], secret: str) -> None:
    """Reject a body that carries the secret outside `secret`: alert names and messages are
    stored, logged and shown in the UI, and rejection reasons echo values, so it would leak."""
    needle = secret.lower()  # symbols are upper-cased later; the secret must not survive that either
    for name, value in body.items():
        children = value.items() if isinstance(value, Mapping) else [(None, value)]
        for key, child in children:
            if name != "secret" and isinstance(child, str) and needle in child.lower():
                path = name if key is None else f"{name}.{key}"
                raise SignalRejected(
                    str(path)[:80],
                    "contains your webhook secret; remove it from the alert message",
                    "invalid",
                )


def _parse(body: Mapping[str, object], *, secret: str, now: datetime, max_age_seconds: int) -> ParsedSignal:
    source = (text(body, "source", "source", required=False, max_length=40) or "tradingview").lower()
    sent_at = timestamp(body, "timestamp", "timestamp")
    age = now - sent_at
    if age > timedelta(seconds=max_age_seconds):
        raise SignalRejected(
            "timestamp",
            f"the alert is {int(age.total_seconds())} s old; signals older than {max_age_seconds} s "
            "are not traded",
            "stale",
        )
    if -age > CLOCK_SKEW:
        raise SignalRejected("timestamp", "is in the future; check the alert's {{timenow}}", "future")

    tv = block(body, "tv")
    info = block(body, "strategy_info", required=False)
    intent = block(body, "execution_intent")
    risk = block(body, "risk", required=False)

    exchange = required_text(tv, "exchange", "tv.exchange", max_length=40)
    symbol = required_text(tv, "symbol", "tv.symbol", max_length=40)
    if not exchange.replace("_", "").replace("-", "").replace(".", "").isalnum() or not exchange.isascii():
        raise SignalRejected("tv.exchange", f"{shown(exchange)} is not an exchange name", "invalid")
    if not symbol.isascii() or not all(ch.isalnum() or ch in "/._:-!" for ch in symbol):
        raise SignalRejected("tv.symbol", f"{shown(symbol)} is not a market symbol", "invalid")
    tf, tf_seconds = timeframe(tv, "timeframe", "tv.timeframe")
    action = required_choice(tv, "action", "tv.action", ("buy", "sell"))
    prev_size = number(tv, "prev_market_position_size", "tv.prev_market_position_size", positive=False)
    size_now = number(tv, "market_position_size", "tv.market_position_size", positive=False)
    position = choice(tv, "market_position", "tv.market_position", POSITIONS, required=False)
    prev_position = choice(tv, "prev_market_position", "tv.prev_market_position", POSITIONS, required=False)
    intent_type = required_choice(intent, "type", "execution_intent.type", (*INTENT_TYPES, AUTO))
    if intent_type == AUTO:
        intent_type = _auto_intent(prev_position, position, prev_size, size_now)
    side = _side(intent, action=action, intent_type=intent_type)
    entry_price = number(tv, "entry_price", "tv.entry_price")
    close_price = number(tv, "close_price", "tv.close_price")
    if intent_type in ("signal", "reverse") and entry_price is None and close_price is None:
        raise SignalRejected(
            "tv.entry_price", f"a '{intent_type}' needs tv.entry_price or tv.close_price", "missing"
        )
    order_size = number(tv, "order_size", "tv.order_size")
    size_type = choice(
        intent, "position_size_type", "execution_intent.position_size_type", SIZE_TYPES, required=False
    )
    if size_type is None and order_size is not None:
        size_type = "contracts"

    fields_: dict[str, object] = {
        "source": source,
        "timestamp": sent_at,
        "exchange": exchange.lower(),
        "account_label": text(intent, "account", "execution_intent.account", required=False, max_length=100),
        "symbol": symbol.upper(),
        "timeframe": tf,
        "timeframe_seconds": tf_seconds,
        "action": action,
        "side": side,
        "intent_type": intent_type,
        "market_position": position,
        "market_position_size": size_now,
        "prev_market_position": prev_position,
        "prev_market_position_size": prev_size,
        "entry_price": entry_price,
        "close_price": close_price,
        "order_size": order_size,
        "position_size_type": size_type,
        "reduce_fraction": _reduce_fraction(intent, prev_size, size_now) if intent_type == "reduce" else None,
        "trade_id": text(info, "trade_id", "strategy_info.trade_id", required=False, max_length=128),
        "alert_name": text(info, "alert_name", "strategy_info.alert_name", required=False),
        "alert_message": text(
            info, "alert_message", "strategy_info.alert_message", required=False, max_length=2000
        ),
        "strategy": text(intent, "strategy", "execution_intent.strategy", required=False, max_length=60),
        "precision_mode": text(
            intent, "precision_mode", "execution_intent.precision_mode", required=False, max_length=40
        ),
        "stop_loss": number(risk, "stop_loss", "risk.stop_loss"),
        "take_profit": number(risk, "take_profit", "risk.take_profit"),
        "max_slippage_percent": number(
            risk, "max_slippage_percent", "risk.max_slippage_percent", positive=False, maximum=HUNDRED
        ),
    }
    key = _idempotency_key(fields_, sent_at=sent_at)
    return ParsedSignal(secret=secret, idempotency_key=key, **fields_)  # type: ignore[arg-type]  # the dict is built field by field above


def _auto_intent(
    prev: str | None, now: str | None, prev_size: Decimal | None, size_now: Decimal | None
) -> IntentType:
    """The intent of a strategy order, read from the strategy's position before and after it:
    flat -> long/short opens, a bigger position on the same side is a pyramid, a smaller one a
    reduce, flat after is an exit, the other side after is a reverse."""
    if prev is None or now is None:
        missing = "tv.prev_market_position" if prev is None else "tv.market_position"
        raise SignalRejected(
            missing,
            "an 'auto' intent reads the strategy's position before and after the order; send "
            "{{strategy.prev_market_position}} and {{strategy.market_position}} (strategy alerts only)",
            "missing",
        )
    if prev == "flat" and now == "flat":
        raise SignalRejected(
            "tv.market_position", "the strategy is flat before and after the order", "invalid"
        )
    if prev == "flat":
        return "signal"
    if now == "flat":
        return "exit"
    if now != prev:
        return "reverse"
    if prev_size is not None and size_now is not None and size_now < prev_size:
        return "reduce"
    return "signal"


def _side(intent: Mapping[str, object], *, action: str, intent_type: str) -> Side:
    implied = OPENS[action] if intent_type in ("signal", "reverse") else CLOSES[action]
    word = choice(intent, "side", "execution_intent.side", tuple(SIDE_WORDS), required=False)
    if word is None or SIDE_WORDS[word] == implied:
        return implied
    verb = "opens" if intent_type in ("signal", "reverse") else "closes"
    hint = " (use type 'exit' or 'reduce' to close)" if intent_type == "signal" else ""
    raise SignalRejected(
        "execution_intent.side",
        f"a '{intent_type}' {verb} the side its action trades, and TradingView sent a {action}, "
        f"which {verb} a {implied}, not a {SIDE_WORDS[word]}{hint}",
        "unsupported",
    )


def _reduce_fraction(intent: Mapping[str, object], prev: Decimal | None, now: Decimal | None) -> Decimal:
    fraction = number(intent, "fraction", "execution_intent.fraction", maximum=Decimal(2))
    if fraction is not None:
        if fraction > ONE:
            raise SignalRejected(
                "execution_intent.fraction", "must be at most 1 (the whole group)", "invalid"
            )
        return fraction
    if prev is not None and now is not None and prev > 0 and now < prev:
        return (prev - now) / prev
    raise SignalRejected(
        "execution_intent.fraction",
        "a 'reduce' needs a fraction in (0, 1], or TradingView's position sizes before and after",
        "missing",
    )


def _idempotency_key(values: Mapping[str, object], *, sent_at: datetime) -> str:
    """The user-independent part of the dedup key (the page: trade id + timestamp, else the same
    body within 60 s). Hashed so the key has a fixed length whatever the trader sends."""
    if values["trade_id"] is not None:
        material = f"{values['trade_id']}\x00{sent_at.isoformat()}"
        return "tid:" + hashlib.sha256(material.encode()).hexdigest()
    # Canonical body: the parsed fields (so "0.20" and 0.2, "BINANCE" and "binance" agree), without
    # the timestamp, which only picks the 60 s bucket. The secret is not among them.
    canonical = {
        name: (str(value.normalize()) if isinstance(value, Decimal) else value)
        for name, value in values.items()
        if name != "timestamp"
    }
    bucket = (sent_at - EPOCH) // timedelta(seconds=DEDUP_BUCKET_SECONDS)
    material = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"body:{bucket}:" + hashlib.sha256(material.encode()).hexdigest()
