"""Shapes of the service endpoints (reference/api.md, "Trading": service/*)."""

from __future__ import annotations

from rest_framework import serializers

from trading.runtime.models import ServiceTaskExecution, TaskOutcome


class ScheduleSerializer(serializers.Serializer):
    task = serializers.CharField()
    cron = serializers.CharField(required=False, help_text="Five fields, in `timezone`")
    interval_seconds = serializers.IntegerField(required=False)
    timezone = serializers.CharField()
    enabled = serializers.BooleanField(help_text="Registered with beat and on: only while the service runs")
    next_run = serializers.DateTimeField(allow_null=True, help_text="Estimated; null while disabled")


class ServiceStatusSerializer(serializers.Serializer):
    service_running = serializers.BooleanField()
    started_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    last_heartbeat = serializers.DateTimeField(allow_null=True)
    heartbeat_age_seconds = serializers.FloatField(allow_null=True)
    healthy = serializers.BooleanField(
        help_text="Running, and a worker wrote the heartbeat within 3 intervals"
    )
    last_task_execution = serializers.DateTimeField(allow_null=True)
    error_count = serializers.IntegerField()
    last_error = serializers.CharField(allow_blank=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    schedules = ScheduleSerializer(many=True)


class ServiceConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=("already_running", "already_stopped"))
    errors = serializers.DictField()
    state = ServiceStatusSerializer()


class ServiceStopSerializer(serializers.Serializer):
    close_all = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also close every open position at market and empty the queue",
    )


class TaskExecutionSerializer(serializers.ModelSerializer):
    executed_at = serializers.DateTimeField(source="started_at", read_only=True)
    status = serializers.ChoiceField(choices=TaskOutcome.choices, read_only=True)

    class Meta:
        model = ServiceTaskExecution
        fields = ("id", "task_name", "executed_at", "status", "duration_seconds", "details")
        read_only_fields = fields


class SchedulableTaskSerializer(serializers.Serializer):
    task = serializers.CharField()
    description = serializers.CharField()
    min_interval_seconds = serializers.IntegerField()
