"""The TradingView webhook body: what parses, what is rejected (and names the field), dedup keys."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trading.signals.webhook import ParsedSignal, SignalRejected, decode_body, extract_secret, parse_webhook

NOW = datetime(2024, 1, 1, 12, 0, 30, tzinfo=UTC)
SECRET = "wh_sec_9f8e7d6c5b4a3210ZZqq"

# The semantics page's template as TradingView fills it for a BTC long entry.
BTC_ENTRY: dict[str, object] = {
    "secret": SECRET,
    "source": "tradingview",
    "timestamp": "2024-01-01T12:00:00Z",
    "tv": {
        "exchange": "BINANCE",
        "symbol": "BTCUSDT",
        "timeframe": "15",
        "action": "buy",
        "market_position": "long",
        "market_position_size": "0.015",
        "prev_market_position": "flat",
        "prev_market_position_size": "0",
        "entry_price": "43250.5",
        "close_price": 43251.25,
        "order_size": "0.015",
    },
    "strategy_info": {"trade_id": "Long#1", "alert_name": "BTC Long Entry", "alert_message": "DCA entry"},
    "execution_intent": {
        "type": "signal",
        "side": "buy",
        "strategy": "grid",
        "position_size_type": "quote",
        "precision_mode": "auto",
    },
    "risk": {"stop_loss": None, "take_profit": None, "max_slippage_percent": 0.2},
}


def alert(**changes: object) -> dict[str, object]:
    """BTC_ENTRY with dotted-path changes; a value of ... deletes the key."""
    body = copy.deepcopy(BTC_ENTRY)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = body
        for name in parents:
            target = target[name]  # type: ignore[assignment]  # test data is nested dicts
        if value is ...:
            target.pop(last, None)
        else:
            target[last] = value
    return body


def rejected(body: object, **kwargs: object) -> SignalRejected:
    with pytest.raises(SignalRejected) as info:
        parse_webhook(body, now=NOW, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_the_filled_template_parses_into_the_signal_a_trader_meant() -> None:
    signal = parse_webhook(BTC_ENTRY, now=NOW)

    assert signal.secret == SECRET
    assert signal.source == "tradingview"
    assert signal.timestamp == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert signal.exchange == "binance"
    assert signal.account_label is None
    assert signal.symbol == "BTCUSDT"
    assert (signal.timeframe, signal.timeframe_seconds) == ("15m", 900)
    assert (signal.action, signal.side, signal.intent_type) == ("buy", "long", "signal")
    assert (signal.market_position, signal.market_position_size) == ("long", Decimal("0.015"))
    assert (signal.prev_market_position, signal.prev_market_position_size) == ("flat", Decimal(0))
    assert signal.entry_price == Decimal("43250.5")
    assert signal.close_price == Decimal("43251.25")
    assert signal.price == Decimal("43250.5")
    assert (signal.order_size, signal.position_size_type) == (Decimal("0.015"), "quote")
    assert signal.reduce_fraction is None
    assert (signal.trade_id, signal.alert_name, signal.alert_message) == (
        "Long#1",
        "BTC Long Entry",
        "DCA entry",
    )
    assert (signal.strategy, signal.precision_mode) == ("grid", "auto")
    assert (signal.stop_loss, signal.take_profit) == (None, None)
    assert signal.max_slippage_percent == Decimal("0.2")  # via str(0.2), not Decimal(0.2)


def test_the_secret_is_not_in_the_repr_of_a_signal() -> None:
    assert SECRET not in repr(parse_webhook(BTC_ENTRY, now=NOW))


def test_simulator_account_label_and_lower_case_symbol() -> None:
    signal = parse_webhook(
        alert(tv__exchange="SIMULATOR", tv__symbol="btc/usdt", execution_intent__account="Main"), now=NOW
    )
    assert (signal.exchange, signal.symbol, signal.account_label) == ("simulator", "BTC/USDT", "Main")


def test_an_exit_for_a_long_is_a_sell() -> None:
    signal = parse_webhook(
        alert(tv__action="sell", execution_intent__type="exit", execution_intent__side="long"), now=NOW
    )
    assert (signal.intent_type, signal.side) == ("exit", "long")


def test_a_short_entry_is_a_sell_and_side_follows_the_action_when_absent() -> None:
    signal = parse_webhook(alert(tv__action="SELL", execution_intent__side=...), now=NOW)
    assert (signal.action, signal.side) == ("sell", "short")


def test_a_reverse_names_the_side_it_opens() -> None:
    signal = parse_webhook(
        alert(tv__action="sell", execution_intent__type="reverse", execution_intent__side="short"), now=NOW
    )
    assert signal.side == "short"


def test_a_reduce_takes_the_fraction_sent() -> None:
    body = alert(tv__action="sell", execution_intent__type="reduce", execution_intent__side=...)
    body["execution_intent"]["fraction"] = "0.25"  # type: ignore[index]
    assert parse_webhook(body, now=NOW).reduce_fraction == Decimal("0.25")


def test_a_reduce_without_a_fraction_derives_it_from_tradingviews_sizes() -> None:
    body = alert(
        tv__action="sell",
        execution_intent__type="reduce",
        execution_intent__side=...,
        tv__prev_market_position_size="0.4",
        tv__market_position_size="0.1",
    )
    assert parse_webhook(body, now=NOW).reduce_fraction == Decimal("0.75")


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("2024-01-01T12:00:00Z", datetime(2024, 1, 1, 12, 0, tzinfo=UTC)),
        ("2024-01-01T14:00:00+02:00", datetime(2024, 1, 1, 12, 0, tzinfo=UTC)),
        (1704110400, datetime(2024, 1, 1, 12, 0, tzinfo=UTC)),
        ("1704110400", datetime(2024, 1, 1, 12, 0, tzinfo=UTC)),
        (1704110400500, datetime(2024, 1, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        (1704110400.25, datetime(2024, 1, 1, 12, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_timestamps_in_iso_and_epoch_seconds_or_milliseconds(sent: object, expected: datetime) -> None:
    assert parse_webhook(alert(timestamp=sent), now=NOW).timestamp == expected


@pytest.mark.parametrize(
    ("interval", "canonical", "seconds"),
    [
        ("1", "1m", 60),
        ("5", "5m", 300),
        ("15", "15m", 900),
        ("45", "45m", 2700),
        ("60", "1h", 3600),
        ("120", "2h", 7200),
        ("240", "4h", 14400),
        ("1440", "1d", 86400),
        ("30S", "30s", 30),
        ("D", "1d", 86400),
        ("1D", "1d", 86400),
        ("3D", "3d", 259200),
        ("W", "1w", 604800),
        ("1W", "1w", 604800),
        ("M", "1M", 2592000),
        ("1M", "1M", 2592000),
        ("3M", "3M", 7776000),
        ("4h", "4h", 14400),
        ("15m", "15m", 900),
        (15, "15m", 900),
    ],
)
def test_tradingview_intervals_normalize_to_one_canonical_timeframe(
    interval: object, canonical: str, seconds: int
) -> None:
    signal = parse_webhook(alert(tv__timeframe=interval), now=NOW)
    assert (signal.timeframe, signal.timeframe_seconds) == (canonical, seconds)


# -- rejections: each names the field and carries a machine code ---------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"timestamp": "{{timenow}}"}, "timestamp", "placeholder"),
        ({"tv__symbol": "{{ticker}}"}, "tv.symbol", "placeholder"),
        ({"tv__exchange": "{{exchange}}"}, "tv.exchange", "placeholder"),
        ({"tv__timeframe": "{{interval}}"}, "tv.timeframe", "placeholder"),
        ({"tv__action": "{{strategy.order.action}}"}, "tv.action", "placeholder"),
        ({"tv__entry_price": "{{strategy.order.price}}"}, "tv.entry_price", "placeholder"),
        (
            {"tv__market_position_size": "{{strategy.market_position_size}}"},
            "tv.market_position_size",
            "placeholder",
        ),
        ({"strategy_info__trade_id": "{{strategy.order.id}}"}, "strategy_info.trade_id", "placeholder"),
        (
            {"strategy_info__alert_message": "x {{strategy.order.comment}}"},
            "strategy_info.alert_message",
            "placeholder",
        ),
        ({"secret": "{{secret}}"}, "secret", "placeholder"),
        ({"secret": ...}, "secret", "missing"),
        ({"secret": 12345}, "secret", "invalid"),
        ({"timestamp": ...}, "timestamp", "missing"),
        ({"timestamp": "2024-01-01T11:54:59Z"}, "timestamp", "stale"),
        ({"timestamp": "2024-01-01T12:01:31Z"}, "timestamp", "future"),
        ({"timestamp": "2024-01-01T12:00:00"}, "timestamp", "invalid"),
        ({"timestamp": "yesterday"}, "timestamp", "invalid"),
        ({"timestamp": -5}, "timestamp", "invalid"),
        ({"timestamp": "0001-01-01T00:00:00+14:00"}, "timestamp", "invalid"),
        ({"timestamp": "9999-12-31T23:59:59-14:00"}, "timestamp", "invalid"),
        ({"timestamp": 10**15}, "timestamp", "invalid"),
        ({"tv": ...}, "tv", "missing"),
        ({"tv": ["BINANCE"]}, "tv", "invalid"),
        ({"execution_intent": ...}, "execution_intent", "missing"),
        ({"risk": "none"}, "risk", "invalid"),
        ({"tv__exchange": ...}, "tv.exchange", "missing"),
        ({"tv__exchange": "BIN ANCE"}, "tv.exchange", "invalid"),
        ({"tv__symbol": ""}, "tv.symbol", "missing"),
        ({"tv__symbol": "BTC USDT"}, "tv.symbol", "invalid"),
        ({"tv__symbol": ["BTCUSDT"]}, "tv.symbol", "invalid"),
        ({"tv__timeframe": "7X"}, "tv.timeframe", "invalid"),
        ({"tv__timeframe": "0"}, "tv.timeframe", "invalid"),
        ({"tv__timeframe": "99999D"}, "tv.timeframe", "invalid"),
        ({"tv__action": "hold"}, "tv.action", "unsupported"),
        ({"tv__action": True}, "tv.action", "invalid"),
        ({"tv__market_position": "sideways"}, "tv.market_position", "unsupported"),
        ({"execution_intent__type": "hedge"}, "execution_intent.type", "unsupported"),
        ({"execution_intent__type": ...}, "execution_intent.type", "missing"),
        ({"execution_intent__side": "sell"}, "execution_intent.side", "unsupported"),
        ({"execution_intent__side": "up"}, "execution_intent.side", "unsupported"),
        (
            {"execution_intent__position_size_type": "lots"},
            "execution_intent.position_size_type",
            "unsupported",
        ),
        ({"tv__entry_price": "NaN"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": "Infinity"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": float("inf")}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": float("nan")}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": "-1"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": 0}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": "1e400"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": "1e-40"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": 10**5000}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": "1_000"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": "43,250.5"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": "٤٣"}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": True}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": {"value": 1}}, "tv.entry_price", "invalid"),
        ({"tv__entry_price": ..., "tv__close_price": ...}, "tv.entry_price", "missing"),
        ({"tv__order_size": "-0.5"}, "tv.order_size", "invalid"),
        ({"tv__market_position_size": "-1"}, "tv.market_position_size", "invalid"),
        ({"risk__stop_loss": "0"}, "risk.stop_loss", "invalid"),
        ({"risk__max_slippage_percent": 150}, "risk.max_slippage_percent", "invalid"),
    ],
)
def test_a_bad_alert_is_rejected_with_the_field_named(
    changes: dict[str, object], field: str, code: str
) -> None:
    error = rejected(alert(**changes))
    assert (error.field, error.code) == (field, code)
    assert error.reason
    assert field in str(error)


def test_the_age_limit_is_the_users() -> None:
    body = alert(timestamp="2024-01-01T11:59:00Z")
    assert rejected(body, max_age_seconds=60).code == "stale"
    assert parse_webhook(body, now=NOW, max_age_seconds=120).timestamp.minute == 59


def test_a_reduce_without_any_fraction_is_rejected() -> None:
    error = rejected(alert(tv__action="sell", execution_intent__type="reduce", execution_intent__side=...))
    assert (error.field, error.code) == ("execution_intent.fraction", "missing")


def test_a_reduce_fraction_above_one_is_rejected() -> None:
    body = alert(tv__action="sell", execution_intent__type="reduce", execution_intent__side=...)
    body["execution_intent"]["fraction"] = "1.5"  # type: ignore[index]
    assert rejected(body).field == "execution_intent.fraction"


def test_a_long_signal_that_sells_tells_the_trader_to_use_exit() -> None:
    error = rejected(alert(tv__action="sell"))
    assert error.field == "execution_intent.side"
    assert "exit" in error.reason


@pytest.mark.parametrize("body", [None, [], "text", 42, [BTC_ENTRY]])
def test_a_body_that_is_not_an_object_is_rejected(body: object) -> None:
    assert rejected(body).field == "body"


def test_a_secret_pasted_into_another_field_is_not_echoed() -> None:
    error = rejected(alert(tv__symbol=f"{SECRET} x"))
    assert SECRET not in str(error)
    assert SECRET not in error.reason


# -- extract_secret and decode_body ---------------------------------------------------------------


def test_extract_secret_returns_the_secret_only() -> None:
    assert extract_secret(BTC_ENTRY) == SECRET


@pytest.mark.parametrize(
    "body", [{}, {"secret": ""}, {"secret": "  "}, {"secret": None}, {"secret": ["x"]}, "x", None]
)
def test_extract_secret_rejects_what_is_not_a_secret(body: object) -> None:
    with pytest.raises(SignalRejected):
        extract_secret(body)


def test_decode_body_reads_the_text_plain_json_tradingview_sends() -> None:
    assert decode_body(json.dumps(BTC_ENTRY).encode()) == BTC_ENTRY
    assert decode_body(b"\xef\xbb\xbf" + json.dumps(BTC_ENTRY).encode()) == BTC_ENTRY


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"BTCUSDT buy", "invalid_body"),
        (b"", "invalid_body"),
        (b"[1, 2]", "invalid_body"),
        (b'"text"', "invalid_body"),
        (b"\xff\xfe{}", "invalid_body"),
        (b'{"price": NaN}', "invalid_body"),
        (b'{"price": Infinity}', "invalid_body"),
        (b"[" * 50_000 + b"]" * 50_000, "too_large"),
        (b"[" * 30_000 + b"]" * 30_000, "invalid_body"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "invalid_body"),
        (b'{"n": ' + b"9" * 5000 + b"}", "invalid_body"),
        (b'{"pad": "' + b"x" * 70_000 + b'"}', "too_large"),
    ],
)
def test_decode_body_rejects_what_is_not_one_json_object(raw: bytes, code: str) -> None:
    with pytest.raises(SignalRejected) as info:
        decode_body(raw)
    assert (info.value.field, info.value.code) == ("body", code)


def test_decode_body_names_a_key_sent_twice() -> None:
    with pytest.raises(SignalRejected) as info:
        decode_body(b'{"tv": {"action": "buy", "action": "sell"}}')
    assert (info.value.field, info.value.code) == ("action", "invalid_body")


# -- idempotency ----------------------------------------------------------------------------------


def key(body: dict[str, object]) -> str:
    return parse_webhook(body, now=NOW).idempotency_key


def test_the_same_alert_twice_has_the_same_key() -> None:
    assert key(BTC_ENTRY) == key(copy.deepcopy(BTC_ENTRY))
    assert key(BTC_ENTRY) == key(decode_body(json.dumps(BTC_ENTRY).encode()))


def test_the_key_is_trade_id_and_timestamp_when_both_are_sent() -> None:
    assert key(BTC_ENTRY) != key(alert(strategy_info__trade_id="Long#2"))
    assert key(BTC_ENTRY) != key(alert(timestamp="2024-01-01T12:00:01Z"))
    # The same order id at the same moment is the same signal, whatever else the body says.
    assert key(BTC_ENTRY) == key(alert(tv__close_price="43300"))
    # ...and the same moment written as epoch seconds is the same moment.
    assert key(BTC_ENTRY) == key(alert(timestamp=1704110400))


def test_the_key_ignores_the_secret() -> None:
    assert key(BTC_ENTRY) == key(alert(secret="another-secret-value"))


def test_without_a_trade_id_the_same_body_in_the_same_minute_is_the_same_signal() -> None:
    no_id = alert(strategy_info__trade_id=...)
    assert key(no_id) == key(alert(strategy_info__trade_id=..., timestamp="2024-01-01T12:00:20Z"))
    assert key(no_id) == key(
        alert(strategy_info__trade_id=..., tv__exchange="binance", tv__entry_price=43250.50)
    )
    assert key(no_id) != key(alert(strategy_info__trade_id=..., timestamp="2024-01-01T12:01:00Z"))
    assert key(no_id) != key(alert(strategy_info__trade_id=..., tv__close_price="43300"))
    assert key(no_id) != key(alert(strategy_info__trade_id=..., tv__symbol="ETHUSDT"))
    assert key(no_id) != key(BTC_ENTRY)


# -- properties -----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
odd_scalars = st.sampled_from(
    [
        "",
        " ",
        "{{ticker}}",
        "NaN",
        "-0",
        "1e999",
        "1e-999",
        "0x10",
        "١٢",
        "ℵ",
        "\x00",
        "D",
        "0001-01-01T00:00:00+14:00",
        "2024-01-01T12:00:10Z",
        "1M",
        "sell",
        10**40,
        -(10**40),
        2**63,
        1e308,
        -1e-308,
        float("inf"),
        float("nan"),
        True,
        False,
        None,
        [],
        {},
    ]
)
paths = [
    (),
    ("tv",),
    ("execution_intent",),
    ("strategy_info",),
    ("risk",),
]


@st.composite
def mutated_alerts(draw: st.DrawFn) -> dict[str, object]:
    body = copy.deepcopy(BTC_ENTRY)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        parent = body
        for name in draw(st.sampled_from(paths)):
            child = parent.get(name)
            if not isinstance(child, dict):
                break
            parent = child
        if not parent:
            continue
        name = draw(st.sampled_from(sorted(parent)))
        move = draw(st.sampled_from(["drop", "json", "odd", "upper", "fraction"]))
        if move == "drop":
            parent.pop(name)
        elif move == "json":
            parent[name] = draw(json_values)
        elif move == "odd":
            parent[name] = draw(odd_scalars)
        elif move == "upper" and isinstance(parent[name], str):
            parent[name] = parent[name].upper()
        elif move == "fraction":
            parent["fraction"] = draw(json_values | odd_scalars)
    return body


def parses_or_rejects(body: object) -> ParsedSignal | SignalRejected:
    try:
        return parse_webhook(body, now=NOW)
    except SignalRejected as error:
        return error


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_parses_or_is_rejected(body: object) -> None:
    outcome = parses_or_rejects(body)
    assert isinstance(outcome, SignalRejected | ParsedSignal)


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_alerts())
def test_any_mutated_alert_parses_or_is_rejected_and_never_shows_the_secret(body: dict[str, object]) -> None:
    outcome = parses_or_rejects(body)
    secret = body.get("secret")
    if isinstance(outcome, ParsedSignal):
        # Shorter "secrets" are ordinary words ("buy") that may well appear elsewhere.
        assert len(outcome.secret) < 8 or outcome.secret not in repr(outcome)
        assert all(v is None or not isinstance(v, float) for v in vars_of(outcome))
    elif isinstance(secret, str) and len(secret) >= 8:
        assert secret not in str(outcome)


@settings(max_examples=300)
@given(st.text(min_size=8, max_size=40).filter(lambda s: "{{" not in s and s.strip() == s), st.data())
def test_a_secret_placed_in_any_field_is_never_echoed(secret: str, data: st.DataObject) -> None:
    place = draw_placement(data)
    shown = shown_for(mutated_alert_with_secret(secret, place))
    # A "secret" that is part of what the answer says anyway (a field name such as
    # strategy_info.alert_name for the secret "alert_na") is not an echo of it.
    assume(secret not in shown_for(mutated_alert_with_secret("q" * 41, place)))
    assert secret not in shown


def shown_for(body: dict[str, object]) -> str:
    outcome = parses_or_rejects(body)
    return repr(outcome) if isinstance(outcome, ParsedSignal) else str(outcome)


def draw_placement(data: st.DataObject) -> tuple[str, str, str]:
    body = alert(secret="x")
    block = data.draw(st.sampled_from(["tv", "execution_intent", "strategy_info", "risk"]))
    name = data.draw(st.sampled_from(sorted(body[block])))  # type: ignore[arg-type]
    form = data.draw(st.sampled_from(["{}", "x{}", "{}{{{{x}}}}"]))
    return block, name, form


def mutated_alert_with_secret(secret: str, place: tuple[str, str, str]) -> dict[str, object]:
    block, name, form = place
    body = alert(secret=secret)
    body[block][name] = form.format(secret)  # type: ignore[index]
    return body


@settings(max_examples=300)
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_decode_body_returns_a_dict_or_rejects(raw: bytes) -> None:
    try:
        assert isinstance(decode_body(raw), dict)
    except SignalRejected:
        pass


def vars_of(signal: ParsedSignal) -> list[object]:
    return [getattr(signal, name) for name in signal.__slots__]  # type: ignore[attr-defined]
