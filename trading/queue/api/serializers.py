"""Queue shapes (reference/api.md, "Trading"): the same fields as the live `queue.updated` event
(trading/queue/events.py, queue_entry_data). Decimals travel as strings."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from trading.queue.models import QueueEntry, QueueStatus

AMOUNT = {"max_digits": 36, "decimal_places": 18, "coerce_to_string": True, "normalize_output": True}


def _amount(**kwargs: object) -> serializers.DecimalField:
    return serializers.DecimalField(read_only=True, **AMOUNT, **kwargs)  # type: ignore[arg-type]


class QueueEntrySerializer(serializers.ModelSerializer):
    loss_percent = _amount(
        allow_null=True,
        help_text="(current - entry) / entry * 100, mirrored for a short: negative is a move against you",
    )
    current_price = _amount(allow_null=True, help_text="Last price when the queue was last ranked")
    entry_price = _amount(help_text="The latest signal's price")
    expected_profit = _amount(help_text="Quote: the grid's take-profit targets at the signal's price")
    time_in_queue_seconds = serializers.SerializerMethodField()
    signal = serializers.UUIDField(source="signal_id", read_only=True, allow_null=True)
    position_group = serializers.UUIDField(
        source="group_id",
        read_only=True,
        allow_null=True,
        help_text="The live group it continues, or the group it opened once promoted",
    )

    class Meta:
        model = QueueEntry
        fields = (
            "id",
            "exchange",
            "symbol",
            "timeframe",
            "side",
            "status",
            "rank",
            "priority_rule",
            "loss_percent",
            "current_price",
            "entry_price",
            "replacement_count",
            "expected_profit",
            "queued_at",
            "time_in_queue_seconds",
            "is_pyramid_continuation",
            "signal",
            "position_group",
            "reason",
            "promoted_by",
            "done_at",
        )
        read_only_fields = fields

    def get_time_in_queue_seconds(self, entry: QueueEntry) -> int:
        end = entry.done_at or timezone.now()
        return max(int((end - entry.queued_at).total_seconds()), 0)


class CircuitBreakerSerializer(serializers.Serializer):
    tripped = serializers.BooleanField()
    realized_today = _amount(help_text="Realized PnL of groups closed since `since`, in quote")
    limit = _amount(allow_null=True, help_text="max_realized_loss_per_day; null: no limit")
    since = serializers.DateTimeField(help_text="Start of the UTC day, or your last reset if later")


class QueueSummarySerializer(serializers.Serializer):
    open_groups = serializers.IntegerField()
    max_open_groups = serializers.IntegerField()
    queued = serializers.IntegerField()
    circuit_breaker = CircuitBreakerSerializer()


class QueueQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=QueueStatus.values,
        default=QueueStatus.QUEUED,
        help_text="queued (default, by rank), or the history of entries that left the queue (newest first)",
    )
