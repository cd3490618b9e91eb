from __future__ import annotations

from rest_framework import serializers

from .services import POSITION_CHOICES


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    positions = serializers.ChoiceField(
        choices=POSITION_CHOICES,
        help_text="close: sell open positions at market; leave: keep the holdings at the exchange.",
    )


class AccountDeletedSerializer(serializers.Serializer):
    deleted_at = serializers.DateTimeField()
    erase_after = serializers.DateTimeField()
