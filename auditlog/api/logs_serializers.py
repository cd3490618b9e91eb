from __future__ import annotations

from rest_framework import serializers

from auditlog.models_logs import ErrorLog, ServiceLog


class ServiceLogSerializer(serializers.ModelSerializer):
    user = serializers.UUIDField(source="user_id", allow_null=True, read_only=True)

    class Meta:
        model = ServiceLog
        fields = ("id", "timestamp", "user", "level", "category", "module", "message", "context")
        read_only_fields = fields


class ErrorLogSerializer(serializers.ModelSerializer):
    user = serializers.UUIDField(source="user_id", allow_null=True, read_only=True)
    resolved_by = serializers.SerializerMethodField()

    class Meta:
        model = ErrorLog
        fields = (
            "id",
            "created_at",
            "last_seen_at",
            "count",
            "user",
            "error_type",
            "message",
            "traceback",
            "context",
            "resolved",
            "resolved_at",
            "resolved_by",
            "resolution_notes",
        )
        read_only_fields = fields

    def get_resolved_by(self, error: ErrorLog) -> dict | None:
        if error.resolved_by_id is None:
            return None
        return {"id": str(error.resolved_by_id), "email": error.resolved_by.email}


class ResolveSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class ExportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=("csv", "json"))
    # The same names as the list's query parameters (level, category, search, ...).
    filters = serializers.DictField(
        child=serializers.CharField(max_length=1000, allow_blank=True), required=False, default=dict
    )


class DeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()
