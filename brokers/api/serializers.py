from __future__ import annotations

from rest_framework import serializers

from brokers.models import ExchangeConfig, Mode


class ExchangeConfigSerializer(serializers.ModelSerializer):
    """An account as its owner sees it: the key masked, the secret never."""

    api_key = serializers.CharField(source="masked_key", read_only=True)

    class Meta:
        model = ExchangeConfig
        fields = (
            "id",
            "exchange",
            "label",
            "mode",
            "api_key",
            "price_source",
            "is_enabled",
            "is_default",
            "is_validated",
            "last_validated",
            "last_error",
            "can_withdraw",
            "created_at",
        )
        read_only_fields = fields


class ExchangeConfigCreateSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=Mode.choices)
    api_key = serializers.CharField(
        max_length=512, required=False, allow_blank=True, default="", trim_whitespace=True
    )
    api_secret = serializers.CharField(
        max_length=2048, required=False, allow_blank=True, default="", trim_whitespace=True
    )
    password = serializers.CharField(
        max_length=512,
        required=False,
        allow_blank=True,
        default="",
        help_text="API passphrase, for exchanges that need one (OKX, KuCoin, ...)",
    )
    label = serializers.RegexField(
        r"^[\w.-]{1,64}$",
        required=False,
        default="default",
        help_text="Letters, digits, . _ - (to tell several accounts apart)",
    )
    price_source = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Paper accounts: the exchange whose prices fill orders",
    )


class ModeSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=Mode.choices)


class MarketSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    base = serializers.CharField()
    quote = serializers.CharField()
    tick_size = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True
    )
    step_size = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True
    )
    min_qty = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True
    )
    min_notional = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True
    )


class ExchangeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    modes = serializers.ListField(child=serializers.CharField())


class SimulatorPriceSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=30, decimal_places=12, min_value=0)

    def validate_price(self, value):
        if value <= 0:
            raise serializers.ValidationError("The price must be positive.")
        return value
