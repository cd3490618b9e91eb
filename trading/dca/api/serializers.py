"""DCA configuration shapes (reference/api.md, "Trading"). Decimals travel as strings.

Input bounds here only keep absurd values (huge, negative sizes, wrong types) out; the grid's
own rules (weights sum to 100, gaps fall, minimums) are checked by trading.dca.grid through the
services, which name the broken rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from trading.dca import services
from trading.dca.models import DCAConfig, EntryOrderType, Form, TpMode

PERCENT = {"max_digits": 20, "decimal_places": 10, "coerce_to_string": True, "normalize_output": True}
AMOUNT = {"max_digits": 36, "decimal_places": 18, "coerce_to_string": True, "normalize_output": True}
MAX_LEVELS = 100
MAX_SAFETY_ORDERS = 100


def _percent(*, low: int = -1000, high: int = 1000, **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(min_value=Decimal(low), max_value=Decimal(high), **PERCENT, **kwargs)


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(min_value=Decimal(0), **AMOUNT, **kwargs)


class LevelSerializer(serializers.Serializer):
    gap_percent = _percent(help_text="0 for the entry, negative below it (-2 = 2 % lower)")
    weight_percent = _percent(help_text="Share of the pyramid's capital; all levels sum to 100")
    tp_percent = _percent(help_text="Take-profit from the leg's fill price")


class PlainDecimalField(serializers.DecimalField):
    """Output as computed, in plain notation: a price keeps its tick's digits ("59400.00")."""

    def to_representation(self, value: Decimal) -> str:
        return format(value, "f")


class DCAConfigSerializer(serializers.ModelSerializer):
    """A DCA configuration as stored; in the 3Commas form `levels` is the expanded grid."""

    levels = serializers.ListField(child=LevelSerializer(), read_only=True)
    pyramid_levels = serializers.DictField(
        child=serializers.ListField(child=LevelSerializer()), read_only=True, allow_null=True
    )

    class Meta:
        model = DCAConfig
        fields = ("id", *services.EDITABLE, "created_at", "updated_at")
        read_only_fields = fields

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.DecimalField):
            kwargs["normalize_output"] = True  # "1", not "1.000000000000000000"
        return field_class, kwargs


class GridInputSerializer(serializers.Serializer):
    """The grid part of a configuration, in either form (shared with the preview)."""

    form = serializers.ChoiceField(
        choices=Form.choices, required=False, help_text="Inferred from the fields sent when omitted"
    )
    levels = serializers.ListField(child=LevelSerializer(), required=False, max_length=MAX_LEVELS)
    base_order = _amount(required=False, allow_null=True)
    safety_order = _amount(required=False, allow_null=True)
    safety_orders = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_SAFETY_ORDERS
    )
    step_percent = _percent(low=0, high=100, required=False, allow_null=True)
    step_scale = _percent(low=0, high=100, required=False, allow_null=True)
    volume_scale = _percent(low=0, high=100, required=False, allow_null=True)
    active_safety_orders = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_SAFETY_ORDERS
    )
    tp_aggregate_percent = _percent(low=0, required=False)


class DCAConfigWriteSerializer(GridInputSerializer):
    account = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="One of your exchange accounts; empty: the exchange default",
    )
    exchange = serializers.CharField(max_length=32)
    symbol = serializers.CharField(max_length=32, help_text="BTC/USDT or BTCUSDT")
    timeframe = serializers.CharField(
        max_length=10, required=False, allow_blank=True, help_text="1h, 15, 1D...; empty: any timeframe"
    )
    pyramid_levels = serializers.DictField(
        child=serializers.ListField(child=LevelSerializer(), max_length=MAX_LEVELS),
        required=False,
        allow_null=True,
        help_text='Grids for pyramid N: {"1": [levels], ...}; others use `levels`',
    )
    entry_order_type = serializers.ChoiceField(choices=EntryOrderType.choices, required=False)
    tp_mode = serializers.ChoiceField(choices=TpMode.choices, required=False)
    trailing_deviation_percent = _percent(low=0, high=100, required=False, allow_null=True)
    stop_loss_percent = _percent(low=0, high=100, required=False, allow_null=True)
    max_pyramids = serializers.IntegerField(required=False, min_value=1, max_value=100)
    cancel_dca_beyond_percent = _percent(low=0, required=False, allow_null=True)
    capital_per_pyramid = _amount(required=False, allow_null=True)
    max_total_exposure = _amount(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Zero is "no value" for none of these: a 0 % stop or a 0 capital is a mistake.
        for name in (
            "trailing_deviation_percent",
            "stop_loss_percent",
            "cancel_dca_beyond_percent",
            "capital_per_pyramid",
            "max_total_exposure",
        ):
            if attrs.get(name) is not None and attrs[name] <= 0:
                raise serializers.ValidationError({name: ["Must be positive (leave empty for none)."]})
        return attrs


class PreviewRequestSerializer(GridInputSerializer):
    exchange = serializers.CharField(max_length=32)
    symbol = serializers.CharField(max_length=32, help_text="BTC/USDT or BTCUSDT")
    entry_price = _amount(
        required=False, allow_null=True, help_text="Empty: the exchange's last price for the symbol"
    )
    capital = _amount(
        required=False,
        allow_null=True,
        help_text="The pyramid's capital in quote; empty in the 3Commas form: base + safety orders",
    )


_PLAIN = {"max_digits": 36, "decimal_places": 18}


class LegSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    price = PlainDecimalField(**_PLAIN, help_text="Limit price, on the tick")
    quantity = PlainDecimalField(**_PLAIN, help_text="Base quantity, on the step")
    notional = PlainDecimalField(**_PLAIN)
    tp_price = PlainDecimalField(**_PLAIN, help_text="Per-leg take-profit if filled at `price`")
    deviation_percent = PlainDecimalField(**_PLAIN, help_text="From the entry, negative below it")
    cumulative_quantity = PlainDecimalField(**_PLAIN, help_text="Base quantity once this leg fills")
    cumulative_notional = PlainDecimalField(**_PLAIN, help_text="Quote spent once this leg fills")
    average_price = PlainDecimalField(**_PLAIN, help_text="Average entry once this leg fills, on the tick")
    average_tp_price = PlainDecimalField(
        **_PLAIN, help_text="Aggregate take-profit (tp_aggregate_percent above the average)"
    )
    rebound_percent = PlainDecimalField(
        **_PLAIN, help_text="Rise needed from `price` to `average_tp_price`, in percent"
    )


class PreviewSerializer(serializers.Serializer):
    entry_price = PlainDecimalField(**_PLAIN)
    entry_price_source = serializers.ChoiceField(
        choices=(("given", "given"), ("ticker", "ticker")), help_text="ticker: the last price, not sent"
    )
    capital = PlainDecimalField(**_PLAIN)
    capital_source = serializers.ChoiceField(
        choices=(("given", "given"), ("threecommas", "threecommas")),
        help_text="threecommas: base order + safety orders",
    )
    tick_size = PlainDecimalField(**_PLAIN)
    step_size = PlainDecimalField(**_PLAIN)
    tp_aggregate_percent = PlainDecimalField(**_PLAIN)
    legs = LegSerializer(many=True)
    total_notional = PlainDecimalField(**_PLAIN)
    max_deviation_percent = PlainDecimalField(
        **_PLAIN, help_text="How far below the entry the last leg sits (3Commas' max deviation covered)"
    )
