"""Shapes of the ML admin API (mlops/api.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mlops.models import Algorithm, MLModel, ModelType, RetrainingSchedule, TrainingJob
from mlops.services.schedules import EDITABLE

_SYMBOL = r"^[A-Za-z0-9][A-Za-z0-9.&/_^=-]{0,39}$"


class TrainingJobStartSerializer(serializers.Serializer):
    model_type = serializers.ChoiceField(choices=ModelType.choices)
    algorithm = serializers.ChoiceField(choices=Algorithm.choices, default=Algorithm.RANDOM_FOREST)
    data_source = serializers.CharField(max_length=32, help_text="The candle source: yfinance, csv, ...")
    symbols = serializers.ListField(
        child=serializers.RegexField(_SYMBOL),
        min_length=1,
        max_length=200,
        help_text="As stored: RELIANCE.NS",
    )
    window_start = serializers.DateField(required=False, allow_null=True, default=None)
    window_end = serializers.DateField(required=False, allow_null=True, default=None)
    params = serializers.JSONField(
        required=False,
        default=dict,
        help_text="n_estimators (1-1000, default 100), max_depth (1-50, default 10), test_fraction "
        "(0.05-0.5, default 0.2), strategy (the strategy's settings that pick candidates and exits)",
    )


class TrainingLogLineSerializer(serializers.Serializer):
    at = serializers.CharField()
    level = serializers.CharField()
    message = serializers.CharField()


class TrainingJobSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, allow_null=True, default=None
    )
    model_id = serializers.SerializerMethodField()
    last_log = serializers.SerializerMethodField()

    class Meta:
        model = TrainingJob
        fields = (
            "id",
            "created_by",
            "schedule",
            "model_type",
            "algorithm",
            "data_source",
            "symbols",
            "window_start",
            "window_end",
            "params",
            "status",
            "progress",
            "cancel_requested",
            "metrics",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "model_id",
            "last_log",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_model_id(self, job: TrainingJob) -> str | None:
        model = getattr(job, "model", None)  # the registered model, once the job succeeded
        return str(model.pk) if model is not None else None

    @extend_schema_field(TrainingLogLineSerializer(allow_null=True))
    def get_last_log(self, job: TrainingJob) -> dict[str, Any] | None:
        lines = job.log or []
        return dict(TrainingLogLineSerializer(lines[-1]).data) if lines else None


class TrainingJobDetailSerializer(TrainingJobSerializer):
    log = TrainingLogLineSerializer(many=True, read_only=True)

    class Meta(TrainingJobSerializer.Meta):
        fields = (*TrainingJobSerializer.Meta.fields, "log")
        read_only_fields = fields


class MLModelSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, allow_null=True, default=None
    )
    activated_by = serializers.EmailField(
        source="activated_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = MLModel
        fields = (
            "id",
            "model_type",
            "version",
            "algorithm",
            "job",
            "metrics",
            "features",
            "schema_version",
            "artifact_sha256",
            "is_active",
            "created_by",
            "activated_by",
            "activated_at",
            "created_at",
        )
        read_only_fields = fields


class MLModelCompareQuerySerializer(serializers.Serializer):
    a = serializers.UUIDField(help_text="A model's id")
    b = serializers.UUIDField(help_text="Another model's id")


class MLMetricComparisonSerializer(serializers.Serializer):
    name = serializers.CharField()
    a = serializers.FloatField(allow_null=True)
    b = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True, help_text="b - a")


class MLModelComparisonSerializer(serializers.Serializer):
    a = MLModelSerializer()
    b = MLModelSerializer()
    metrics = MLMetricComparisonSerializer(many=True)


class MLModelRollbackSerializer(serializers.Serializer):
    model_type = serializers.ChoiceField(choices=ModelType.choices)


class RetrainingScheduleSerializer(serializers.ModelSerializer):
    symbols = serializers.ListField(child=serializers.RegexField(_SYMBOL), min_length=1, max_length=200)
    params = serializers.JSONField(required=False, default=dict)
    metric_floor = serializers.DecimalField(
        max_digits=8, decimal_places=4, required=False, allow_null=True, coerce_to_string=False
    )
    beat_row = serializers.SerializerMethodField()

    class Meta:
        model = RetrainingSchedule
        fields = ("id", *EDITABLE, "created_at", "beat_row")
        read_only_fields = ("id", "created_at", "beat_row")
        # The service checks uniqueness and answers a field error; the model validator would too,
        # but twice over.
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}

    @extend_schema_field(serializers.CharField())
    def get_beat_row(self, schedule: RetrainingSchedule) -> str:
        return f"ml:{schedule.pk}"


class SampleHistorySerializer(serializers.Serializer):
    source = serializers.CharField()
    symbols = serializers.ListField(child=serializers.CharField())
    candles = serializers.IntegerField(help_text="Daily candles stored (new or updated)")


class BacktestFiguresSerializer(serializers.Serializer):
    trades = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True, help_text="0-1")
    return_pct = serializers.FloatField()
    max_drawdown_pct = serializers.FloatField()


class BacktestSummarySerializer(serializers.Serializer):
    rules = BacktestFiguresSerializer()
    filter = BacktestFiguresSerializer()
    require_both = BacktestFiguresSerializer()


class ActiveModelSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    algorithm = serializers.CharField()
    activated_at = serializers.DateTimeField(allow_null=True)
    accuracy = serializers.FloatField(allow_null=True)
    macro_f1 = serializers.FloatField(allow_null=True)
    test_from = serializers.CharField(allow_null=True)
    backtest = BacktestSummarySerializer(allow_null=True)


class ModelVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    algorithm = serializers.CharField()
    created_at = serializers.DateTimeField()
    is_active = serializers.BooleanField()


class ActiveModelsSerializer(serializers.Serializer):
    verdict_classifier = ActiveModelSerializer(allow_null=True)
    price_regressor = ActiveModelSerializer(allow_null=True)
    versions = ModelVersionSerializer(many=True, help_text="The verdict models a trader can pin")
