"""Signal shapes for the trader's log (reference/api.md, "Trading"). Decimals travel as strings.

`raw_body` was masked before it was stored (trading/signals/services.py): the webhook secret is
never in a row, so it cannot reach a response."""

from __future__ import annotations

from rest_framework import serializers

from trading.signals.models import Outcome, Signal


class PlainDecimalField(serializers.DecimalField):
    """As sent, in plain notation: "64250.5", not "64250.500000000000000000"."""

    def to_representation(self, value: object) -> str:
        return format(value.normalize(), "f") if value is not None else None  # type: ignore[attr-defined]  # a Decimal from the model


class SignalSerializer(serializers.ModelSerializer):
    price = PlainDecimalField(max_digits=36, decimal_places=18, read_only=True, allow_null=True)
    position_group = serializers.UUIDField(source="position_group_id", read_only=True, allow_null=True)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        read_only=True,
        help_text="accepted (acted on), received (not yet), queued, refused, stale (refused: too old), "
        "duplicate",
    )

    class Meta:
        model = Signal
        fields = (
            "id",
            "status",
            "outcome",
            "classification",
            "reason",
            "reason_code",
            "reason_field",
            "exchange",
            "symbol",
            "timeframe",
            "side",
            "intent_type",
            "price",
            "position_group",
            "sent_at",
            "received_at",
            "processed_at",
        )
        read_only_fields = fields


class SignalDetailSerializer(SignalSerializer):
    account = serializers.UUIDField(source="account_id", read_only=True, allow_null=True)

    class Meta(SignalSerializer.Meta):
        fields = (*SignalSerializer.Meta.fields, "account", "source", "raw_body", "parsed")
        read_only_fields = fields
