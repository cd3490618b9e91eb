from rest_framework import serializers

from auditlog.models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    owner = serializers.UUIDField(source="owner_id", allow_null=True, read_only=True)

    class Meta:
        model = AuditLog
        fields = (
            "id",
            "created_at",
            "actor",
            "owner",
            "action",
            "resource_type",
            "resource_id",
            "changes",
            "ip",
            "user_agent",
        )
        read_only_fields = fields

    def get_actor(self, entry: AuditLog) -> dict | None:
        if entry.actor_id is None and not entry.actor_label:
            return None
        return {"id": str(entry.actor_id) if entry.actor_id else None, "email": entry.actor_label}
