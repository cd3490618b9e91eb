from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ops.monitoring.alerts import RULES
from ops.monitoring.models import AlertEvent, AlertRule
from ops.monitoring.windows import WINDOWS


def plain(value: Decimal | None) -> str | None:
    """ "500", "12.5": a figure as the admin typed it, without the column's trailing zeros."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return format(value.normalize(), "f")
    return format(value, "f").rstrip("0")


@extend_schema_field(OpenApiTypes.STR)
class PlainDecimalField(serializers.Field):
    def to_representation(self, value: Decimal | None) -> str | None:
        return plain(value)


class PerformanceQuerySerializer(serializers.Serializer):
    window = serializers.ChoiceField(choices=list(WINDOWS), default="hour")


class AlertRuleSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    threshold = PlainDecimalField()
    last_value = PlainDecimalField()

    class Meta:
        model = AlertRule
        fields = ("key", "title", "unit", "threshold", "enabled", "firing", "last_value")
        read_only_fields = fields

    def get_title(self, rule: AlertRule) -> str:
        spec = RULES.get(rule.key)
        return spec.title if spec else rule.key

    def get_unit(self, rule: AlertRule) -> str:
        spec = RULES.get(rule.key)
        return spec.unit if spec else ""


class AlertRuleUpdateSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    enabled = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError({"threshold": ["Give a threshold or enabled."]})
        return attrs


class AlertEventSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule_id")
    title = serializers.SerializerMethodField()
    value = PlainDecimalField()
    threshold = PlainDecimalField()

    class Meta:
        model = AlertEvent
        fields = ("id", "rule", "title", "value", "threshold", "fired_at", "resolved_at")
        read_only_fields = fields

    def get_title(self, event: AlertEvent) -> str:
        spec = RULES.get(event.rule_id)
        return spec.title if spec else event.rule_id
