"""The OpenAPI description of `POST /api/v1/webhooks/{user_id}`: what TradingView sends, every
answer, every refusal code (docs/user-guide/webhooks.md, section 3).

Documentation only: the view never runs these serializers. The body is read by
trading/signals/webhook.py, which names the first field it refuses; the schema describes the
template a trader pastes. The accepted words and the refusal codes are listed in descriptions,
not as enums: drf-spectacular makes every enum a component named after its field, and a second
`code` or `classification` enum would rename the existing ones (and the web app's types).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers

from config.api.schema_errors import COMPLETE_RESPONSES
from trading.signals.models import SignalStatus
from trading.signals.webhook import MAX_BODY_BYTES

# Every refusal code of trading/signals/webhook.py, webhook_fields.py and services.py, with what
# the trader should do (tests/trading/signals/test_webhook_schema.py finds them in the code).
BAD_REQUEST_CODES = {
    "invalid_body": "not JSON, or not an object, or a key twice in one object; paste the template again",
    "too_large": f"the body is over {MAX_BODY_BYTES // 1024} KiB; the template is about 1 KiB",
    "placeholder": "a `{{...}}` was not replaced by TradingView; use placeholders your alert type has",
    "missing": "a required field is empty or absent (the field is named in `errors`)",
    "invalid": "a value is not a number, a time, a symbol... (the field is named in `errors`)",
    "unsupported": "a value is not one of the accepted words (`buy`/`sell`, an intent type, ...)",
}
UNPROCESSABLE_CODES = {
    "stale": "older than your `max_signal_age_seconds` (300 s by default)",
    "future": "more than 60 s ahead of the server's clock; send `{{timenow}}`",
    "no_account": "no enabled account on that exchange, several and none default, or no such label",
    "unknown_symbol": "the exchange has no such market",
    "no_dca_config": "no DCA configuration for this symbol and timeframe on that account",
}

CLASSIFICATIONS = ("pending", "exit", "reduce", "reverse", "duplicate")
EXAMPLE_USER = "65c3230e-edeb-46cc-bff4-473203509462"
EXAMPLE_SIGNAL = "0b9e1c57-3f5d-4a8e-9f5e-2d6c1b7a4e10"


def _codes_description(codes: dict[str, str]) -> str:
    return "\n".join(f"* `{code}`: {meaning}" for code, meaning in codes.items())


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True})
class _Number(serializers.Field):
    """A number as TradingView fills it: text ("64250.5", as `{{close}}` renders) or a number."""


def _text(help_text: str = "", **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(help_text=help_text, allow_blank=True, **kwargs)


class WebhookTvSerializer(serializers.Serializer):
    exchange = serializers.CharField(help_text="`{{exchange}}`: the chart's exchange, e.g. BINANCE")
    symbol = serializers.CharField(help_text="`{{ticker}}`: BTCUSDT or BTC/USDT")
    timeframe = _Number(help_text="`{{interval}}`: 1, 60, 240, 1D, 1W...")
    action = serializers.CharField(help_text="buy or sell: `{{strategy.order.action}}`, or the word")
    market_position = _text("`{{strategy.market_position}}`: long, short or flat", required=False)
    market_position_size = _Number(required=False, help_text="`{{strategy.market_position_size}}`")
    prev_market_position = _text("`{{strategy.prev_market_position}}`", required=False)
    prev_market_position_size = _Number(required=False, help_text="`{{strategy.prev_market_position_size}}`")
    entry_price = _Number(required=False, help_text="the order's price; a signal needs it or close_price")
    close_price = _Number(required=False, help_text="`{{close}}`")
    order_size = _Number(required=False, help_text="`{{strategy.order.contracts}}`")


class WebhookStrategyInfoSerializer(serializers.Serializer):
    trade_id = _text("`{{strategy.order.id}}`: with the timestamp, the duplicate key", required=False)
    alert_name = _text(required=False)
    alert_message = _text(required=False)


class WebhookExecutionIntentSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="signal, exit, reduce, reverse, or auto (read from the strategy's position before "
        "and after the order: the strategy alert's one message for every order)"
    )
    side = _text("long/short (or buy/sell); follows from the action when absent", required=False)
    account = _text("the label of one of your accounts on that exchange", required=False)
    position_size_type = _text("quote, base or contracts", required=False)
    fraction = _Number(required=False, help_text="a reduce's share of the group, in (0, 1]")
    strategy = _text(required=False)
    precision_mode = _text(required=False)


class WebhookRiskSerializer(serializers.Serializer):
    stop_loss = _Number(required=False)
    take_profit = _Number(required=False)
    max_slippage_percent = _Number(required=False)


class WebhookAlertSerializer(serializers.Serializer):
    """The alert message of the Webhook setup page as TradingView fills it. Unknown keys are
    ignored, so a template may carry notes; an empty string is an absent value."""

    secret = serializers.CharField(help_text="Your webhook secret (Webhook setup page); never stored")
    source = _text("tradingview", required=False)
    timestamp = serializers.CharField(help_text="`{{timenow}}`: ISO 8601 with a zone, or epoch seconds")
    tv = WebhookTvSerializer()
    strategy_info = WebhookStrategyInfoSerializer(required=False)
    execution_intent = WebhookExecutionIntentSerializer()
    risk = WebhookRiskSerializer(required=False)


class WebhookAcceptedSerializer(serializers.Serializer):
    signal_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=SignalStatus.choices)
    classification = serializers.CharField(
        help_text=f"{', '.join(CLASSIFICATIONS)}: a first guess for a new signal (the engine decides "
        "entry or pyramid and updates the signal), duplicate for an alert that came before"
    )


def _refusal(name: str, codes: dict[str, str]) -> type[serializers.Serializer]:
    fields: dict[str, serializers.Field] = {
        "detail": serializers.CharField(help_text="`<field>: <reason>`"),
        "code": serializers.CharField(help_text="One of:\n" + _codes_description(codes)),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="The refused field with its reason (empty for a body that is not JSON)",
        ),
        "signal_id": serializers.UUIDField(
            required=False,
            allow_null=True,
            help_text="The refused signal in your log (absent when nothing could be kept)",
        ),
        "status": serializers.CharField(required=False, help_text="rejected (absent with no signal_id)"),
    }
    return type(name, (serializers.Serializer,), fields)


WebhookBadRequestSerializer = _refusal("WebhookBadRequestSerializer", BAD_REQUEST_CODES)
WebhookUnprocessableSerializer = _refusal("WebhookUnprocessableSerializer", UNPROCESSABLE_CODES)


class WebhookErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(
        help_text="authentication_failed (401), role_not_allowed (403), rate_limited or auth_throttled (429)"
    )
    errors = serializers.DictField(help_text="Always empty")


ALERT_EXAMPLE = {
    "secret": "<your webhook secret>",
    "source": "tradingview",
    "timestamp": "2026-12-05T13:00:00Z",
    "tv": {
        "exchange": "BINANCE",
        "symbol": "BTCUSDT",
        "timeframe": "60",
        "action": "buy",
        "market_position": "long",
        "market_position_size": "0.002",
        "prev_market_position": "flat",
        "prev_market_position_size": "0",
        "entry_price": "64250.5",
        "close_price": "64251",
        "order_size": "0.002",
    },
    "strategy_info": {"trade_id": "Long 1", "alert_name": "BTC Long", "alert_message": ""},
    "execution_intent": {"type": "signal", "side": "buy", "position_size_type": "quote"},
    "risk": {"stop_loss": None, "take_profit": None, "max_slippage_percent": 0.2},
}

DESCRIPTION = f"""
TradingView's alert, posted by TradingView to the URL of your Webhook setup page. **Public**: no
`Authorization` header and no CSRF token; the `secret` in the body proves the alert is yours.
TradingView sends the message as `text/plain`; `application/json` (or any other type) is read the
same way. Bodies over {MAX_BODY_BYTES // 1024} KiB are refused.

* `202`: accepted and queued; `200`: the same alert arrived before (the first signal's id, nothing
  done twice).
* `400`: the message is not the template; `422`: it is, but cannot be traded. Both are kept in
  your signals log as `rejected`, with `signal_id`.
* `401`: wrong or missing secret, unknown or inactive user, or a malformed URL: all alike, and
  nothing is stored.
* `403` `role_not_allowed`: the secret is right but your role (viewer) does not trade; nothing is
  stored, the refusal is in your audit trail.
* `429` `rate_limited`: more alerts than your limit (`WEBHOOK_RATE_LIMIT`, by default 60 a minute
  with bursts of 120); `Retry-After` says in how many seconds the next is taken. Only alerts with
  your secret count, so a stranger who knows the URL cannot use up your limit.
* `429` `auth_throttled`: too many requests with a wrong secret in 10 minutes (from one address
  for this URL, for this URL, or from one address for any URL) instead of a `401`; the right
  secret is still accepted.

**400 codes**

{_codes_description(BAD_REQUEST_CODES)}

**422 codes**

{_codes_description(UNPROCESSABLE_CODES)}
"""

EXAMPLES = [
    OpenApiExample(
        "A filled strategy alert", value=ALERT_EXAMPLE, request_only=True, media_type="text/plain"
    ),
    OpenApiExample(
        "A filled strategy alert", value=ALERT_EXAMPLE, request_only=True, media_type="application/json"
    ),
    OpenApiExample(
        "Accepted",
        value={"signal_id": EXAMPLE_SIGNAL, "status": "received", "classification": "pending"},
        response_only=True,
        status_codes=["202"],
    ),
    OpenApiExample(
        "Duplicate",
        value={"signal_id": EXAMPLE_SIGNAL, "status": "processed", "classification": "duplicate"},
        response_only=True,
        status_codes=["200"],
    ),
    OpenApiExample(
        "Placeholder left in",
        value={
            "detail": "tv.symbol: still holds a TradingView placeholder ('{{ticker}}'); it was not replaced",
            "code": "placeholder",
            "errors": {
                "tv.symbol": ["still holds a TradingView placeholder ('{{ticker}}'); it was not replaced"]
            },
            "signal_id": EXAMPLE_SIGNAL,
            "status": "rejected",
        },
        response_only=True,
        status_codes=["400"],
    ),
    OpenApiExample(
        "Not JSON",
        value={
            "detail": "body: is not valid JSON; check the alert message against the template",
            "code": "invalid_body",
            "errors": {"body": ["is not valid JSON; check the alert message against the template"]},
        },
        response_only=True,
        status_codes=["400"],
    ),
    OpenApiExample(
        "No DCA configuration",
        value={
            "detail": "tv.symbol: there is no DCA configuration for BTC/USDT 15m on binance (account "
            "'main'); create one under DCA configurations",
            "code": "no_dca_config",
            "errors": {
                "tv.symbol": [
                    "there is no DCA configuration for BTC/USDT 15m on binance (account 'main'); "
                    "create one under DCA configurations"
                ]
            },
            "signal_id": EXAMPLE_SIGNAL,
            "status": "rejected",
        },
        response_only=True,
        status_codes=["422"],
    ),
    OpenApiExample(
        "Wrong secret",
        value={"detail": "Invalid webhook secret.", "code": "authentication_failed", "errors": {}},
        response_only=True,
        status_codes=["401"],
    ),
    OpenApiExample(
        "Role does not trade",
        value={
            "detail": "Your role (viewer) does not trade, so your webhook refuses alerts; an admin can "
            "give you the trader role.",
            "code": "role_not_allowed",
            "errors": {},
        },
        response_only=True,
        status_codes=["403"],
    ),
    OpenApiExample(
        "Rate limited",
        value={"detail": "Too many alerts; retry in 2 s.", "code": "rate_limited", "errors": {}},
        response_only=True,
        status_codes=["429"],
    ),
    OpenApiExample(
        "Wrong secrets throttled",
        value={
            "detail": "Too many webhook requests with a wrong secret; retry in 412 s.",
            "code": "auth_throttled",
            "errors": {},
        },
        response_only=True,
        status_codes=["429"],
    ),
]

webhook_operation = extend_schema(
    operation_id="webhooks_receive",
    summary="Receive a TradingView alert (public: the secret is in the body)",
    description=DESCRIPTION,
    auth=[],
    # Every answer is listed below (an unknown user is a 401, never a 404): no shared ones added.
    extensions={COMPLETE_RESPONSES: True},
    parameters=[
        OpenApiParameter(
            "user_id",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description=f"Your user id, as in the webhook URL (e.g. {EXAMPLE_USER}); anything else is a 401",
        ),
        OpenApiParameter(
            "Retry-After",
            OpenApiTypes.INT,
            OpenApiParameter.HEADER,
            description="Seconds until the next alert is taken (or, for auth_throttled, until the "
            "window of wrong secrets ends)",
            response=[429],
        ),
    ],
    request={"text/plain": WebhookAlertSerializer, "application/json": WebhookAlertSerializer},
    responses={
        202: OpenApiResponse(
            WebhookAcceptedSerializer,
            description="Accepted and queued (also a resend of an alert stored but not processed yet)",
        ),
        200: OpenApiResponse(WebhookAcceptedSerializer, description="A duplicate of an earlier alert"),
        400: OpenApiResponse(
            WebhookBadRequestSerializer, description="Not the template (stored as rejected)"
        ),
        401: OpenApiResponse(WebhookErrorSerializer, description="Authentication failed; nothing stored"),
        403: OpenApiResponse(
            WebhookErrorSerializer, description="Your role does not trade (role_not_allowed); nothing stored"
        ),
        422: OpenApiResponse(
            WebhookUnprocessableSerializer, description="Cannot be traded (stored as rejected)"
        ),
        429: OpenApiResponse(
            WebhookErrorSerializer,
            description="Over your alert rate limit, or too many wrong secrets; see Retry-After",
        ),
    },
    examples=EXAMPLES,
)
