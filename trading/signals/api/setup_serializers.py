"""Shapes of the Webhook setup page: the URL and secret, the templates for a chosen account and
DCA configuration, and the test alert's answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from trading.signals.alert_setup import AlertSetup
from trading.signals.alert_templates import KINDS, PLACEHOLDERS, SIZING_MODES
from trading.signals.api.serializers import SignalSerializer


class WebhookSecretSerializer(serializers.Serializer):
    url = serializers.CharField()
    secret = serializers.CharField()
    rotated_at = serializers.DateTimeField(allow_null=True)
    template = serializers.JSONField(
        allow_null=True, help_text="The strategy alert's message for your first account and DCA configuration"
    )


class AlertSetupQuerySerializer(serializers.Serializer):
    account = serializers.UUIDField(
        required=False, help_text="An exchange account id; default: the first usable"
    )
    dca_config = serializers.UUIDField(required=False, help_text="A DCA configuration id of that account")
    sizing = serializers.ChoiceField(
        choices=list(SIZING_MODES.items()),
        required=False,
        help_text="How entries are sized; default: dca_config when it has a capital per pyramid, "
        "else contracts",
    )
    amount = serializers.DecimalField(
        max_digits=30,
        decimal_places=12,
        min_value=Decimal(0),
        required=False,
        help_text="Quote amount per entry (quote sizing)",
    )


class AlertTestSerializer(AlertSetupQuerySerializer):
    template = serializers.ChoiceField(
        choices=list(KINDS), default="strategy", help_text="Which of the page's messages to send"
    )
    closing = serializers.BooleanField(
        default=False,
        help_text="For the strategy message: fill it as for an order that closes the long "
        "(else one that opens it)",
    )


class AlertAccountChoice(serializers.Serializer):
    id = serializers.UUIDField()
    exchange = serializers.CharField()
    label = serializers.CharField()
    mode = serializers.CharField()
    is_default = serializers.BooleanField()


class AlertConfigChoice(serializers.Serializer):
    id = serializers.UUIDField()
    account = serializers.UUIDField(source="account_id", allow_null=True)
    exchange = serializers.CharField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    capital_per_pyramid = serializers.DecimalField(max_digits=36, decimal_places=18, allow_null=True)


class AlertChart(serializers.Serializer):
    symbol = serializers.CharField()
    ticker = serializers.CharField(help_text="What TradingView's {{ticker}} says on that chart")
    timeframe = serializers.CharField()
    interval = serializers.CharField(help_text="What TradingView's {{interval}} says on that chart")


class AlertSizingMode(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    available = serializers.BooleanField()


class AlertPlaceholder(serializers.Serializer):
    placeholder = serializers.CharField()
    filled_with = serializers.CharField()


class AlertSetupSerializer(serializers.Serializer):
    url = serializers.CharField()
    url_warnings = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    accounts = AlertAccountChoice(many=True)
    dca_configs = AlertConfigChoice(many=True)
    account = serializers.UUIDField(allow_null=True)
    dca_config = serializers.UUIDField(allow_null=True)
    sizing = serializers.CharField()
    amount = serializers.DecimalField(max_digits=30, decimal_places=12, allow_null=True)
    sizing_modes = AlertSizingMode(many=True)
    chart = AlertChart(allow_null=True)
    placeholders = AlertPlaceholder(many=True)
    strategy = serializers.JSONField(
        allow_null=True, help_text="The strategy alert's message (every order; type auto), secret included"
    )
    entry = serializers.JSONField(
        allow_null=True, help_text="The entry message of other alerts, secret included"
    )
    exit = serializers.JSONField(
        allow_null=True, help_text="The exit message of other alerts, secret included"
    )

    @staticmethod
    def body(setup: AlertSetup) -> dict[str, Any]:
        config = setup.dca_config
        has_capital = bool(config and config.capital_per_pyramid)
        return {
            "url": setup.url,
            "url_warnings": setup.url_warnings,
            "warnings": setup.warnings,
            "accounts": setup.accounts,
            "dca_configs": setup.dca_configs,
            "account": setup.account.pk if setup.account else None,
            "dca_config": config.pk if config else None,
            "sizing": setup.sizing,
            "amount": setup.amount,
            "sizing_modes": [
                {"value": value, "label": label, "available": value != "dca_config" or has_capital}
                for value, label in SIZING_MODES.items()
            ],
            "chart": setup.chart,
            "placeholders": [{"placeholder": k, "filled_with": v} for k, v in PLACEHOLDERS.items()],
            "strategy": setup.template("strategy"),
            "entry": setup.template("entry"),
            "exit": setup.template("exit"),
        }


class AlertTestResultSerializer(serializers.Serializer):
    template = serializers.CharField()
    closing = serializers.BooleanField()
    sent = serializers.JSONField(help_text="The message as posted, the secret replaced by ***")
    http_status = serializers.IntegerField(help_text="The webhook's answer: 202 accepted, 4xx refused")
    response = serializers.JSONField(help_text="The webhook's answer body")
    signal = SignalSerializer(
        allow_null=True, help_text="The stored signal; poll GET /signals/{id} for the outcome"
    )
