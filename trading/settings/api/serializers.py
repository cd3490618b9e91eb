"""Shapes of the trading-config endpoints, for the OpenAPI schema. The service validates the input
(every field, every rule, in one 400), so these describe rather than check."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from trading.settings import presets


def _field(name: str, default: Any) -> serializers.Field:
    nullable = default is None
    if name in ("queue_rules", "task_schedule"):
        return serializers.ListField(child=serializers.DictField(), required=False)
    if isinstance(default, bool):
        return serializers.BooleanField(required=False)
    if isinstance(default, int):
        return serializers.IntegerField(required=False)
    if name == "ml_model_version":
        return serializers.IntegerField(
            required=False, allow_null=True, help_text="A verdict model version; null: the active model"
        )
    if name == "ml_combine":
        return serializers.CharField(required=False, help_text='"filter" or "require_both"')
    if name == "default_order_type":
        # A plain string: a second limit|market enum would collide with the DCA configs' in the schema.
        return serializers.CharField(required=False, help_text='"limit" or "market"')
    # Decimals travel as strings ("30", "-1.5"); optional limits are null when unset.
    return serializers.CharField(required=False, allow_null=nullable, help_text="Decimal as a string")


TradingConfigValuesSerializer = type(
    "TradingConfigValuesSerializer",
    (serializers.Serializer,),
    {name: _field(name, value) for name, value in presets.defaults().items()},
)


class TradingConfigSerializer(serializers.Serializer):
    config = TradingConfigValuesSerializer()
    defaults = TradingConfigValuesSerializer()
    differs_from_default = serializers.ListField(child=serializers.CharField())
    preset = serializers.CharField(allow_null=True, help_text="The preset the settings equal, if any")
    updated_at = serializers.DateTimeField()


class PresetSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=presets.PRESET_NAMES)
    label = serializers.CharField()
    description = serializers.CharField()
    values = TradingConfigValuesSerializer()
    changes_from_default = serializers.DictField()


class PresetListSerializer(serializers.Serializer):
    presets = PresetSerializer(many=True)
    kept_when_applied = serializers.ListField(child=serializers.CharField())
