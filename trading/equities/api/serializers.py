"""Shapes of the NSE strategy's endpoints (the issue 17 API contract). Read-only except the
settings' PATCH, whose body the settings service validates as a whole; decimals travel as strings."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from trading.equities.models import (
    AnalysisRun,
    AnalysisStatus,
    Recommendation,
    RecommendationStatus,
    StrategyDay,
    SymbolAnalysis,
)
from trading.equities.schedule_defaults import DEFAULT_SCHEDULE
from trading.equities.strategy.params import StrategyParams
from trading.positions.api.serializers import ReadOnlyModelSerializer
from trading.positions.models import GroupStatus, OrderStatus

AMOUNT = {"max_digits": 36, "decimal_places": 18, "coerce_to_string": True, "normalize_output": True}


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(read_only=True, **AMOUNT, **kwargs)


def _param_field(default: Any, *, required: bool) -> serializers.Field:
    """The field of one StrategyParams value, typed like the JSON `to_mapping` writes."""
    if isinstance(default, bool):
        return serializers.BooleanField(required=required)
    if isinstance(default, int):
        return serializers.IntegerField(required=required)
    if isinstance(default, Decimal):
        return serializers.CharField(required=required, help_text="A decimal number, as a string")
    if default and isinstance(default[0], tuple):
        return serializers.ListField(
            child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
            required=required,
            help_text="[[lowest price, fraction of average volume], ...] from the highest price down to 0",
        )
    return serializers.ListField(child=serializers.IntegerField(), required=required)


def _params_serializer(name: str, *, required: bool) -> type[serializers.Serializer]:
    defaults = StrategyParams()
    attrs = {f.name: _param_field(getattr(defaults, f.name), required=required) for f in fields(defaults)}
    return type(name, (serializers.Serializer,), attrs)


def _schedule_serializer(name: str, *, required: bool) -> type[serializers.Serializer]:
    attrs = {
        task: serializers.CharField(required=required, help_text=f"Cron of {task}; default {cron!r}")
        for task, cron in DEFAULT_SCHEDULE.items()
    }
    return type(name, (serializers.Serializer,), attrs)


# Every number of the rules (trading/equities/strategy/params.py), as saved and as a partial change.
StrategyParamsSerializer = _params_serializer("StrategyParamsSerializer", required=True)
StrategyParamsPatchSerializer = _params_serializer("StrategyParamsPatchSerializer", required=False)
StrategyScheduleSerializer = _schedule_serializer("StrategyScheduleSerializer", required=True)
StrategySchedulePatchSerializer = _schedule_serializer("StrategySchedulePatchSerializer", required=False)


class StrategyDefaultsSerializer(serializers.Serializer):
    params = StrategyParamsSerializer()
    schedule = StrategyScheduleSerializer()


class EquitiesAccountSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    exchange = serializers.CharField()
    label = serializers.CharField()


class EquitiesStrategySerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    account = serializers.UUIDField(allow_null=True, help_text="The equities account that trades")
    universe = serializers.ListField(child=serializers.CharField(), help_text="NSE symbols scanned")
    market_data_source = serializers.CharField(allow_blank=True, help_text="Empty: the account's own")
    params = StrategyParamsSerializer()
    schedule = StrategyScheduleSerializer()
    timezone = serializers.CharField()
    candle_source = serializers.CharField(help_text="Where the analysis reads candles (effective)")
    defaults = StrategyDefaultsSerializer()
    accounts = EquitiesAccountSerializer(many=True, help_text="Your equities accounts to choose from")


class EquitiesStrategyPatchSerializer(serializers.Serializer):
    """Documentation of the PATCH body: any subset; params and schedule are merged."""

    enabled = serializers.BooleanField(required=False)
    account = serializers.UUIDField(required=False, allow_null=True)
    universe = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Symbols; a string of symbols separated by commas or spaces is read too",
    )
    market_data_source = serializers.CharField(required=False, allow_blank=True)
    params = StrategyParamsPatchSerializer(required=False)
    schedule = StrategySchedulePatchSerializer(required=False)
    timezone = serializers.CharField(required=False)


class TaskLastRunSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="success, failed or skipped")
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    details = serializers.JSONField()
    error = serializers.CharField(allow_blank=True)


class StrategyTaskSerializer(serializers.Serializer):
    task = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    cron = serializers.CharField()
    timezone = serializers.CharField()
    enabled = serializers.BooleanField(help_text="Its beat row is on: the strategy and the service run")
    next_run = serializers.DateTimeField(allow_null=True)
    last_run = TaskLastRunSerializer(allow_null=True)


class TaskRunQueuedSerializer(serializers.Serializer):
    task = serializers.CharField()
    queued = serializers.BooleanField()


class AnalysisRunSerializer(ReadOnlyModelSerializer):
    symbols_count = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=AnalysisStatus.choices, read_only=True)

    class Meta:
        model = AnalysisRun
        fields = (
            "id",
            "day",
            "status",
            "source",
            "symbols_count",
            "tradeable_count",
            "ml",
            "errors",
            "error",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields

    def get_symbols_count(self, run: AnalysisRun) -> int:
        return len(run.symbols or [])


class SymbolAnalysisSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = SymbolAnalysis
        fields = (
            "symbol",
            "verdict",
            "tradeable",
            "rejected_rule",
            "detail",
            "close",
            "avg_volume",
            "strength",
            "backtest_score",
            "combined",
            "chart_quality",
            "target_tier",
            "target",
            "stop",
            "indicators",
            "quality",
            "backtest",
        )
        read_only_fields = fields


class RecommendationSerializer(ReadOnlyModelSerializer):
    status = serializers.ChoiceField(choices=RecommendationStatus.choices, read_only=True)
    run = serializers.UUIDField(source="run_id", read_only=True, allow_null=True)
    group = serializers.UUIDField(source="group_id", read_only=True, allow_null=True)
    order = serializers.UUIDField(source="order_id", read_only=True, allow_null=True)

    class Meta:
        model = Recommendation
        fields = (
            "id",
            "run",
            "day",
            "symbol",
            "rank",
            "verdict",
            "combined",
            "close",
            "quantity",
            "capital",
            "target",
            "stop",
            "status",
            "reason",
            "ml_model_version",
            "ml_verdict",
            "ml_confidence",
            "attempts",
            "group",
            "order",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class AnalysisRunDetailSerializer(AnalysisRunSerializer):
    symbols = serializers.ListField(child=serializers.CharField(), read_only=True)
    results = SymbolAnalysisSerializer(many=True, read_only=True, source="result_list")
    recommendations = RecommendationSerializer(many=True, read_only=True, source="recommendation_list")

    class Meta(AnalysisRunSerializer.Meta):
        fields = (*AnalysisRunSerializer.Meta.fields, "symbols", "results", "recommendations")
        read_only_fields = fields


class StrategySellOrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    price = _amount(allow_null=True)
    quantity = _amount()


class StrategyHoldingSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The position group")
    symbol = serializers.CharField()
    exchange = serializers.CharField()
    account_label = serializers.CharField()
    status = serializers.ChoiceField(choices=GroupStatus.choices)
    quantity = _amount()
    avg_entry = _amount(allow_null=True)
    last_price = _amount(allow_null=True)
    unrealized_pnl = _amount()
    unrealized_pnl_percent = _amount()
    opened_at = serializers.DateTimeField()
    target = _amount(allow_null=True, help_text="The analysis' target")
    stop = _amount(allow_null=True)
    exit_price = _amount(allow_null=True, help_text="The EMA9 limit the sell rests at")
    exit_note = serializers.CharField(allow_blank=True, help_text="Why no sell rests, when none does")
    sell_order = StrategySellOrderSerializer(allow_null=True)
    levels_taken = serializers.ListField(child=serializers.IntegerField())


class StrategyDaySerializer(ReadOnlyModelSerializer):
    class Meta:
        model = StrategyDay
        fields = ("day", "stats", "summary", "created_at")
        read_only_fields = fields


class ChartCandleSerializer(serializers.Serializer):
    time = serializers.DateField(help_text="The trading day")
    open = _amount()
    high = _amount()
    low = _amount()
    close = _amount()
    volume = _amount()
    ema9 = _amount(allow_null=True, help_text="The exit EMA; null while the history is too short")
    ema200 = _amount(allow_null=True, help_text="The trend EMA; null while the history is too short")
    rsi = _amount(allow_null=True)


class ChartSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    source = serializers.CharField()
    candles = ChartCandleSerializer(many=True)


class ChartQuerySerializer(serializers.Serializer):
    symbol = serializers.CharField(max_length=40)
    days = serializers.IntegerField(required=False, default=250, min_value=1, max_value=1000)


class RecommendationQuerySerializer(serializers.Serializer):
    day = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=RecommendationStatus.choices, required=False)
