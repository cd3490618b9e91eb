"""The risk panel, the risk engine's actions and its manual controls (reference/api.md, `risk`).
Read-only shapes; decimals travel as strings ("-2.5", not "-2.500000000000000000")."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from trading.positions.api.serializers import ReadOnlyModelSerializer
from trading.risk.models import RiskAction

AMOUNT = {"max_digits": 36, "decimal_places": 18, "coerce_to_string": True, "normalize_output": True}
GROUP_STATES = ("not_eligible", "timer", "expired", "recovered", "blocked", "skip_once")


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(read_only=True, **AMOUNT, **kwargs)


class RiskSettingsSerializer(serializers.Serializer):
    required_pyramids_for_timer = serializers.IntegerField(
        help_text="Pyramids a group needs (with every leg filled) before its timer starts"
    )
    post_full_wait_minutes = serializers.IntegerField(help_text="The timer's length")
    loss_threshold_percent = _amount(
        help_text="A group at or below this loss % is a loser once its timer expired"
    )
    max_winners_to_combine = serializers.IntegerField(help_text="At most this many winners pay for one loser")


class RiskGroupSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    status = serializers.CharField()
    pyramid_count = serializers.IntegerField()
    required_pyramids = serializers.IntegerField()
    all_legs_filled = serializers.BooleanField()
    eligible = serializers.BooleanField(help_text="Enough pyramids and every leg filled: the timer runs")
    price = _amount(allow_null=True, help_text="The last marked price")
    loss = _amount(help_text="Unrealized PnL at that price, quote (negative: a loss)")
    loss_percent = _amount(help_text="Unrealized PnL as a percent of the entry cost")
    timer_expires_at = serializers.DateTimeField(allow_null=True, help_text="As the next cycle will set it")
    timer_remaining_seconds = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(
        choices=GROUP_STATES,
        help_text=(
            "not_eligible: no timer yet; timer: counting down at or below the threshold; expired: a loser "
            "for the next cycle; recovered: above the threshold, the countdown starts over; blocked; "
            "skip_once: left out of the next cycle"
        ),
    )
    blocked = serializers.BooleanField()
    skip_once = serializers.BooleanField()
    close_in_flight = serializers.BooleanField(
        help_text="A close order is under way: left out until it settles"
    )


class RiskWinnerSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    profit = _amount(help_text="Unrealized profit, quote: what it could pay towards a loser")


class RiskPlanLoserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    quantity = _amount(help_text="Closed in full, base")
    price = _amount()
    avg_entry = _amount()
    loss = _amount()
    loss_percent = _amount()


class RiskPlanWinnerSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    quantity = _amount(help_text="Sold at market, base, rounded down to the step")
    price = _amount()
    expected_realized = _amount(help_text="quantity * (price - avg_entry), quote")


class RiskPlanSerializer(serializers.Serializer):
    loser = RiskPlanLoserSerializer()
    required = _amount(help_text="|loss|, quote")
    covered = _amount(help_text="What the winners' sales realize, quote")
    fully_covered = serializers.BooleanField()
    winners = RiskPlanWinnerSerializer(many=True)


class RiskActionWinnerSerializer(serializers.Serializer):
    group = serializers.UUIDField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField(required=False)
    quantity = _amount()
    price = _amount(help_text="The mark the plan was computed at")
    avg_entry = _amount(allow_null=True)
    expected_realized = _amount()
    order = serializers.UUIDField(allow_null=True, help_text="The market order that sold it")


class RiskActionSerializer(ReadOnlyModelSerializer):
    loser = serializers.UUIDField(source="loser_id", read_only=True, allow_null=True)
    winners = RiskActionWinnerSerializer(many=True, read_only=True)

    class Meta:
        model = RiskAction
        fields = (
            "id",
            "loser",
            "symbol",
            "timeframe",
            "loser_quantity",
            "loser_price",
            "loser_avg_entry",
            "loser_loss",
            "loser_loss_percent",
            "required",
            "covered",
            "fully_covered",
            "winners",
            "trigger",
            "status",
            "details",
            "created_at",
        )
        read_only_fields = fields


class RiskPanelSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="risk_engine_enabled in your trading configuration")
    service_running = serializers.BooleanField()
    settings = RiskSettingsSerializer()
    groups = RiskGroupSerializer(many=True)
    winners = RiskWinnerSerializer(
        many=True, help_text="Groups in profit that can pay for a loser, best first"
    )
    projected_plan = RiskPlanSerializer(allow_null=True, help_text="What the next cycle would do now")
    recent_actions = RiskActionSerializer(many=True, help_text="The latest 20")


class RiskRunSerializer(serializers.Serializer):
    action = RiskActionSerializer(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why nothing was done (null when it acted)")


class RiskGroupControlSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    status = serializers.CharField()
    blocked = serializers.BooleanField(source="risk_blocked")
    skip_once = serializers.BooleanField(source="risk_skip_once")
