from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brokers.models import ExchangeConfig, Mode


class AssetBalanceSerializer(serializers.Serializer):
    asset = serializers.CharField()
    free = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True, read_only=True
    )
    total = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True, read_only=True
    )


class ExchangeConfigSerializer(serializers.ModelSerializer):
    """An account as its owner sees it: the key masked, the secret never."""

    api_key = serializers.CharField(source="masked_key", read_only=True)
    balances = serializers.SerializerMethodField(
        help_text="Non-zero balances as the last successful validation read them (balances_at)"
    )

    @extend_schema_field(AssetBalanceSerializer(many=True))
    def get_balances(self, config: ExchangeConfig) -> list[dict[str, str]]:
        stored = config.balances if isinstance(config.balances, dict) else {}
        return [
            {"asset": asset, "free": amounts.get("free", "0"), "total": amounts.get("total", "0")}
            for asset, amounts in sorted(stored.items())
            if isinstance(amounts, dict)
        ]

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
            "balances",
            "balances_at",
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
    # A stock broker's login (Kotak Neo; api_key/api_secret are its consumer key and secret).
    # Write-only: no answer ever carries them back.
    mobile_number = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="Kotak Neo: the registered mobile number, 10 digits, +91 optional",
    )
    ucc = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="Kotak Neo: the Unique Client Code",
    )
    mpin = serializers.CharField(
        max_length=6,
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="Kotak Neo: the 4-6 digit MPIN",
    )
    totp_secret = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="Kotak Neo: the base32 TOTP secret from the authenticator set-up",
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


class CredentialFieldSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The field of POST keys/{exchange}")
    label = serializers.CharField()
    secret = serializers.BooleanField(help_text="Typed like a password and never shown again")
    help = serializers.CharField()


class ExchangeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    modes = serializers.ListField(child=serializers.CharField())
    asset_class = serializers.ChoiceField(choices=["crypto", "equities"])
    credential_fields = CredentialFieldSerializer(
        many=True, help_text="What the add-account form asks for; empty when the account is made for you"
    )


def _money(**kwargs: object) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, normalize_output=True, **kwargs
    )


class HoldingSerializer(serializers.Serializer):
    symbol = serializers.CharField(help_text="NSE symbol, e.g. RELIANCE")
    quantity = _money(help_text="Every delivery share, T1 included")
    sellable_quantity = _money(help_text="What may be sold today")
    average_price = _money()
    last_price = _money(allow_null=True)
    market_value = _money(allow_null=True)
    unrealized_pnl = _money(allow_null=True)


class EquityPositionSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    product = serializers.CharField(help_text="CNC (delivery) or MIS (intraday)")
    buy_quantity = _money()
    sell_quantity = _money()
    net_quantity = _money()
    buy_amount = _money(help_text="INR paid for today's buys")
    sell_amount = _money(help_text="INR received for today's sells")
    last_price = _money(allow_null=True)


class FundsSerializer(serializers.Serializer):
    available_cash = _money(help_text="What new orders may use")
    used_margin = _money(help_text="Held by open orders and today's trades")
    collateral = _money()
    total = _money()
    currency = serializers.CharField()


class EquityOrderSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The broker's order number")
    client_order_id = serializers.CharField()
    symbol = serializers.CharField()
    side = serializers.CharField()
    type = serializers.CharField()
    product = serializers.CharField()
    amo = serializers.BooleanField(help_text="After-market order, filled at the next open")
    status = serializers.CharField(help_text="open, closed, canceled, rejected or expired")
    broker_status = serializers.CharField(help_text="The broker's own word for the state")
    quantity = _money(source="amount")
    filled = _money()
    price = _money(allow_null=True)
    average = _money(allow_null=True)
    reject_reason = serializers.CharField(help_text="The broker's reason, as it gave it")
    created_at = serializers.DateTimeField(allow_null=True)


class SimulatorPriceSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=30, decimal_places=12, min_value=0)

    def validate_price(self, value):
        if value <= 0:
            raise serializers.ValidationError("The price must be positive.")
        return value
